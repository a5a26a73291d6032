"""Journey stages in pandas, for ``analytics.py``: the baseline for the ``stages`` analysis.

``stages(path)`` reads the events from Parquet and computes what the ``stages`` analysis
gives for its default query (``StagesQuery()``: the default mapping, no date range, monthly
periods cut in UTC, the benchmark workspace's time zone):

* Only behaviour counts: track, page and screen calls. A *page view* is a page or screen
  call, or a ``$pageview``/``$screen`` event.
* An event is in a stage when its name is one of the stage's ``events``, when it is a page
  view whose path (a missing path read as ``""``) contains a match of one of the stage's
  ``pages`` regexes, or when it is one of the events of a ``when`` rule and its properties
  pass every filter of that rule. An event counts for every stage it is in.
* A person *reached* a stage at their first event in it; their *current* stage is the
  highest stage they reached. Persons with no stage event are not counted.
* Transition s → s+1: of those who reached s, ``converted`` reached s+1 at the same time or
  later; ``conversion`` = converted ÷ reached s; median and mean seconds from s to s+1 of
  the converted.
* Distribution: for every month from the first stage event's to the last's, each person in
  the highest stage reached before the month ended.

The mapping is configuration, so it is taken from ``journeylens.analyses.stages``
(``DEFAULT_MAPPING``); the computation is plain pandas. Properties are JSON text: only
events named in a ``when`` rule need them, so they are read a second time, with just those
events (a Parquet filter on ``event``), and parsed with ``json.loads``. A filter sees a
property as DuckDB's ``json_extract_string`` gives it (strings unquoted, numbers as their
digits, ``true``/``false``); ``<``/``>`` compare it as a number, ``=`` as text.

``answer(result)`` gives the same dict from a journeylens ``StagesResult``.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd
from analytics_pandas import read

from journeylens.analyses.expr import Filter
from journeylens.analyses.stages import DEFAULT_MAPPING, Mapping, Rule

BEHAVIOUR_TYPES = ["track", "page", "screen"]
PAGE_TYPES = ["page", "screen"]
PAGE_VIEW_EVENTS = ["$pageview", "$screen"]
COLUMNS = ["person_id", "type", "event", "path", "timestamp"]


def stages(path: Path, mapping: Mapping = DEFAULT_MAPPING) -> dict:
    """The comparable answer (see ``answer``) of the stages analysis on the Parquet events."""
    names = [stage.name for stage in mapping.stages]
    reached, last_seen = first_reached(path, mapping)
    persons = len(reached)
    current = highest(reached.notna()).value_counts().reindex(names, fill_value=0)
    return {
        "persons": persons,
        "stages": {
            name: {
                "reached": int(reached[name].notna().sum()),
                "current": int(current[name]),
                "current_share": int(current[name]) / persons if persons else 0.0,
            }
            for name in names
        },
        "transitions": {
            f"{source} → {target}": transition(reached[source], reached[target])
            for source, target in pairwise(names)
        },
        "distribution": distribution(reached, last_seen),
    }


# ---- which events are in which stage ---------------------------------------------------
def first_reached(path: Path, mapping: Mapping) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """One row per person with a stage event, one column per stage (in order): when they first
    reached it (NaT if never); and the time of the last stage event of anyone."""
    events = read(path, COLUMNS)
    events = events[events["type"].isin(BEHAVIOUR_TYPES)]
    ruled = when_rule_events(path, mapping)
    times: dict[str, pd.Series] = {}
    last_seen = None
    for stage in mapping.stages:
        matched = [events.loc[matches(events, stage), ["person_id", "timestamp"]]]
        for rule in stage.when if ruled is not None else ():
            matched.append(ruled.loc[matches(ruled, rule), ["person_id", "timestamp"]])
        stage_events = pd.concat(matched)
        times[stage.name] = stage_events.groupby("person_id")["timestamp"].min()
        if len(stage_events):
            latest = stage_events["timestamp"].max()
            last_seen = latest if last_seen is None else max(last_seen, latest)
    reached = pd.DataFrame(times).sort_index()
    return reached, last_seen


def matches(events: pd.DataFrame, rule: Rule) -> pd.Series:
    """Whether each event is named in ``rule.events`` or is a page view whose path matches one
    of ``rule.pages``, and passes all of ``rule.filters`` (which need ``properties``)."""
    matched = events["event"].isin(rule.events)
    if rule.pages:
        page = events["type"].isin(PAGE_TYPES) | events["event"].isin(PAGE_VIEW_EVENTS)
        path = events["path"].fillna("")
        for pattern in rule.pages:
            matched |= page & path.str.contains(pattern, regex=True)
    for item in rule.filters:
        matched &= passes(events["properties"], item)
    return matched


def when_rule_events(path: Path, mapping: Mapping) -> pd.DataFrame | None:
    """The behavioural events named in a ``when`` rule, with their ``properties`` parsed
    (None when no rule names an event: then no rule matches anything)."""
    rules = [rule for stage in mapping.stages for rule in stage.when]
    if any(rule.pages for rule in rules):
        raise NotImplementedError("when-rules on pages would need the properties of every page")
    named = sorted({name for rule in rules for name in rule.events})
    if not named:
        return None
    columns = [*COLUMNS, "properties"]
    events = pd.read_parquet(path, columns=columns, filters=[("event", "in", named)])
    events = events[events["type"].isin(BEHAVIOUR_TYPES)]
    return events.assign(properties=events["properties"].map(json.loads, na_action="ignore"))


def passes(properties: pd.Series, item: Filter) -> pd.Series:
    """Whether each event's parsed ``properties`` pass the filter (``properties.KEY`` only)."""
    column, _, key = item.property.partition(".")
    if column != "properties" or not key:
        raise NotImplementedError(f"{item.property}: this baseline filters on properties.KEY")
    text = properties.map(lambda document: json_text(document, key.split(".")))
    if item.op == "is set":
        return text.notna()
    if item.op == "is not set":
        return text.isna()
    if item.op in (">", ">=", "<", "<="):
        number = pd.to_numeric(text, errors="coerce")
        limit = float(item.value)  # type: ignore[arg-type]
        compare = {">": number.gt, ">=": number.ge, "<": number.lt, "<=": number.le}[item.op]
        return compare(limit)  # NaN (not a number) compares False
    wanted = value_text(item.value)
    if item.op == "=":
        return text.eq(wanted).fillna(False)  # not set: not equal
    if item.op == "!=":
        return text.ne(wanted) | text.isna()
    contains = text.str.contains(wanted, regex=False, na=False)
    return contains if item.op == "contains" else ~contains


def json_text(document: Any, keys: list[str]) -> str | None:
    """The value at ``keys`` as text, as DuckDB's ``json_extract_string`` gives it."""
    value = document
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))  # true/false, 4, 4.5, {"a":1}


def value_text(value: Any) -> str:
    """A filter's value as the text it is compared with (``4.0`` → ``4``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---- the answer --------------------------------------------------------------------------
def highest(reached: pd.DataFrame) -> pd.Series:
    """Per person (row) with any True, the name of the last column (highest stage) that is
    True."""
    reached = reached[reached.any(axis=1)]
    return reached.iloc[:, ::-1].idxmax(axis=1)


def transition(source: pd.Series, target: pd.Series) -> dict:
    converted = target >= source  # NaT on either side: not converted
    seconds = (target - source)[converted].dt.total_seconds()
    reached = int(source.notna().sum())
    return {
        "reached_source": reached,
        "converted": int(converted.sum()),
        "conversion": int(converted.sum()) / reached if reached else 0.0,
        "median_seconds": float(seconds.median()) if len(seconds) else None,
        "mean_seconds": float(seconds.mean()) if len(seconds) else None,
    }


def distribution(reached: pd.DataFrame, last_seen: pd.Timestamp | None) -> dict:
    """Per month (its first day) from the first stage event's to the last's: the persons per
    stage, each in the highest stage reached before the month ended."""
    if last_seen is None:
        return {}
    first = reached.min().min().to_period("M")
    answer = {}
    for month in pd.period_range(first, last_seen.to_period("M"), freq="M"):
        month_end = (month + 1).start_time
        counts = highest(reached.lt(month_end)).value_counts()  # NaT compares False
        answer[str(month.start_time.date())] = {
            name: int(counts.get(name, 0)) for name in reached.columns
        }
    return answer


def answer(result: Any) -> dict:
    """The same dict from the journeylens ``StagesResult``."""
    distribution: dict[str, dict[str, int]] = {}
    for count in result.distribution:
        distribution.setdefault(count.period, {})[count.stage] = count.persons
    return {
        "persons": result.persons,
        "stages": {
            s.name: {"reached": s.reached, "current": s.current, "current_share": s.current_share}
            for s in result.stages
        },
        "transitions": {
            f"{t.source} → {t.target}": {
                "reached_source": t.reached_source,
                "converted": t.converted,
                "conversion": t.conversion,
                "median_seconds": t.median_seconds,
                "mean_seconds": t.mean_seconds,
            }
            for t in result.transitions
        },
        "distribution": distribution,
    }
