"""Paths: the sequences of steps people take, as Sankey-ready transitions (docs/architecture.md "Paths").

Semantics:

* **Steps.** Behavioural events (track, page, screen) in the date range, ordered by time
  (ties by message id). A track event's step is its ``event`` name; a page or screen view's
  step is its page text: the ``path`` by default (``page_step``: ``path``, ``url`` or the
  Segment page ``name``; a missing one falls back to the others, then to the event name),
  after the ``clean`` rules (regex → replacement, applied in order, to page text only).
  ``include`` keeps only pages or only events; ``exclude`` drops steps by name.
* **Paths.** One path per session (default; ``sessions.sessionize``) or per person.
  ``collapse_loops`` turns consecutive repeats of a step into one. With ``start_event`` a
  path begins at its first occurrence of that step (paths without it are left out). With
  ``end_event`` it stops at the first occurrence (after the start) and keeps that step and
  the ``max_steps - 1`` steps before it (paths without it are left out); otherwise it keeps
  its first ``max_steps`` steps. Start and end events are step names, so a page path works.
* **Nodes** are positioned steps, ``1_/``, ``2_Product Viewed``, numbered from the first
  step shown, plus ``[start]`` and ``[end]``. ``[start]`` links to every path's first shown
  step; a step links to ``[end]`` when the path ends there. A path cut at ``max_steps``
  has no ``[end]`` link (``complete`` is false in ``top_paths``).
* **Counts.** Every transition and node has ``users`` (distinct persons) and ``count``
  (paths through it); a positioned transition occurs at most once per path, so
  ``users <= count``.
* **Entries and exits** look at whole paths (after start/end, before ``max_steps``): the
  entry points to purchase are the first steps of paths that contain ``purchase_event``;
  the last steps before leaving are the last steps of paths that never reach it.

Modules: ``paths_models`` holds the query and result, ``paths_steps`` turns events into
coded steps and counted codes back into names, ``paths_walk`` is the fast formulation for
whole paths; this one is the general formulation (``build``), its counts and ``run``.

Performance: steps are named, then coded as integers (numbered in name order, named again
on the counted rows), before any window, so the sorts carry narrow columns, never text.
Whole paths (no start or end event, loops kept, every step included: the default query)
take ``paths_walk.walk``, one ordered pass and one row per path: about 3× faster than
``build`` at 10M events, still ~75× the raw ``GROUP BY person`` scan (its docstring says
where the time goes).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeylens.analyses.base import Analysis, Tables
from journeylens.analyses.paths_models import (
    Link,
    Node,
    PathsQuery,
    PathsResult,
    StepCount,
    TopPath,
    Transition,
)
from journeylens.analyses.paths_steps import (
    END,
    END_CODE,
    KINDS,
    START,
    START_CODE,
    labelled,
    named,
    step_names,
    steps,
    users_and_count,
)
from journeylens.analyses.paths_walk import summarise_walked, walk, whole_paths


def build(tables: Tables, query: PathsQuery) -> tuple[ir.Table, ir.Table]:
    """One row per shown step of every path, plus each path's first and last step.

    Columns: ``person_id, unit, position`` (1 = first step shown; outside 1..max_steps for
    a first/last step not shown), ``step, next_step, is_first, is_last, reaches_purchase``
    (steps as codes), and the names of the codes (``steps``).
    """
    rows, names = steps(tables, query)

    def ordered(table: ir.Table) -> Any:
        return ibis.window(
            group_by=[table.person_id, table.unit], order_by=[table.timestamp, table.message_id]
        )

    if query.collapse_loops:
        rows = rows.mutate(_previous=rows.step.lag().over(ordered(rows)))
        rows = rows.filter(rows._previous.isnull() | (rows._previous != rows.step))
        rows = rows.drop("_previous")

    marks: dict[str, ir.Value] = {
        "rank": ibis.row_number().over(ordered(rows)) + 1,
        "next_step": rows.step.lead().over(ordered(rows)),
    }
    if query.start_event is not None:
        so_far = ibis.cumulative_window(
            group_by=[rows.person_id, rows.unit], order_by=[rows.timestamp, rows.message_id]
        )
        marks["_starts"] = rows.is_start.cast("int64").sum().over(so_far)
    unbounded = query.start_event is None and query.end_event is None
    if unbounded:
        # The whole path counts: its ends and purchase come from the same window spec
        # (``ibis.window`` with an order spans the whole partition), so one sort serves all.
        everything = ordered(rows)
        bought = rows.is_purchase.cast("int64").max().over(everything)
        marks["_first"] = ibis.literal(1).cast("int64")
        marks["_last"] = rows.step.count().over(everything)
        marks["_purchase"] = ibis.ifelse(bought == 1, 1, ibis.null()).cast("int64")
    rows = rows.mutate(**marks)
    if query.start_event is not None:
        rows = rows.filter(rows._starts > 0)  # from the first start event on

    if not unbounded:
        whole = ibis.window(group_by=[rows.person_id, rows.unit])
        if query.end_event is not None:
            is_end = rows.is_end
            if query.start_event is not None:
                is_end &= ~((rows._starts == 1) & rows.is_start)
            last_rank = ibis.ifelse(is_end, rows.rank, ibis.null()).min().over(whole)
        else:
            last_rank = rows.rank.max().over(whole)
        purchase = rows.is_purchase
        rows = rows.mutate(
            _first=rows.rank.min().over(whole),
            _last=last_rank,
            _purchase=ibis.ifelse(purchase, rows.rank, ibis.null()).min().over(whole),
        )
    rows = rows.filter(rows.rank <= rows._last)  # drops paths without the end event
    first_shown: ir.IntegerValue = rows._first
    if query.end_event is not None:
        first_shown = ibis.greatest(rows._first, rows._last - (query.max_steps - 1))
    rows = rows.mutate(
        position=rows.rank - first_shown + 1,
        is_first=rows.rank == rows._first,
        is_last=rows.rank == rows._last,
        reaches_purchase=(rows._purchase <= rows._last).fill_null(False),
    )
    shown = (rows.position >= 1) & (rows.position <= query.max_steps)
    rows = rows.filter(shown | rows.is_first | rows.is_last)
    columns = ["person_id", "unit", "position", "step", "next_step"]
    columns += ["is_first", "is_last", "reaches_purchase"]
    return rows.select(*columns), names


def _shown(rows: ir.Table, query: PathsQuery) -> ir.Table:
    return rows.filter((rows.position >= 1) & (rows.position <= query.max_steps))


def summarise(rows: ir.Table, names: ir.Table, query: PathsQuery) -> ir.Table:
    """Links, nodes, entries and exits in one table: ``kind, position, step, source, target,
    users, count``.

    Each path row is repeated once per kind of answer (an ``unnest`` of seven codes), the
    kind picks its grouping keys or drops the row, and one ``GROUP BY`` counts them all, so
    the windows of ``build`` run once.
    """
    shown = (rows.position >= 1) & (rows.position <= query.max_steps)
    rows = rows.mutate(_shown=shown, _kind=ibis.literal(list(range(len(KINDS)))).unnest())
    kind, no_number = rows._kind, ibis.null().cast("int64")
    no_code = no_number
    # A step links onwards: to [end] where its path ends, else to the next step if shown.
    links_on = rows.is_last | ((rows.position < query.max_steps) & rows.next_step.notnull())
    keep = ibis.cases(
        (kind == 0, rows._shown & links_on),  # step → next step or [end]
        (kind == 1, rows._shown & (rows.position == 1)),  # [start] → first shown step
        (kind == 2, rows._shown),  # positioned node
        (kind == 3, rows.is_first),  # the [start] node: one row per path
        (kind == 4, rows._shown & rows.is_last),  # the [end] node
        (kind == 5, rows.is_first & rows.reaches_purchase),  # entry points to purchase
        else_=rows.is_last & ~rows.reaches_purchase,  # exits
    )
    # Group by the raw steps (an int and short strings); the node names ("2_/cart") are
    # made afterwards, on the few counted rows, not on every path row.
    keys = rows.filter(keep).select(
        "person_id",
        kind="_kind",
        position=ibis.cases(
            (kind.isin([0, 2]), rows.position),
            (kind.isin([1, 3]), ibis.literal(0).cast("int64")),
            else_=no_number,
        ),
        step=ibis.cases(
            (kind.isin([0, 1, 2, 5, 6]), rows.step),
            (kind == 3, ibis.literal(START_CODE).cast("int64")),
            (kind == 4, ibis.literal(END_CODE).cast("int64")),
            else_=no_code,
        ),
        next_step=ibis.ifelse((kind == 0) & ~rows.is_last, rows.next_step, no_code),
        ends=(kind == 0) & rows.is_last,
    )
    counted = users_and_count(keys, ["kind", "position", "step", "next_step", "ends"])
    return labelled(counted, names)


def top_paths(
    rows: ir.Table, names: ir.Table, query: PathsQuery, per_path: ir.Table | None = None
) -> ir.Table:
    """The most common shown sequences: ``step_1 .. step_N, complete, users, count``.

    ``per_path`` (``person_id, step_1 .. step_N, complete``), when the caller has it, saves
    gathering each path's shown steps from ``rows``."""
    step_names = [f"step_{k}" for k in range(1, query.max_steps + 1)]
    if per_path is None:
        shown = _shown(rows, query)
        per_path = shown.group_by(["person_id", "unit"]).aggregate(
            complete=ibis.ifelse(shown.is_last, 1, 0).max(),
            **{
                name: shown.step.max(where=shown.position == k)
                for k, name in enumerate(step_names, start=1)
            },
        )
    counted = users_and_count(per_path, [*step_names, "complete"])
    order = [counted.users.desc(), counted["count"].desc()]
    # Codes follow the order of the names, and 0 sorts before them as "" does.
    order += [counted[name].fill_null(0) for name in step_names] + [counted.complete]
    top = counted.order_by(order).limit(query.top)
    for name in step_names:
        top = named(top, name, names)
    return top


def answer(
    rows: ir.Table | None, codes: ir.Table, query: PathsQuery, per_path: ir.Table | None = None
) -> ir.Table:
    """``summarise`` and ``top_paths`` (``kind = 'path'``) as one table, so that ``build``
    or ``walk`` (its windows) runs once: the query shares it between both halves. With
    ``per_path`` (from ``walk``) and no ``rows``, both count from the paths."""
    names = [f"step_{k}" for k in range(1, query.max_steps + 1)]
    text, number = ibis.null().cast("string"), ibis.null().cast("int64")
    if rows is None:
        assert per_path is not None
        counts = summarise_walked(per_path, codes, query)
    else:
        counts = summarise(rows, codes, query)
    counts = counts.select(
        "kind", "position", "step", "source", "target",
        **dict.fromkeys(names, text), complete=number, users="users", count="count",
    )  # fmt: skip
    top = top_paths(rows, codes, query, per_path)  # type: ignore[arg-type]
    top = top.select(
        kind=ibis.literal("path"), position=number, step=text, source=text, target=text,
        **{name: top[name] for name in names}, complete=top.complete.cast("int64"),
        users=top.users.cast("int64"), count=top["count"].cast("int64"),
    )  # fmt: skip
    counts = counts.mutate(users=counts.users.cast("int64"), count=counts["count"].cast("int64"))
    return counts.union(top)


def query_of(tables: Tables, query: PathsQuery) -> ir.Table:
    """The one expression ``run`` executes: ``walk`` for whole paths, else ``build``."""
    if not whole_paths(query):
        rows, codes = build(tables, query)
        return answer(rows, codes, query)
    per_path, codes = walk(tables, query)
    per_path = per_path.mutate(complete=(per_path.length <= query.max_steps).cast("int64"))
    return answer(None, codes, query, per_path=per_path)


def run(tables: Tables, query: PathsQuery) -> PathsResult:
    table = tables.execute(query_of(tables, query))
    is_path = table["kind"] == "path"
    names = [f"step_{k}" for k in range(1, query.max_steps + 1)]
    top = table[is_path]  # the order of top_paths, which a union does not keep
    order = top[["users", "count"]].mul(-1).join(top[names].fillna("")).join(top["complete"])
    top = top.loc[order.sort_values([*order.columns]).index]
    summary = table[~is_path]
    summary = summary.astype(object).where(summary.notna(), None)
    records = summary.to_dict("records")
    links = [r for r in records if r["kind"] == "link"]
    links.sort(
        key=lambda r: (int(r["position"]), -r["users"], -r["count"], r["source"], r["target"])
    )
    transitions = [
        Transition(**{k: r[k] for k in ("source", "target", "users", "count")}) for r in links
    ]
    nodes = _nodes([r for r in records if r["kind"] == "node"])
    index = {node.name: i for i, node in enumerate(nodes)}
    sankey = [
        Link(source=index[t.source], target=index[t.target], value=t.users, count=t.count)
        for t in transitions
    ]
    start = next((n for n in nodes if n.name == START), None)
    return PathsResult(
        transitions=transitions,
        nodes=nodes,
        links=sankey,
        top_paths=_top_paths(top, query),
        entries_to_purchase=_ranked(records, "entry", query.top),
        exits=_ranked(records, "exit", query.top),
        paths=start.count if start else 0,
        users=start.users if start else 0,
    )


def _nodes(records: list[dict[str, Any]]) -> list[Node]:
    nodes = []
    for r in records:
        step = r["step"]
        position = None if r["position"] is None else int(r["position"])
        name = step if step in (START, END) and position in (0, None) else f"{position}_{step}"
        nodes.append(
            Node(name=name, step=step, position=position, users=r["users"], count=r["count"])
        )
    big = 1 << 30
    nodes.sort(
        key=lambda n: (big if n.position is None else n.position, -n.users, -n.count, n.step)
    )
    return nodes


def _ranked(records: list[dict[str, Any]], kind: str, top: int) -> list[StepCount]:
    found = [
        StepCount(step=r["step"], users=r["users"], count=r["count"])
        for r in records
        if r["kind"] == kind
    ]
    found.sort(key=lambda s: (-s.users, -s.count, s.step))
    return found[:top]


def _top_paths(table: pd.DataFrame, query: PathsQuery) -> list[TopPath]:
    table = table.astype(object).where(table.notna(), None)
    names = [f"step_{k}" for k in range(1, query.max_steps + 1)]
    return [
        TopPath(
            steps=[row[n] for n in names if row[n] is not None],
            complete=bool(row["complete"]),
            users=int(row["users"]),
            count=int(row["count"]),
        )
        for row in table.to_dict("records")
    ]


ANALYSIS = Analysis(
    name="paths",
    path="paths",
    summary="Paths: transitions between steps (users and counts), top paths, entries and exits.",
    query=PathsQuery,
    result=PathsResult,
    run=run,
    steps=step_names,
)
