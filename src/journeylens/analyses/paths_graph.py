"""The transition graph: how often each step leads to each other, wherever it happens.

Paths (``paths.py``) are positional (``1_/``, ``2_Product Added``, capped at 20 steps), so
"how often does the cart lead to checkout, anywhere in a journey" has no answer there. The
graph answers it, as journey tools such as retentioneering draw it.

Semantics:

* **Steps** are the paths' steps (``paths.py``): behavioural events in the date range, a
  track event by its name, a page or screen view by its page text (``page_step``, after the
  ``clean`` rules); ``include`` and ``exclude`` keep or drop steps by kind and name.
* **Journeys.** One per person (default: the person's whole history in the range) or one
  per session (``sessions.sessionize``, on the events in the range; steps are left out after
  the sessions are found, as in paths). A journey's steps are ordered by time, **ties broken
  by message id** (ascending), the order paths use.
* **Edges.** Every ordered pair of consecutive steps of a journey is one transition
  ``source → target`` (a repeat, ``A → A``, too). With ``endpoints`` (default) every journey
  also goes ``path_start → first step`` and ``last step → path_end`` (retentioneering's
  names; a real step of that name would share its node's name, not its counts).
* **Counts.** ``transitions``: how many times the pair occurs (retentioneering's ``count``);
  ``persons``: distinct persons who made it at least once (its ``unique_paths`` per person).
  ``probability``: ``transitions`` over all transitions out of ``source`` (row-normalised,
  retentioneering's ``proba_out``): with endpoints each step's probabilities sum to 1, its
  ``path_end`` share being the chance the journey ends there; without, they are the chances
  of the next step given that there is one.
* **Minimum weight.** ``min_transitions`` and ``min_persons`` hide the lighter edges after the
  probabilities are computed, so a hidden edge does not inflate the others.
* **Nodes** are every step with its ``events`` (occurrences) and ``persons``, and with
  endpoints ``path_start`` and ``path_end`` (``events`` = journeys). ``paths`` and
  ``persons`` count the journeys and the people in the graph.

Computed in the engine: one window (``lead``/``lag`` over each journey's ordered steps, with
steps as integer codes as in ``paths_steps``) and two hash aggregations per edge (distinct
persons as in ``paths_steps.users_and_count``); only the counted rows come back.
``tests/analyses/test_paths_graph.py`` checks the counts by hand and against retentioneering.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, Field

from journeylens.analyses import dialect
from journeylens.analyses.base import Analysis, Query, Result, Tables
from journeylens.analyses.paths_models import StepNaming
from journeylens.analyses.paths_steps import (
    END_CODE,
    START_CODE,
    named,
    named_steps,
    step_codes,
    users_and_count,
)
from journeylens.analyses.sessions import sessionize

PATH_START = "path_start"
PATH_END = "path_end"


class PathsGraphQuery(Query, StepNaming):
    per: Literal["person", "session"] = Field(
        "person", description="One journey per person (their whole history) or per session."
    )
    endpoints: bool = Field(True, description="Add path_start and path_end nodes to every journey.")
    min_transitions: int = Field(
        1, ge=1, description="Hide edges with fewer transitions than this."
    )
    min_persons: int = Field(1, ge=1, description="Hide edges made by fewer persons than this.")


class Edge(BaseModel):
    source: str
    target: str
    transitions: int
    persons: int
    probability: float  # transitions / all transitions out of source


class GraphNode(BaseModel):
    name: str
    events: int  # occurrences of the step (journeys, for path_start and path_end)
    persons: int


class PathsGraphResult(Result):
    edges: list[Edge]
    nodes: list[GraphNode]
    paths: int
    persons: int


def journeys(tables: Tables, query: PathsGraphQuery) -> tuple[ir.Table, ir.Table]:
    """One row per step of every journey, with its neighbours: ``person_id, step,
    next_step`` (codes; NULL after the last step), ``is_first, is_last``; and the names of
    the codes (``code, step``)."""
    rows = named_steps(tables, query)
    if query.per == "session":
        rows = sessionize(rows)
        unit: ir.Value = rows.session_number
    else:
        unit = ibis.literal(0).cast("int64")
    rows = rows.select("person_id", "timestamp", "message_id", "step", "page", unit=unit)
    if query.include != "all":
        rows = rows.filter(rows.page if query.include == "pages" else ~rows.page)
    if query.exclude:
        rows = rows.filter(~rows.step.isin(query.exclude))
    names = step_codes(rows)
    coded = rows.join(names, rows.step == names.step)
    coded = coded.select("person_id", "unit", "timestamp", "message_id", step=names.code)

    order = [coded.timestamp, coded.message_id]
    if dialect.whole_table_windows(tables.engine):  # one sort, no partitions (sessionize)
        window = ibis.window(order_by=[coded.person_id, coded.unit, *order])
    else:
        window = ibis.window(group_by=[coded.person_id, coded.unit], order_by=order)

    def same_journey(person: ir.Value, unit: ir.Value) -> ir.BooleanValue:
        return person.identical_to(coded.person_id) & unit.identical_to(coded.unit)

    coded = coded.mutate(
        _next_step=coded.step.lead().over(window),
        is_first=~same_journey(coded.person_id.lag().over(window), coded.unit.lag().over(window)),
        is_last=~same_journey(coded.person_id.lead().over(window), coded.unit.lead().over(window)),
    )
    no_code = ibis.null().cast("int64")
    return coded.select(
        "person_id",
        "step",
        "is_first",
        "is_last",
        next_step=ibis.ifelse(coded.is_last, no_code, coded._next_step),
    ), names


def build(tables: Tables, query: PathsGraphQuery) -> ir.Table:
    """Edges, nodes and the totals in one table: ``kind`` (``edge``, ``node``, ``total``),
    ``source, target`` (a node's name is its ``source``), ``transitions`` (a node's events,
    the total's journeys), ``persons``, ``probability`` (edges only)."""
    rows, names = journeys(tables, query)
    start = ibis.literal(START_CODE).cast("int64")
    end = ibis.literal(END_CODE).cast("int64")
    onwards = rows.next_step
    if query.endpoints:
        onwards = ibis.ifelse(rows.is_last, end, rows.next_step)
    pairs = rows.select("person_id", source="step", target=onwards)
    pairs = pairs.filter(pairs.target.notnull())
    firsts = rows.filter(rows.is_first)
    if query.endpoints:
        pairs = pairs.union(firsts.select("person_id", source=start, target="step"))
    edges = users_and_count(pairs, ["source", "target"])
    out_of_source = edges["count"].sum().over(ibis.window(group_by=edges.source))
    edges = edges.mutate(probability=edges["count"].cast("float64") / out_of_source)
    edges = edges.filter(
        (edges["count"] >= query.min_transitions) & (edges.users >= query.min_persons)
    )

    steps = rows.select("person_id", "step")
    if query.endpoints:
        steps = steps.union(firsts.select("person_id", step=start))
        steps = steps.union(rows.filter(rows.is_last).select("person_id", step=end))
    nodes = users_and_count(steps, ["step"])
    totals = firsts.aggregate(users=firsts.person_id.nunique(), count=firsts.count())

    no_code, no_probability = ibis.null().cast("int64"), ibis.null().cast("float64")

    def counted(kind: str, table: ir.Table, source: Any, target: Any, probability: Any):
        return table.select(
            kind=ibis.literal(kind),
            source=source,
            target=target,
            transitions=table["count"].cast("int64"),
            persons=table.users.cast("int64"),
            probability=probability,
        )

    answer = ibis.union(
        counted("edge", edges, edges.source, edges.target, edges.probability),
        counted("node", nodes, nodes.step, no_code, no_probability),
        counted("total", totals, no_code, no_code, no_probability),
    )
    ends = {"start": PATH_START, "end": PATH_END}
    return named(named(answer, "source", names, **ends), "target", names, **ends)


def run(tables: Tables, query: PathsGraphQuery) -> PathsGraphResult:
    table = tables.execute(build(tables, query))
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    edges = [
        Edge(
            source=r["source"],
            target=r["target"],
            transitions=int(r["transitions"]),
            persons=int(r["persons"]),
            probability=float(r["probability"]),
        )
        for r in records
        if r["kind"] == "edge"
    ]
    edges.sort(key=lambda e: (-e.transitions, -e.persons, e.source, e.target))
    nodes = [
        GraphNode(name=r["source"], events=int(r["transitions"]), persons=int(r["persons"]))
        for r in records
        if r["kind"] == "node"
    ]
    place = {PATH_START: 0, PATH_END: 2}
    nodes.sort(key=lambda n: (place.get(n.name, 1), -n.events, -n.persons, n.name))
    total = next((r for r in records if r["kind"] == "total"), None)
    return PathsGraphResult(
        edges=edges,
        nodes=nodes,
        paths=int(total["transitions"]) if total else 0,
        persons=int(total["persons"]) if total else 0,
    )


ANALYSIS = Analysis(
    name="paths_graph",
    path="paths/graph",
    summary="Transition graph: how often each step leads to each other anywhere in a journey "
    "(transitions, persons, probability of the next step).",
    query=PathsGraphQuery,
    result=PathsGraphResult,
    run=run,
    heading="Transition graph",
    variant_of=("paths", "graph"),
)
