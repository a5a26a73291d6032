"""Applying the active plan on the way in (collector and importers alike)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson

from journeylens.ingest.batch import Rejection
from journeylens.plan.model import PLAN_FILE, TrackingPlan


class PlanStore:
    """The workspace's active plan, re-read when ``plan.yaml`` changes."""

    def __init__(self, workspace: Path) -> None:
        self.file = Path(workspace) / PLAN_FILE
        self._mtime: float | None = None
        self._plan: TrackingPlan | None = None
        self._lock = threading.Lock()

    def current(self) -> TrackingPlan | None:
        try:
            mtime = self.file.stat().st_mtime
        except FileNotFoundError:
            return None
        with self._lock:
            if mtime != self._mtime:
                self._plan = TrackingPlan.load(self.file)
                self._mtime = mtime
            return self._plan


def apply_plan(
    plan: TrackingPlan | None, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Check rows; in block mode violating rows become rejections, in flag mode they are kept
    with ``row["_violations"]`` for the writer to record."""
    if plan is None:
        return rows, []
    kept: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    for position, row in enumerate(rows):
        violation = plan.check(row["event"], row["properties"])
        if violation is None:
            kept.append(row)
            continue
        if plan.mode == "block":
            rejected.append(
                Rejection(
                    row.get("_index", position),
                    "plan_violation",
                    f"tracking plan: {violation.describe()}",
                    _raw(row),
                    row["message_id"],
                )
            )
            continue
        row["_violations"] = [violation]
        kept.append(row)
    return kept, rejected


def _raw(row: dict[str, Any]) -> str:
    public = {k: v for k, v in row.items() if not k.startswith("_")}
    return orjson.dumps(public, default=str).decode()
