"""How each analysis reads as tables (``--format table``): its result, as ``tables.View``s.

An analysis without an entry in ``VIEWS`` gets ``generic``: its ``rows()``, each column read
by its name (``COLUMNS``). The layouts here choose columns and headers; ``tables`` formats
the values and fits them to the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from journeylens.cli.tables import IN_PROGRESS, Column, View, cell, day, marker_column, money

Data = dict[str, Any]

# Columns by row key, for the generic layout: header, kind, and whether a column names the row.
COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("event", "event", repeat=True),
        Column("period_start", "period", "date", repeat=True, missing="total"),
        Column("period", "period", "date", repeat=True),
        Column("breakdown", "breakdown", repeat=True, missing="(none)"),
        Column("sessions", "sessions", "count"),
        Column("persons", "persons", "count"),
        Column("count", "count", "count"),
        Column("avg_duration_seconds", "avg duration", "duration"),
        Column("median_duration_seconds", "median duration", "duration"),
        Column("page_view_sessions", "with pages", "count"),
        Column("pages_per_session", "pages per session", "number"),
        Column("bounces", "bounces", "count"),
        Column("bounce_rate", "bounce rate", "percent"),
        Column("new", "new", "count"),
        Column("returning", "returning", "count"),
        Column("resurrecting", "resurrecting", "count"),
        Column("dormant", "dormant", "count"),
        Column("active", "active", "count"),
        Column("share", "share", "percent"),
    )
}


def views(name: str, data: Data, rows: list[dict[str, Any]], title: str) -> list[View]:
    """The tables of analysis ``name``'s result ``data`` (its ``rows()`` for the generic one)."""
    layout = VIEWS.get(name)
    return layout(data, title) if layout else [generic(rows, title)]


def generic(rows: list[dict[str, Any]], title: str) -> View:
    keys = list(dict.fromkeys(key for row in rows for key in row))
    columns = [column_for(key, rows) for key in keys]
    return View(title, _with_marker(columns), rows)


def column_for(key: str, rows: list[dict[str, Any]]) -> Column:
    """The known column of ``key``, else one read from its name and values."""
    if key in COLUMNS:
        return COLUMNS[key]
    if key == IN_PROGRESS:
        return marker_column()
    header = key.replace("_", " ")
    values = [row[key] for row in rows if row.get(key) is not None]
    if key.endswith(("_rate", "_share")):
        return Column(key, header.removesuffix(" rate"), "percent")
    if "seconds" in key:
        return Column(key, header.replace(" seconds", ""), "duration")
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return Column(key, header, "count")
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return Column(key, header, "number")
    return Column(key, header)


def _with_marker(columns: list[Column]) -> list[Column]:
    """The in-progress mark right after the period (``tables`` module docstring)."""
    rest = [c for c in columns if c.key != IN_PROGRESS]
    if len(rest) == len(columns):
        return columns
    after = next((i + 1 for i, c in enumerate(rest) if c.kind == "date"), 0)
    return [*rest[:after], marker_column(), *rest[after:]]


# ---- one layout per analysis ---------------------------------------------------------------
def funnel(data: Data, title: str) -> list[View]:
    columns = [
        Column("step", "step", repeat=True),
        Column("users", "persons", "count"),
        Column("overall_rate", "of step 1", "percent"),
        Column("step_rate", "of previous", "percent"),
        Column("drop_off", "dropped", "count"),
        Column("median_seconds_to_convert", "median time", "duration", missing=""),
        Column("mean_seconds_to_convert", "mean time", "duration", missing=""),
    ]
    groups = [("(all)", data["steps"])]
    groups += [(g["value"] or "(none)", g["steps"]) for g in data.get("breakdown") or ()]
    rows = [
        {"breakdown": value, "step": f"{n}. {s['name']}", **s}
        for value, steps in groups
        for n, s in enumerate(steps, 1)
    ]
    if data.get("breakdown") is not None:
        columns.insert(0, COLUMNS["breakdown"])
    notes = []
    persons = data.get("persons")
    if persons:
        ids = ", ".join(str(i) for i in persons["person_ids"][:20])
        more = len(persons["person_ids"]) > 20
        notes.append(
            f"Persons who {'reached' if persons['kind'] == 'reached' else 'dropped at'} step "
            f"{persons['step']}: {persons['count']:,}"
            + (f" (ids {ids}{', and more with --format json' if more else ''})" if ids else "")
        )
    return [View(title, columns, rows, notes)]


CHANGE_REASONS = {"no_earlier_data": "no earlier data", "in_progress": "partial period"}
PARTIAL = "*"  # marks a value of a period in progress; a note says so


def covered(date_from: str, date_to: str) -> str:
    """A result's ``[date_from, date_to)`` as the days it covers: ``2026-10-02 – 2026-10-31``
    (a ``date_to`` at midnight is exclusive, so the last day is the one before)."""
    start, end = datetime.fromisoformat(date_from), datetime.fromisoformat(date_to)
    if end.time() == datetime.min.time():
        return f"{day(start)} – {day(end - timedelta(days=1))}"
    return f"{day(start)} – {day(end)} (exclusive)"


def kpis(data: Data, title: str) -> list[View]:
    """One row per KPI; each value read in its unit (a rate's change in percentage points);
    the ranges compared named, a partial last period starred, a change that cannot be made
    said in words."""
    rows = []
    partial = False
    for kpi in data["kpis"]:
        unit = kpi["unit"]
        name = kpi["name"].replace("_", " ")
        reason = CHANGE_REASONS.get(kpi.get("change_reason") or "")
        if unit == "rate":
            value, change = Column("", "", "percent"), Column("", "", "points")
        elif unit == "seconds":
            value, change = Column("", "", "duration"), Column("", "", "duration", signed=True)
        elif unit.isupper() and len(unit) == 3:  # a currency
            rows.append(
                {
                    "kpi": f"{name} ({unit})",
                    "value": money(kpi["value"], unit),
                    "previous": money(kpi["previous"], unit),
                    "change": reason or money(kpi["change"], unit, signed=True),
                }
            )
            continue
        else:
            name = name if unit.split()[0] in name.split() else f"{name} ({unit})"
            value, change = Column("", "", "number"), Column("", "", "number", signed=True)
        rows.append(
            {
                "kpi": name,
                "value": cell(kpi["value"], value),
                "previous": cell(kpi.get("previous"), value),
                "change": reason or cell(kpi.get("change"), change),
            }
        )
        if kpi.get("in_progress"):  # a *_last KPI (never money)
            rows[-1]["kpi"] += f" {PARTIAL}"
            partial = True
    columns = [
        Column("kpi", "KPI", repeat=True),
        Column("value", "value", "number"),
        Column("previous", "previous period", "number"),
        Column("change", "change", "number"),
    ]
    notes = []
    if data.get("previous_from") is None:
        columns = columns[:2]
    else:
        previous = covered(data["previous_from"], data["previous_to"] or data["date_from"])
        notes.append(f"Previous period: {previous}.")
    if partial:
        notes.append(
            f"{PARTIAL} in progress: that day, week or month goes on past the range or --now."
        )
    heading = f"{title}, {covered(data['date_from'], data['date_to'])}"
    return [View(heading, columns, rows, notes)]


def retention(data: Data, title: str) -> list[View]:
    """The matrix: the average first, then a row per cohort; cells are the share retained."""
    unit = data["period"]
    groups = [("(all)", data["cohorts"], data["average"])]
    groups += [
        (g["value"] or "(none)", g["cohorts"], g["average"]) for g in data.get("breakdown") or ()
    ]
    periods = sorted(
        {p["period"] for _, cohorts, average in groups for p in average}
        | {p["period"] for _, cohorts, _ in groups for c in cohorts for p in c["periods"]}
    )
    rows = []
    for value, cohorts, average in groups:
        size = sum(c["size"] for c in cohorts)
        rows.append(
            {"breakdown": value, "cohort": "average", "size": size}
            | {f"p{a['period']}": a["rate"] for a in average}
        )
        for cohort in cohorts:
            # A period not yet started has no cell (printed blank); one in progress is starred.
            rows.append(
                {"breakdown": value, "cohort": cohort["cohort"], "size": cohort["size"]}
                | {f"p{p['period']}": _retained(p) for p in cohort["periods"]}
            )
    columns = [
        Column("cohort", "cohort", "date", repeat=True),
        Column("size", "cohort size", "count", repeat=True),
    ] + [Column(f"p{n}", f"{unit} {n}", "percent") for n in periods]
    if data.get("breakdown") is not None:
        columns.insert(0, COLUMNS["breakdown"])
    note = f"Each cell: the share of the cohort active again N {unit}s after its first {unit}."
    notes = [note]
    if any(p["in_progress"] for _, cohorts, _ in groups for c in cohorts for p in c["periods"]):
        notes.append(
            f"{PARTIAL} in progress: the {unit} has not ended, its share can still grow; a blank "
            f"cell's {unit} has not started."
        )
    return [View(title, columns, rows, notes)]


def _retained(period: dict[str, Any]) -> Any:
    """A retention cell: the share, starred while its period is in progress."""
    if not period["in_progress"]:
        return period["rate"]
    return cell(period["rate"], Column("", "", "percent")) + PARTIAL


def sessions(data: Data, title: str) -> list[View]:
    keys = ["period_start", "sessions", "persons", "avg_duration_seconds"]
    keys += ["median_duration_seconds", "page_view_sessions", "pages_per_session", "bounce_rate"]
    if data.get("breakdown") is not None:
        keys.insert(1, "breakdown")
    note = (
        "Pages per session and bounce rate count the sessions with pages; a session's duration "
        "runs from its first event to its last, so a one-event session lasts 0 s and counts in "
        "the mean and the median (0 s when more than half had one event; "
        "single_event_sessions in --format json)."
    )
    columns = _with_marker([COLUMNS[k] for k in keys] + [marker_column()])
    return [View(title, columns, data["periods"], [note])]


def stickiness(data: Data, title: str) -> list[View]:
    unit = data["unit"]
    rows = [
        {
            "period_start": p["period_start"],
            IN_PROGRESS: p["in_progress"],
            "k": c["k"],
            "persons": c["persons"],
            "share": c["share"],
        }
        for p in data["periods"]
        for c in p["counts"]
    ]
    columns = [
        COLUMNS["period_start"],
        marker_column(),
        Column("k", f"{unit}s active", "count", repeat=True),
        COLUMNS["persons"],
        Column("share", "share of active", "percent"),
    ]
    return [View(title, columns, rows)]


def paths(data: Data, title: str) -> list[View]:
    """Top paths, the entry points of paths that buy, the last steps of those that do not."""

    def shown(path: dict[str, Any]) -> str:
        # A path cut at max_steps has no [end]: the convention of the Sankey nodes.
        return " → ".join(["[start]", *path["steps"], *(["[end]"] if path["complete"] else [])])

    counts = [Column("users", "persons", "count"), Column("count", "paths", "count")]
    top = View(
        f"{title}: top paths",
        [Column("path", "path", repeat=True), *counts],
        [{"path": shown(p), **p} for p in data["top_paths"]],
        [f"{data['paths']:,} paths of {data['users']:,} persons; a path without [end] goes on."],
    )
    step = Column("step", "step", repeat=True)
    entries = View(
        "Entry points of paths that purchase", [step, *counts], data["entries_to_purchase"]
    )
    exits = View("Last steps of paths that do not purchase", [step, *counts], data["exits"])
    return [top, entries, exits]


def stages(data: Data, title: str) -> list[View]:
    reached = View(
        title,
        [
            Column("name", "stage", repeat=True),
            Column("reached", "reached", "count"),
            Column("skipped_previous", "without previous", "count"),
            Column("current", "highest", "count"),
            Column("current_share", "share", "percent"),
        ],
        data["stages"],
        [
            "Stages are not nested: each is reached by its own events, so a later stage can "
            "have more persons than an earlier one; without previous: reached it but never "
            "the stage before.",
            f"Highest: the persons for whom it is the highest stage reached; share: of all "
            f"{data['persons']:,} persons.",
        ],
    )
    transitions = View(
        "Stage conversion",
        [
            Column("step", "from → to", repeat=True),
            Column("reached_source", "reached", "count"),
            Column("converted", "converted", "count"),
            Column("conversion", "conversion", "percent"),
            Column("median_seconds", "median time", "duration", missing=""),
            Column("mean_seconds", "mean time", "duration", missing=""),
        ],
        [{"step": f"{t['source']} → {t['target']}", **t} for t in data["transitions"]],
    )
    names = [s["name"] for s in data["stages"]]
    by_period: dict[str, dict[str, Any]] = {}
    for item in data["distribution"]:
        row = by_period.setdefault(item["period"], {"period": item["period"]})
        row[f"stage:{item['stage']}"] = item["persons"]
    distribution = View(
        "Persons per stage over time",
        [COLUMNS["period"]] + [Column(f"stage:{n}", n, "count") for n in names],
        [{f"stage:{n}": 0 for n in names} | row for row in by_period.values()],
    )
    return [reached, transitions, distribution]


def rfm(data: Data, title: str) -> list[View]:
    """The tier table, the recency × frequency grid and the movement; or the persons."""
    if data.get("persons") is not None:
        return [generic(data["persons"], f"{title}: customers")]
    if data["window_start"] is None:
        return [View(title, [], [], ["No orders yet: there is no customer to score."])]
    span = covered(data["window_start"], data["window_end"])
    tiers = View(
        f"{title}, {span}",
        [
            Column("tier", "tier", repeat=True),
            Column("customers", "customers", "count"),
            Column("share", "share", "percent"),
            Column("revenue", "revenue", "number", unit=data["currency"]),
        ],
        data["tiers"],
        [
            f"{data['customers']:,} customers with an order in {data['currency']}; left out: "
            f"{data['undone_orders']:,} refunded or cancelled orders, "
            f"{data['other_currency_orders']:,} in other currencies."
        ],
    )
    counts = {(c["r_score"], c["f_score"]): c["customers"] for c in data["grid"]}
    grid = View(
        "Customers by recency (R) and frequency (F) score",
        [Column("r", "", repeat=True)] + [Column(f"f{f}", f"F{f}", "count") for f in range(1, 6)],
        [{"r": f"R{r}"} | {f"f{f}": counts[(r, f)] for f in range(1, 6)} for r in range(5, 0, -1)],
        ["Tiers by cell: docs/rfm.md."],
    )
    movement = View(
        f"Movement since {covered(data['previous_start'], data['previous_end'])}",
        [
            Column("from_tier", "from", repeat=True),
            Column("to_tier", "to", repeat=True),
            Column("customers", "customers", "count"),
        ],
        data["movement"],
        ["none: no counted order in that window."],
    )
    return [tiers, grid, movement]


def personas(data: Data, title: str) -> list[View]:
    """Each persona with its most distinctive features; the silhouette of every k tried."""
    if data.get("persons") is not None:
        return [generic(data["persons"], f"{title}: persons")]
    rows = [
        {
            "persona": p["persona"],
            "persons": p["persons"],
            "share": p["share"],
            "features": ", ".join(f"{d['feature']} {d['z']:+.1f}" for d in p["features"][:3]),
        }
        for p in data["personas"]
    ]
    listed = View(
        f"{title} (k = {data['k']}, seed {data['seed']})",
        [
            Column("persona", "persona", repeat=True),
            Column("persons", "persons", "count"),
            Column("share", "share", "percent"),
            Column("features", "distinguished by (z)"),
        ],
        rows,
        ["z: the persona's mean against everyone's, in standard deviations."],
    )
    scores = View(
        "Silhouette by k",
        [Column("k", "k", repeat=True), Column("silhouette", "silhouette", "number")],
        data["silhouettes"],
    )
    return [listed, scores]


VIEWS: dict[str, Callable[[Data, str], list[View]]] = {
    "rfm": rfm,
    "personas": personas,
    "funnel": funnel,
    "kpis": kpis,
    "retention": retention,
    "sessions": sessions,
    "stickiness": stickiness,
    "paths": paths,
    "stages": stages,
}

__all__ = ["COLUMNS", "VIEWS", "column_for", "generic", "views"]
