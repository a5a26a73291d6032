"""The overview dashboard: KPI tiles against the previous period, activity by channel, pins.

Tiles come from the ``kpis`` analysis (the same numbers as ``journeylens kpis`` and
``/api/kpis``); each tile's sparkline is the daily series of a matching ``measures`` line;
the channel table is ``measures`` over the whole range broken down by channel.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from journeylens.analyses import registry
from journeylens.web import runs
from journeylens.web.deps import StateDep
from journeylens.web.state import ServerState
from journeylens.web.ui import saved
from journeylens.web.ui.render import Period, PeriodDep, ViewerDep, page

router = APIRouter(include_in_schema=False)

# Active, as the kpis analysis counts it: on customer activity (* leaves out the workspace's
# [activity] not_activity events, the business's own messages such as Email Sent).
ACTIVE = "persons(*)"
# (kpi name, unit or None for the workspace currency, daily measure for the sparkline, kind)
TILES: tuple[tuple[str, str | None, str | None, str], ...] = (
    ("revenue", None, "sum(revenue of Order Completed)", "money"),
    ("orders", "orders", "count(Order Completed)", "count"),
    ("conversion_rate", "rate", f"ratio(persons(Order Completed), {ACTIVE})", "rate"),
    ("average_order_value", None, "avg(revenue of Order Completed)", "money"),
    ("active_persons", "persons", ACTIVE, "count"),
    ("churn_rate", "rate", None, "rate"),
    ("nps", "score", None, "score"),
)


def tiles(state: ServerState, period: Period) -> list[dict[str, Any]]:
    kpis = registry.get("kpis")
    answer = runs.run(state, kpis, runs.parse(kpis, period.analysis_range))
    currency = state.workspace.config.currency
    measures = registry.get("measures")
    daily = runs.run(
        state,
        measures,
        runs.parse(
            measures,
            {
                **period.analysis_range,
                "period": "day",
                "measures": [m for _, _, m, _ in TILES if m],
            },
        ),
    )
    series: dict[str, list[float | None]] = {}
    for point in daily["points"]:
        series.setdefault(point["measure"], []).append(point["value"])
    out = []
    for name, unit, measure, kind in TILES:
        wanted = unit or currency
        found = next(
            (k for k in answer["kpis"] if k["name"] == name and k["unit"] == wanted),
            next((k for k in answer["kpis"] if k["name"] == name), None),
        )
        found = found or {"value": None, "previous": None, "change": None, "unit": wanted}
        value, previous = found["value"], found["previous"]
        relative = (value - previous) / abs(previous) if value is not None and previous else None
        out.append(
            {
                "name": name,
                "kind": kind,
                "unit": found["unit"],
                "value": value,
                "previous": previous,
                "change": found["change"],
                "relative_change": relative,
                "daily": series.get(measure, []) if measure else [],
            }
        )
    return out


def by_channel(state: ServerState, period: Period) -> list[dict[str, Any]]:
    measures = registry.get("measures")
    answer = runs.run(
        state,
        measures,
        runs.parse(
            measures,
            {
                **period.analysis_range,
                "period": "total",
                "breakdown": "channel",
                "measures": ["count(*)", "persons(*)"],
            },
        ),
    )
    rows: dict[str, dict[str, Any]] = {}
    for point in answer["points"]:
        row = rows.setdefault(
            point["breakdown"] or "other", {"channel": point["breakdown"] or "other"}
        )
        row["events" if point["measure"] == "count(*)" else "customers"] = point["value"] or 0
    return sorted(rows.values(), key=lambda r: -(r.get("events") or 0))


def channel_chart(rows: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    names = [r["channel"] for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "name": labels["events"],
                "x": names,
                "y": [r.get("events", 0) for r in rows],
            },
            {
                "type": "bar",
                "name": labels["customers"],
                "x": names,
                "y": [r.get("customers", 0) for r in rows],
                "yaxis": "y2",
            },
        ],
        "layout": {
            "barmode": "group",
            "yaxis": {"title": {"text": labels["events"]}},
            "yaxis2": {"title": {"text": labels["customers"]}, "overlaying": "y", "side": "right"},
            "legend": {"orientation": "h", "y": 1.12},
        },
    }


@router.get("/")
def overview(request: Request, state: StateDep, viewer: ViewerDep, period: PeriodDep) -> Response:
    from journeylens.web.ui.i18n import text

    _ = text(viewer.user.language)
    channels = by_channel(state, period)
    data = {
        "period": {"from": period.start, "to": period.end},
        "tiles": tiles(state, period),
        "channels": channels,
        "pinned": saved.pinned(state),
    }
    chart = channel_chart(
        channels, {"events": _("overview.events"), "customers": _("overview.customers")}
    )
    return page(request, "overview.html", data, viewer=viewer, period=period, channel_chart=chart)
