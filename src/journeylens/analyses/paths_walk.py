"""Whole paths, the fast formulation (semantics: ``paths.py``).

Whole paths (no start or end event, loops kept, every step included: the default query)
take ``walk``: the two ordered passes that find sessions (``sessions.sessionize``, ties
broken by message id) also read each session's next N-1 steps (``lead``) and mark its
first and last event, then one ``GROUP BY`` per path keeps the first event's look-ahead,
the length, the last step and whether it buys; links, nodes, entries and exits are counted
from those path rows (three times fewer than events), distinct persons in two plain
aggregations (``summarise_walked``). ``tests/analyses/test_paths_walk.py`` checks it
against the general formulation (``paths.build``: sessionize, then one more window per path
to number the steps) on random journeys. At 10M events (benchmarks/RESULTS.md) this is
about 3× faster than the general formulation but still ~50× the raw ``GROUP BY person``
scan (issue 4 asks ≤ 5×): the two window sorts (~6 s of operator time on 2 cores) and the
exact distinct persons per transition and node (~3.6 s) dominate; benchmarks/RESULTS.md
("Why paths misses 5×") measures why no exact per-session formulation reaches 5× here.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from journeylens.analyses import dialect
from journeylens.analyses.base import Tables
from journeylens.analyses.paths_models import PathsQuery
from journeylens.analyses.paths_steps import (
    END_CODE,
    START_CODE,
    labelled,
    named_steps,
    step_codes,
    users_and_count,
)
from journeylens.analyses.sessions import sessionize


def _coded(rows: ir.Table, query: PathsQuery) -> tuple[ir.Table, ir.Table]:
    """The rows of ``named_steps`` with their steps as codes, before any window:
    ``person_id, session_id, type, timestamp, message_id, step, is_purchase`` (for
    ``whole_paths``)."""
    names = step_codes(rows)
    coded = rows.join(names, rows.step == names.step)
    coded = coded.select(
        "person_id", "session_id", "type", "timestamp", "message_id",
        step=names.code, is_purchase=rows.step == query.purchase_event,
    )  # fmt: skip
    return coded, names


def whole_paths(query: PathsQuery) -> bool:
    """Whether ``query`` shows whole paths from their first step (no start or end event, no
    loops collapsed, every step kept): those take ``walk``, one ordered pass, not ``build``."""
    return (
        query.start_event is None
        and query.end_event is None
        and not query.collapse_loops
        and query.include == "all"
        and not query.exclude
    )


def walk(tables: Tables, query: PathsQuery) -> tuple[ir.Table, ir.Table]:
    """One row per path, for ``whole_paths`` queries: ``person_id, unit, length,
    step_1 .. step_N`` (N = ``max_steps``, codes, NULL past the path's length),
    ``last_step, reaches_purchase``; and the names of the codes.

    The ordering that finds sessions (``sessionize``, with the message id as tie-breaker)
    also reads each path's next steps (``lead``) from its first event, so one sort serves
    both, and one ``GROUP BY`` per path keeps its first event's look-ahead, its last step
    and whether it buys.
    """
    rows, names = _coded(named_steps(tables, query), query)
    later = range(1, query.max_steps)

    def ahead(table: ir.Table, window: Any) -> dict[str, ir.Value]:
        return {f"_ahead_{k}": table.step.lead(k).over(window) for k in later}

    if query.per == "session":
        rows = sessionize(rows, ties=("message_id",), ahead=ahead, bounds=True)
        unit: ir.Value = rows.session_number
    else:
        if dialect.whole_table_windows(tables.engine):
            order = [rows.person_id, rows.timestamp, rows.message_id]
            window = ibis.window(order_by=order)
        else:
            window = ibis.window(
                group_by=rows.person_id, order_by=[rows.timestamp, rows.message_id]
            )
        person = rows.person_id
        rows = rows.mutate(
            session_starts=~person.lag().over(window).identical_to(person),
            session_ends=~person.lead().over(window).identical_to(person),
            **ahead(rows, window),
        )
        unit = ibis.literal(0).cast("int64")  # one path per person
    rows = rows.mutate(unit=unit)
    first = rows.session_starts
    per_path = rows.group_by(["person_id", "unit"]).aggregate(
        length=rows.count(),
        reaches_purchase=rows.is_purchase.max(),
        last_step=rows.step.max(where=rows.session_ends),
        step_1=rows.step.max(where=first),
        **{f"step_{k + 1}": rows[f"_ahead_{k}"].max(where=first) for k in later},
    )
    # A look-ahead past the path's end reads the next path: cut at the length.
    return per_path.mutate(
        **{
            f"step_{k}": ibis.ifelse(per_path.length >= k, per_path[f"step_{k}"], ibis.null())
            for k in range(2, query.max_steps + 1)
        }
    ), names


def summarise_walked(per_path: ir.Table, names: ir.Table, query: PathsQuery) -> ir.Table:
    """``summarise`` from ``walk``'s one row per path (whole paths: the first step is the
    first shown, and a path ends at its length).

    Positioned steps come from an ``unnest`` of positions 1..N, counted once per (step,
    next step, person) for the links; the nodes re-count those per person; [start] → step
    links are the nodes at position 1; the [start] and [end] nodes, entries and exits are
    counted on the paths themselves.
    """
    n = query.max_steps
    no_code, no_position = ibis.null().cast("int64"), ibis.null().cast("int64")
    rows = per_path.mutate(_k=ibis.literal(list(range(1, n + 1))).unnest())
    rows = rows.filter(rows._k <= rows.length)
    step = ibis.cases(*((rows._k == k, rows[f"step_{k}"]) for k in range(1, n + 1)))
    onwards = no_code
    if n > 1:
        onwards = ibis.cases(*((rows._k == k, rows[f"step_{k + 1}"]) for k in range(1, n)),
                             else_=no_code)  # fmt: skip
    keyed = rows.select(
        "person_id",
        position=rows._k.cast("int64"),
        step=step,
        next_step=ibis.ifelse(rows._k < rows.length, onwards, no_code),
        ends=rows._k == rows.length,
    )
    links = keyed.group_by(["position", "step", "next_step", "ends", "person_id"]).aggregate(
        _rows=keyed.count()
    )
    nodes = links.group_by(["position", "step", "person_id"]).aggregate(_rows=links._rows.sum())
    nodes = nodes.group_by(["position", "step"]).aggregate(
        users=nodes.person_id.count(), count=nodes._rows.sum()
    )
    links = links.filter(links.next_step.notnull() | links.ends)  # a step cut at N: no link
    links = links.group_by(["position", "step", "next_step", "ends"]).aggregate(
        users=links.person_id.count(), count=links._rows.sum()
    )

    def counts(kind: int, table: ir.Table, **keys: Any) -> ir.Table:
        columns = {"position": no_position, "step": no_code, "next_step": no_code, "ends": False}
        columns.update(keys)
        return table.select(
            kind=ibis.literal(kind).cast("int64"),
            **{name: ibis.literal(v) if isinstance(v, bool) else v for name, v in columns.items()},
            users=table.users.cast("int64"),
            count=table["count"].cast("int64"),
        )

    def whole(paths: ir.Table) -> ir.Table:  # one row, unless there are no paths
        counted = paths.aggregate(users=paths.person_id.nunique(), count=paths.count())
        return counted.filter(counted["count"] > 0)

    buys = per_path.reaches_purchase
    ends = per_path.select(
        "person_id",
        kind=ibis.ifelse(buys, 5, 6).cast("int64"),
        step=ibis.ifelse(buys, per_path.step_1, per_path.last_step),
    )
    ends = users_and_count(ends, ["kind", "step"])
    first = nodes.filter(nodes.position == 1)
    counted = ibis.union(
        counts(0, links, position=links.position, step=links.step,
               next_step=links.next_step, ends=links.ends),
        counts(1, first, position=ibis.literal(0).cast("int64"), step=first.step),
        counts(2, nodes, position=nodes.position, step=nodes.step),
        counts(3, whole(per_path), position=ibis.literal(0).cast("int64"),
               step=ibis.literal(START_CODE).cast("int64")),
        counts(4, whole(per_path.filter(per_path.length <= n)),
               step=ibis.literal(END_CODE).cast("int64")),
        counts(5, ends.filter(ends.kind == 5), step=ends.step),
        counts(6, ends.filter(ends.kind == 6), step=ends.step),
    )  # fmt: skip
    return labelled(counted, names)
