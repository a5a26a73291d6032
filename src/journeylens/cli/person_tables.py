"""The analyses whose per-person results can be saved to a table: ``journeylens rfm --save``.

Each saver takes a workspace open for writing and the parsed query, writes its table
(``store/person_results.py``) and returns what it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from journeylens.models import personas
from journeylens.store import person_results
from journeylens.workspace import Workspace


def save_rfm(ws: Workspace, query: Any) -> dict[str, Any]:
    """person_rfm"""
    return person_results.save_rfm(ws.con, ws.tables, query)


def save_personas(ws: Workspace, query: Any) -> dict[str, Any]:
    """person_personas"""
    result = personas.run(ws.tables, query.model_copy(update={"persons": True}))
    labels = pd.DataFrame(
        [p.model_dump() for p in result.persons or []], columns=["person_id", "cluster", "persona"]
    )
    return person_results.save_personas(ws.con, labels) | {"k": result.k}


SAVERS: dict[str, Callable[[Workspace, Any], dict[str, Any]]] = {
    "rfm": save_rfm,
    "personas": save_personas,
}
