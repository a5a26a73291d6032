"""Paths' steps as integer codes, and counted codes back to names (semantics: ``paths.py``).

Steps are named, then coded as integers (numbered in name order) before any window, so the
sorts of both formulations (``paths.build``, ``paths_walk.walk``) carry narrow columns,
never text; the counted rows, few, are named again (``labelled``). ``users_and_count`` is
the counting both share.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from journeylens.analyses import dialect
from journeylens.analyses.base import Tables
from journeylens.analyses.behaviour import customer_activity
from journeylens.analyses.expr import in_range, property_value
from journeylens.analyses.paths_models import PathsQuery, StepNaming
from journeylens.analyses.sessions import is_page_view, sessionize

START = "[start]"
END = "[end]"
# Steps travel through the windows and GROUP BYs as integer codes (1.. in name order, from
# ``steps``), named again on the counted rows; these two stand for [start] and [end].
START_CODE, END_CODE = 0, -1
# The kinds of counted rows, by number: ``kind`` in ``paths.summarise`` and
# ``paths_walk.summarise_walked``, named again by ``labelled``.
KINDS = ("link", "link", "node", "node", "node", "entry", "exit")
PAGE_TEXT_ORDER = {
    "path": ("path", "url", "name"),
    "url": ("url", "path", "name"),
    "name": ("name", "path", "url"),
}


def named_steps(tables: Tables, query: StepNaming) -> ir.Table:
    """The customer activity in range (and the start and end events when a paths query names
    them, even if they are not activity: paths after ``Email Sent``), each with its ``step``
    name and whether it is a ``page``: ``person_id, timestamp, message_id, session_id, type,
    step, page``. Paths and the transition graph (``paths_graph``) name their steps alike."""
    ends = (getattr(query, "start_event", None), getattr(query, "end_event", None))
    events = customer_activity(
        tables,
        in_range(tables.events, query.date_from, query.date_to),
        named=tuple(e for e in ends if e),
    )
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


def step_names(tables: Tables, query: StepNaming) -> ir.Column:
    """The name of every step in the workspace's history, named as ``query`` names them
    (page paths cleaned, say): what a paths query's start and end steps may be."""
    return named_steps(tables, query.model_copy(update={"date_from": None, "date_to": None})).step


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
    names = step_codes(rows)
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


def step_codes(rows: ir.Table) -> ir.Table:
    """The distinct ``step`` names of ``rows`` with their codes: ``code, step``, numbered
    from 1 in the order of the names."""
    names = rows.select("step").distinct()
    return names.select(code=ibis.row_number().over(order_by=names.step) + 1, step="step")


def users_and_count(rows: ir.Table, keys: list[str]) -> ir.Table:
    """Per ``keys``: ``users`` (distinct persons) and ``count`` (rows).

    Counted per (keys, person) first, then per keys: two hash aggregations were several times
    faster than one with a distinct count, the most expensive step of the query on DuckDB.
    """
    per_person = rows.group_by([*keys, "person_id"]).aggregate(_rows=rows.count())
    return per_person.group_by(keys).aggregate(
        users=per_person.person_id.count(), count=per_person._rows.sum()
    )


def node_name(position: ir.IntegerValue, step: ir.StringValue) -> ir.StringValue:
    return position.cast("string") + ibis.literal("_") + step


def named(
    table: ir.Table, column: str, names: ir.Table, *, start: str = START, end: str = END
) -> ir.Table:
    """``table`` with the codes in ``column`` replaced by their names (few rows: counted);
    the synthetic start and end codes are called ``start`` and ``end``."""
    lookup = names.select(_code="code", _name="step")
    joined = table.left_join(lookup, table[column] == lookup._code)
    name = ibis.cases(
        (joined[column] == START_CODE, ibis.literal(start)),
        (joined[column] == END_CODE, ibis.literal(end)),
        else_=joined._name,
    )
    return joined.mutate(**{column: name}).drop("_code", "_name")


def labelled(counted: ir.Table, names: ir.Table) -> ir.Table:
    """Counted ``kind, position, step, next_step, ends, users, count`` (kinds as numbers,
    steps as codes) as ``summarise`` gives them: named, with source and target nodes."""
    no_text = ibis.null().cast("string")
    counted = named(named(counted, "step", names), "next_step", names)
    kind = counted.kind
    return counted.select(
        kind=ibis.cases(*((kind == i, ibis.literal(k)) for i, k in enumerate(KINDS))),
        position="position",
        step=ibis.ifelse(kind.isin([0, 1]), no_text, counted.step),
        source=ibis.cases(
            (kind == 0, node_name(counted.position, counted.step)),
            (kind == 1, ibis.literal(START)),
            else_=no_text,
        ),
        target=ibis.cases(
            ((kind == 0) & counted.ends, ibis.literal(END)),
            (kind == 0, node_name(counted.position + 1, counted.next_step)),
            (kind == 1, node_name(ibis.literal(1).cast("int64"), counted.step)),
            else_=no_text,
        ),
        users="users",
        count="count",
    )
