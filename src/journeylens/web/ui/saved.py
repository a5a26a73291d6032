"""Reading saved insights for pages (the dashboard's pins)."""

from __future__ import annotations

from typing import Any

from journeylens.store import insights
from journeylens.web.state import ServerState


def pinned(state: ServerState) -> list[dict[str, Any]]:
    with state.cursor() as cursor:
        return insights.list_all(cursor, pinned_only=True)
