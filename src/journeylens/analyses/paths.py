"""Paths: the sequences of steps people take, as Sankey-ready transitions (DESIGN.md "Paths").

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

Performance: steps are named, then coded as integers (numbered in name order, named again
on the counted rows), before any window, so the sorts carry narrow columns, never text.
Whole paths (no start or end event, loops kept, every step included: the default query)
take ``walk``: the two ordered passes that find sessions (``sessions.sessionize``, ties
broken by message id) also read each session's next N-1 steps (``lead``) and mark its
first and last event, then one ``GROUP BY`` per path keeps the first event's look-ahead,
the length, the last step and whether it buys; links, nodes, entries and exits are counted
from those path rows (three times fewer than events), distinct persons in two plain
aggregations. ``tests/analyses/test_paths_walk.py`` checks it against the general
formulation (``build``: sessionize, then one more window per path to number the steps) on
random journeys. At 10M events (benchmarks/RESULTS.md) this is about 3× faster than the
general formulation but still ~75× the raw ``GROUP BY person`` scan (issue 4 asks ≤ 5×):
the two window sorts (~5 s of operator time on 2 cores, the second on a DECIMAL running
max) and the per-person distinct counts (~7 s) dominate.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from journeylens.analyses import dialect
from journeylens.analyses.base import Analysis, DateRange, Query, Result, Tables
from journeylens.analyses.expr import in_range, property_value
from journeylens.analyses.sessions import behaviour, is_page_view, sessionize

START = "[start]"
END = "[end]"
# Steps travel through the windows and GROUP BYs as integer codes (1.. in name order, from
# ``steps``), named again on the counted rows; these two stand for [start] and [end].
START_CODE, END_CODE = 0, -1
PURCHASE_EVENT = "Order Completed"
PAGE_TEXT_ORDER = {
    "path": ("path", "url", "name"),
    "url": ("url", "path", "name"),
    "name": ("name", "path", "url"),
}


class Cleaning(BaseModel):
    """A path-cleaning rule: ``PATTERN => REPLACEMENT`` as text, or ``{pattern, replacement}``.

    The pattern is a regular expression in the subset RE2 (DuckDB) and Java (Spark) share
    (no look-around, no back-references); every match is replaced. The replacement may
    name groups as ``\\1``; ``\\\\`` is a literal backslash.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str
    replacement: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        pattern, arrow, replacement = data.partition("=>")
        if not arrow:
            raise ValueError(
                f"Cleaning rule {data!r}: write PATTERN => REPLACEMENT, "
                "e.g. '^/products/[^/]+$ => /products/:slug'."
            )
        return {"pattern": pattern.strip(), "replacement": replacement.strip()}

    @field_validator("pattern")
    @classmethod
    def _portable(cls, pattern: str) -> str:
        return dialect.check_portable_regex(pattern)


class PathsQuery(Query, DateRange):
    per: Literal["session", "person"] = Field(
        "session", description="One path per session or per person."
    )
    start_event: str | None = Field(
        None, description="Paths begin at their first occurrence of this step (event or page)."
    )
    end_event: str | None = Field(
        None, description="Paths end at their first occurrence of this step (event or page)."
    )
    max_steps: int = Field(5, ge=1, le=20, description="Steps shown per path.")
    collapse_loops: bool = Field(False, description="Collapse consecutive repeats of a step.")
    clean: tuple[Cleaning, ...] = Field(
        (), description="Page cleaning rule 'PATTERN => REPLACEMENT' (regex), repeatable."
    )
    page_step: Literal["path", "url", "name"] = Field(
        "path", description="What names a page or screen step."
    )
    include: Literal["all", "pages", "events"] = Field(
        "all", description="Steps from pages and screens, track events, or both."
    )
    exclude: tuple[str, ...] = Field((), description="Leave out this step, repeatable.")
    purchase_event: str = Field(
        PURCHASE_EVENT, description="The step that counts as a purchase for entries and exits."
    )
    top: int = Field(10, ge=1, le=1000, description="How many top paths, entries and exits.")


class Transition(BaseModel):
    source: str
    target: str
    users: int
    count: int


class Node(BaseModel):
    name: str  # "2_/cart", "[start]", "[end]"
    step: str
    position: int | None  # 0 for [start], None for [end]
    users: int
    count: int


class Link(BaseModel):
    """A Sankey link between ``nodes`` indices; ``value`` is the number of users."""

    source: int
    target: int
    value: int
    count: int


class TopPath(BaseModel):
    steps: list[str]
    complete: bool  # the path ended within max_steps (false: cut short)
    users: int
    count: int


class StepCount(BaseModel):
    step: str
    users: int
    count: int


class PathsResult(Result):
    transitions: list[Transition]
    nodes: list[Node]
    links: list[Link]
    top_paths: list[TopPath]
    entries_to_purchase: list[StepCount]
    exits: list[StepCount]
    paths: int
    users: int


def named_steps(tables: Tables, query: PathsQuery) -> ir.Table:
    """The behavioural events in range, each with its ``step`` name and whether it is a
    ``page``: ``person_id, timestamp, message_id, session_id, type, step, page``."""
    events = behaviour(in_range(tables.events, query.date_from, query.date_to))
    page = is_page_view(events)
    texts = {
        "path": events.path,
        "url": events.url,
        "name": property_value(events, "properties.name"),
    }
    text = ibis.coalesce(*(texts[k] for k in PAGE_TEXT_ORDER[query.page_step]))
    for rule in query.clean:
        text = text.re_replace(
            rule.pattern, dialect.regex_replacement(rule.replacement, tables.engine)
        )
    step = ibis.ifelse(page, ibis.coalesce(text, events.event), events.event)
    # Name the steps first, so the windows below carry a few narrow columns, not the JSON.
    rows = events.select(
        "person_id",
        "timestamp",
        "message_id",
        "session_id",
        "type",
        step=step.fill_null("(unnamed)"),
        page=page,
    )
    return rows


def steps(tables: Tables, query: PathsQuery) -> tuple[ir.Table, ir.Table]:
    """The steps paths are made of and the names of their codes.

    ``person_id, unit, timestamp, message_id, step, is_start, is_end, is_purchase``: a path
    is ``(person_id, unit)`` (``unit`` is the session number, per session, or 0); ``step``
    is an integer code and the flags say whether it is the start, end or purchase step.
    Names: ``code, step``, codes numbered from 1 in the order of the names.
    """
    rows = named_steps(tables, query)
    if query.per == "session":
        rows = sessionize(rows)
        unit: ir.Value = rows.session_number
    else:
        unit = ibis.literal(0).cast("int64")  # one path per person
    rows = rows.select("person_id", "timestamp", "message_id", "step", "page", unit=unit)
    if query.include != "all":
        rows = rows.filter(rows.page if query.include == "pages" else ~rows.page)
    if query.exclude:
        rows = rows.filter(~rows.step.isin(query.exclude))
    names = _names(rows)
    never = ibis.literal(False)
    flags = {
        "is_start": never if query.start_event is None else rows.step == query.start_event,
        "is_end": never if query.end_event is None else rows.step == query.end_event,
        "is_purchase": rows.step == query.purchase_event,
    }
    rows = rows.mutate(**flags).drop("page")
    coded = rows.join(names, rows.step == names.step)
    coded = coded.select("person_id", "unit", "timestamp", "message_id", *flags, step=names.code)
    return coded, names


def _names(rows: ir.Table) -> ir.Table:
    names = rows.select("step").distinct()
    return names.select(code=ibis.row_number().over(order_by=names.step) + 1, step="step")


def _coded(rows: ir.Table, query: PathsQuery) -> tuple[ir.Table, ir.Table]:
    """The named steps of ``steps`` as codes, before any window: ``person_id, session_id,
    type, timestamp, message_id, step, is_purchase`` (for ``whole_paths``)."""
    names = _names(rows)
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
    whole_paths = query.start_event is None and query.end_event is None
    if whole_paths:
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

    if not whole_paths:
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


def _users_and_count(rows: ir.Table, keys: list[str]) -> ir.Table:
    """Per ``keys``: ``users`` (distinct persons) and ``count`` (rows).

    Counted per (keys, person) first, then per keys: two hash aggregations were several times
    faster than one with a distinct count, the most expensive step of the query on DuckDB.
    """
    per_person = rows.group_by([*keys, "person_id"]).aggregate(_rows=rows.count())
    return per_person.group_by(keys).aggregate(
        users=per_person.person_id.count(), count=per_person._rows.sum()
    )


def _shown(rows: ir.Table, query: PathsQuery) -> ir.Table:
    return rows.filter((rows.position >= 1) & (rows.position <= query.max_steps))


def _node(position: ir.IntegerValue, step: ir.StringValue) -> ir.StringValue:
    return position.cast("string") + ibis.literal("_") + step


KINDS = ("link", "link", "node", "node", "node", "entry", "exit")


def _named(table: ir.Table, column: str, names: ir.Table) -> ir.Table:
    """``table`` with the codes in ``column`` replaced by their names (few rows: counted)."""
    lookup = names.select(_code="code", _name="step")
    joined = table.left_join(lookup, table[column] == lookup._code)
    name = ibis.cases(
        (joined[column] == START_CODE, ibis.literal(START)),
        (joined[column] == END_CODE, ibis.literal(END)),
        else_=joined._name,
    )
    return joined.mutate(**{column: name}).drop("_code", "_name")


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
    counted = _users_and_count(keys, ["kind", "position", "step", "next_step", "ends"])
    return _labelled(counted, names)


def _labelled(counted: ir.Table, names: ir.Table) -> ir.Table:
    """Counted ``kind, position, step, next_step, ends, users, count`` (kinds as numbers,
    steps as codes) as ``summarise`` gives them: named, with source and target nodes."""
    no_text = ibis.null().cast("string")
    counted = _named(_named(counted, "step", names), "next_step", names)
    kind = counted.kind
    return counted.select(
        kind=ibis.cases(*((kind == i, ibis.literal(k)) for i, k in enumerate(KINDS))),
        position="position",
        step=ibis.ifelse(kind.isin([0, 1]), no_text, counted.step),
        source=ibis.cases(
            (kind == 0, _node(counted.position, counted.step)),
            (kind == 1, ibis.literal(START)),
            else_=no_text,
        ),
        target=ibis.cases(
            ((kind == 0) & counted.ends, ibis.literal(END)),
            (kind == 0, _node(counted.position + 1, counted.next_step)),
            (kind == 1, _node(ibis.literal(1).cast("int64"), counted.step)),
            else_=no_text,
        ),
        users="users",
        count="count",
    )


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
    ends = _users_and_count(ends, ["kind", "step"])
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
    return _labelled(counted, names)


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
    counted = _users_and_count(per_path, [*step_names, "complete"])
    order = [counted.users.desc(), counted["count"].desc()]
    # Codes follow the order of the names, and 0 sorts before them as "" does.
    order += [counted[name].fill_null(0) for name in step_names] + [counted.complete]
    top = counted.order_by(order).limit(query.top)
    for name in step_names:
        top = _named(top, name, names)
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
)
