"""``plan check``: how well the events already stored follow a plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from journeylens.plan.model import TrackingPlan


@dataclass
class EventReport:
    event: str
    checked: int = 0
    violating: int = 0
    planned: bool = True


@dataclass
class PlanReport:
    events: dict[str, EventReport] = field(default_factory=dict)
    # (event, property, code) -> [count, example message]
    problems: dict[tuple[str, str | None, str], list[Any]] = field(default_factory=dict)

    @property
    def violating(self) -> int:
        return sum(e.violating for e in self.events.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": [
                {
                    "event": e.event,
                    "checked": e.checked,
                    "violating": e.violating,
                    "planned": e.planned,
                }
                for e in sorted(self.events.values(), key=lambda e: (-e.violating, e.event))
            ],
            "violations": [
                {"event": ev, "property": prop, "code": code, "count": count, "example": example}
                for (ev, prop, code), (count, example) in sorted(
                    self.problems.items(), key=lambda item: (-item[1][0], item[0][0])
                )
            ],
        }


def check_stored(
    con: duckdb.DuckDBPyConnection, plan: TrackingPlan, batch: int = 10_000
) -> PlanReport:
    report = PlanReport()
    cursor = con.cursor()
    cursor.execute(
        "SELECT event, properties FROM events WHERE event IS NOT NULL AND type IN ('track', 'page', 'screen')"
    )
    while rows := cursor.fetchmany(batch):
        for event, properties in rows:
            entry = report.events.get(event)
            if entry is None:
                entry = report.events[event] = EventReport(event, planned=event in plan.events)
            entry.checked += 1
            violation = plan.check(event, properties)
            if violation is None:
                continue
            entry.violating += 1
            key = (event, violation.property, violation.code)
            if key in report.problems:
                report.problems[key][0] += 1
            else:
                report.problems[key] = [1, violation.message]
    cursor.close()
    return report
