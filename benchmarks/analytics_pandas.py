"""Straightforward pandas versions of the analyses, for ``analytics.py``: the baseline to beat.

Each reads the columns it needs from the events Parquet file (the read is part of its
time) and returns the same comparable answer as the matching ``answer`` function of
``analytics.py`` extracts from the journeylens result. They follow docs/architecture.md's semantics,
written the way an analyst would in a notebook: filter, ``groupby``, ``merge``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd


def read(path: Path, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(path, columns=columns)


def funnel(path: Path, steps: list[str], window: timedelta | None) -> dict:
    """Per person: first step-1 time, then for each step the earliest event after the
    previous step's time and within the window from the first step-1 event."""
    step_events = [step.split("|") for step in steps]
    wanted = sorted({name for names in step_events for name in names})
    events = read(path, ["person_id", "event", "timestamp"])
    events = events[events["event"].isin(wanted)]
    first = events[events["event"].isin(step_events[0])]
    people = first.groupby("person_id")["timestamp"].min().rename("reached_0").to_frame()
    if window is not None:
        people["window_end"] = people["reached_0"] + window
    for k, names in enumerate(step_events[1:], start=1):
        candidates = events.loc[events["event"].isin(names), ["person_id", "timestamp"]]
        joined = candidates.merge(
            people[[f"reached_{k - 1}"] + (["window_end"] if window else [])],
            left_on="person_id",
            right_index=True,
        )
        keep = joined["timestamp"] > joined[f"reached_{k - 1}"]
        if window is not None:
            keep &= joined["timestamp"] <= joined["window_end"]
        people[f"reached_{k}"] = joined[keep].groupby("person_id")["timestamp"].min()
    users, medians = [], []
    for k in range(len(steps)):
        users.append(int(people[f"reached_{k}"].notna().sum()))
        if k:
            seconds = (people[f"reached_{k}"] - people[f"reached_{k - 1}"]).dt.total_seconds()
            medians.append(None if seconds.isna().all() else float(seconds.median()))
    return {"users": users, "median_seconds": medians}


def scan(path: Path) -> int:
    """The yardstick in pandas: events per person."""
    return len(read(path, ["person_id"]).groupby("person_id").size())


# ---- periods and sessions, as an analyst would compute them --------------------------------
EPOCH_MONDAY_OFFSET = 3  # 1970-01-01 was a Thursday: week index = (days + 3) // 7


def day_index(ts: pd.Series) -> pd.Series:
    return pd.Series(ts.values.astype("datetime64[D]").astype("int64"), index=ts.index)


def week_index(ts: pd.Series) -> pd.Series:
    return (day_index(ts) + EPOCH_MONDAY_OFFSET) // 7


def week_start(index: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(index) * 7 - EPOCH_MONDAY_OFFSET)


def seconds(ts: pd.Series) -> pd.Series:
    return pd.Series(ts.values.astype("datetime64[s]").astype("int64"), index=ts.index)


def sessionize(events: pd.DataFrame, idle: int = 1800, max_length: int = 86400) -> pd.DataFrame:
    """Adds ``session``: a client-sent ``session_id`` wins; else 30 min idle / 24 h cuts."""
    client = events["session_id"].notna() & (events["session_id"] != "")
    events = events.assign(client=client).sort_values(
        ["person_id", "client", "timestamp", "message_id"], ignore_index=True
    )
    secs = seconds(events["timestamp"])
    same_group = (events["person_id"] == events["person_id"].shift()) & (
        events["client"] == events["client"].shift()
    )
    starts = ~same_group | (secs - secs.shift() > idle)
    run = starts.cumsum()
    chunk = (secs - secs.groupby(run).transform("min")) // max_length
    computed = events.groupby([run, chunk], sort=False).ngroup()
    sent = events.groupby(["person_id", "session_id"], sort=False).ngroup()
    events["session"] = computed.where(~events["client"], sent + computed.max() + 1)
    return events


# ---- the analyses --------------------------------------------------------------------------
def retention(path: Path, periods: int) -> dict:
    """Weekly first-time cohorts of any event, returning with any event *on* week N."""
    events = read(path, ["person_id", "timestamp"])
    events["week"] = week_index(events["timestamp"])
    now_week = int(events["week"].max())
    active = events[["person_id", "week"]].drop_duplicates()
    cohort = active.groupby("person_id")["week"].min().rename("cohort")
    active = active.join(cohort, on="person_id")
    active["offset"] = active["week"] - active["cohort"]
    counts = (
        active[active["offset"] <= periods].groupby(["cohort", "offset"])["person_id"].nunique()
    )
    sizes = cohort.value_counts()
    answer = {}
    for week in sorted(sizes.index):
        last = min(periods, now_week - int(week))
        answer[str(week_start(week))] = {
            "size": int(sizes[week]),
            "retained": [int(counts.get((week, n), 0)) for n in range(last + 1)],
        }
    return answer


def lifecycle(path: Path) -> list:
    """Per week: new, returning, resurrecting, dormant persons (any event is activity)."""
    events = read(path, ["person_id", "timestamp"])
    events["week"] = week_index(events["timestamp"])
    active = events[["person_id", "week"]].drop_duplicates()
    first = active.groupby("person_id")["week"].min().rename("first")
    active = active.join(first, on="person_id")
    previous = active[["person_id", "week"]].assign(week=active["week"] + 1)
    active = active.merge(previous.assign(was_active=True), on=["person_id", "week"], how="left")
    active["was_active"] = active["was_active"].fillna(False).astype(bool)
    gone = previous.merge(active[["person_id", "week"]], how="left", indicator=True)
    dormant = gone[gone["_merge"] == "left_only"].groupby("week").size()
    active["is_new"] = active["first"] == active["week"]
    per_week = active.groupby("week").agg(
        active=("person_id", "size"),
        new=("is_new", "sum"),
        returning=("was_active", "sum"),
    )
    answer = []
    for week in range(int(active["week"].min()), int(active["week"].max()) + 1):
        row = per_week.loc[week] if week in per_week.index else None
        new = int(row["new"]) if row is not None else 0
        returning = int(row["returning"]) if row is not None else 0
        total = int(row["active"]) if row is not None else 0
        answer.append(
            [
                str(week_start(week)),
                new,
                returning,
                total - new - returning,
                int(dormant.get(week, 0)),
            ]
        )
    return answer


def stickiness(path: Path) -> dict:
    """Per week: how many persons were active on exactly k distinct days."""
    events = read(path, ["person_id", "timestamp"])
    events["day"] = day_index(events["timestamp"])
    events["week"] = (events["day"] + EPOCH_MONDAY_OFFSET) // 7
    days = events.groupby(["week", "person_id"])["day"].nunique()
    counts = days.groupby(level="week").value_counts()
    answer: dict[str, dict[int, int]] = {}
    for (week, k), persons in counts.items():
        answer.setdefault(str(week_start(week)), {})[int(k)] = int(persons)
    return answer


def measures(path: Path) -> dict:
    """Per day: events, distinct persons, revenue of Order Completed."""
    events = read(path, ["person_id", "event", "timestamp", "revenue"])
    events["day"] = events["timestamp"].dt.date
    per_day = events.groupby("day").agg(
        events=("person_id", "size"), persons=("person_id", "nunique")
    )
    orders = events[events["event"] == "Order Completed"].groupby("day")["revenue"].sum()
    return {
        str(day): [float(row.events), float(row.persons), float(orders.get(day, 0.0))]
        for day, row in per_day.iterrows()
    }


def trends(path: Path, names: list[str]) -> dict:
    """Per event and day: events and distinct persons."""
    events = read(path, ["person_id", "event", "timestamp"])
    events = events[events["event"].isin(names)]
    events["day"] = events["timestamp"].dt.date
    per_day = events.groupby(["event", "day"])["person_id"].agg(["size", "nunique"])
    return {
        f"{event} {day}": [int(count), int(persons)]
        for (event, day), (count, persons) in per_day.iterrows()
    }


def sessions(
    path: Path, date_from: datetime | None = None, date_to: datetime | None = None
) -> dict:
    """Per day of session start: sessions, persons, mean duration, bounces; of the sessions
    started in ``[date_from, date_to)`` when given (cut from all the events)."""
    events = read(path, ["person_id", "type", "timestamp", "message_id", "session_id"])
    events = sessionize(events)
    events["page"] = events["type"].isin(["page", "screen"])
    per_session = events.groupby("session").agg(
        person_id=("person_id", "first"),
        started_at=("timestamp", "min"),
        ended_at=("timestamp", "max"),
        events=("page", "size"),
        pages=("page", "sum"),
    )
    per_session["duration"] = (
        per_session["ended_at"] - per_session["started_at"]
    ).dt.total_seconds()
    per_session["bounced"] = (per_session["pages"] == 1) & (per_session["events"] == 1)
    if date_from is not None:
        per_session = per_session[per_session["started_at"] >= date_from]
    if date_to is not None:
        per_session = per_session[per_session["started_at"] < date_to]
    per_session["day"] = per_session["started_at"].dt.date
    per_day = per_session.groupby("day").agg(
        sessions=("person_id", "size"),
        persons=("person_id", "nunique"),
        mean_duration=("duration", "mean"),
        bounces=("bounced", "sum"),
    )
    return {
        str(day): [int(r.sessions), int(r.persons), float(r.mean_duration), int(r.bounces)]
        for day, r in per_day.iterrows()
    }


def paths(path: Path, max_steps: int) -> dict:
    """Per session: the first ``max_steps`` steps (a page's path, else the event name);
    transitions ``[start]`` → ``1_step`` → ``2_step`` … → ``[end]`` (when the path ended
    within ``max_steps``), with distinct persons and paths through each."""
    events = read(
        path, ["person_id", "type", "event", "timestamp", "message_id", "session_id", "path"]
    )
    # Two app sessions of a person may overlap in time: order by session, then time.
    events = sessionize(events).sort_values(["session", "timestamp", "message_id"])
    page = events["type"].isin(["page", "screen"])
    events["step"] = events["event"].where(~page, events["path"].fillna(events["event"]))
    events["position"] = events.groupby("session").cumcount() + 1
    events["length"] = events.groupby("session")["position"].transform("max")
    shown = events[events["position"] <= max_steps]
    source = shown["position"].astype(str) + "_" + shown["step"]
    following = source.shift(-1).where(shown["session"].shift(-1) == shown["session"])
    ended = shown["position"] == shown["length"]
    target = following.where(~ended, "[end]")
    links = pd.DataFrame({"person_id": shown["person_id"], "source": source, "target": target})
    firsts = shown["position"] == 1
    starts = pd.DataFrame(
        {"person_id": shown.loc[firsts, "person_id"], "source": "[start]", "target": source[firsts]}
    )
    links = pd.concat([starts, links.dropna(subset=["target"])])
    counted = links.groupby(["source", "target"])["person_id"].agg(["nunique", "size"])
    transitions = sorted(
        (s, t, int(users), int(count)) for (s, t), (users, count) in counted.iterrows()
    )
    return {"paths": int(firsts.sum()), "transitions": transitions}


def paths_graph(path: Path) -> dict:
    """Per person, the whole journey: every pair of consecutive steps (a page's path, else
    the event name), with ``path_start`` and ``path_end``; transitions and distinct persons."""
    events = read(path, ["person_id", "type", "event", "timestamp", "message_id", "path"])
    events = events.sort_values(["person_id", "timestamp", "message_id"])
    page = events["type"].isin(["page", "screen"])
    step = events["event"].where(~page, events["path"].fillna(events["event"]))
    person = events["person_id"]
    target = step.shift(-1).where(person.shift(-1) == person, "path_end")
    first = person.shift(1) != person
    starts = pd.DataFrame(
        {"person_id": person[first], "source": "path_start", "target": step[first]}
    )
    links = pd.concat(
        [starts, pd.DataFrame({"person_id": person, "source": step, "target": target})]
    )
    counted = links.groupby(["source", "target"])["person_id"].agg(["size", "nunique"])
    edges = sorted(
        (s, t, int(count), int(persons)) for (s, t), (count, persons) in counted.iterrows()
    )
    return {"paths": int(first.sum()), "edges": edges}
