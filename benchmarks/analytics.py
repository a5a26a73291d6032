"""Analysis speed: each analysis beside a raw ``GROUP BY person`` scan and a pandas version.

    .venv/bin/python benchmarks/analytics.py                       # 10M events, ~1.1M persons
    .venv/bin/python benchmarks/analytics.py --events 50_000_000   # the 50M report
    .venv/bin/python benchmarks/analytics.py --quick               # 200k events, smoke run

On synthetic e-commerce behaviour (``analytics_data.py``: generated once with DuckDB SQL
into a real workspace and into Parquet, cached under ``benchmarks/.data/``), for every
analysis in ``journeylens.analyses.registry`` that has a case below it prints, in one run:

* journeylens: the analysis's ``run(tables, query)`` on the DuckDB workspace, best of
  ``--repeat`` (3) after a warm-up;
* scan: ``SELECT person_id, count(*) FROM events GROUP BY person_id`` (result fetched as
  Arrow) on the same connection, best of 3 after a warm-up — the yardstick;
* pandas: a straightforward pandas version (``analytics_pandas.py``) *including* reading
  its columns from the Parquet file (warm in the OS cache), one run, stopped when its
  process's RSS exceeds ``--pandas-memory-gb`` (the row then says so: at 50M events a
  straightforward pandas version running out of memory is itself the finding);

the ratio to the scan and the speed-up over pandas against the targets of issue 4
(funnel ≤ 2× scan, retention ≤ 3×, paths ≤ 5×, every analysis faster than pandas, peak
memory under 4 GB), and whether pandas and journeylens gave the same answer. Each
measurement runs in a fresh process, so "peak RSS" (``getrusage`` max RSS: Python, the
DuckDB buffer pool and the result) is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue as queues
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
import analytics_data
import analytics_pandas
import analytics_pandas_kpis
import analytics_pandas_stages

console = Console()
if not console.is_terminal:  # piped or redirected: do not squeeze the table into 80 columns
    console = Console(width=160)

QUICK_EVENTS = 200_000
MEMORY_LIMIT_MB = 4096
PANDAS_MEMORY_GB = 12.0  # default guard; the machine has 24 GB, shared
SCAN_SQL = "SELECT person_id, count(*) AS events FROM events GROUP BY person_id"


# ---- the cases -------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One analysis as benchmarked: its query, its pandas twin and how to compare answers."""

    analysis: str
    label: str
    query: dict[str, Any]
    pandas: Callable[[Path], Any] | None = None
    answer: Callable[[Any], Any] | None = None  # journeylens result → pandas' answer shape
    max_scan_ratio: float | None = None  # issue 4 target, × the raw scan


def _funnel_answer(result: Any) -> dict:
    return {
        "users": [step.users for step in result.steps],
        "median_seconds": [step.median_seconds_to_convert for step in result.steps[1:]],
    }


def _retention_answer(result: Any) -> dict:
    return {
        str(c.cohort): {"size": c.size, "retained": [p.retained for p in c.periods]}
        for c in result.cohorts
    }


def _lifecycle_answer(result: Any) -> list:
    return [
        [str(p.period_start), p.new, p.returning, p.resurrecting, p.dormant] for p in result.periods
    ]


def _stickiness_answer(result: Any) -> dict:
    return {
        str(p.period_start): {c.k: c.persons for c in p.counts if c.persons} for p in result.periods
    }


def _measures_answer(result: Any) -> dict:
    answer: dict[str, list] = {}
    for point in result.points:
        answer.setdefault(str(point.period_start), [0.0] * len(result.measures))
        answer[str(point.period_start)][result.measures.index(point.measure)] = point.value
    return answer


def _trends_answer(result: Any) -> dict:
    # journeylens lists every period of the range, empty ones as 0; pandas only non-empty ones.
    return {f"{p.event} {p.period_start}": [p.count, p.persons] for p in result.points if p.count}


def _sessions_answer(result: Any) -> dict:
    return {
        str(p.period_start): [p.sessions, p.persons, p.avg_duration_seconds, p.bounces]
        for p in result.periods
    }


def _paths_answer(result: Any) -> dict:
    transitions = sorted((t.source, t.target, t.users, t.count) for t in result.transitions)
    return {"paths": result.paths, "transitions": transitions}


def _paths_graph_answer(result: Any) -> dict:
    edges = sorted((e.source, e.target, e.transitions, e.persons) for e in result.edges)
    return {"paths": result.paths, "edges": edges}


FUNNEL_STEPS = ["Product Viewed", "Product Added", "Order Completed"]
RETENTION_PERIODS = 12
PATH_STEPS = 4
TREND_EVENTS = ["Page Viewed", "Order Completed"]
# The synthetic events span 90 days from 2026-06-01 (analytics_data.START, DAYS), whatever
# their number: a range over their last week.
LAST_WEEK = (datetime(2026, 8, 23), datetime(2026, 8, 30))
MEASURES = ["count(*)", "persons(*)", "sum(revenue of Order Completed)"]
CASES: tuple[Case, ...] = (
    Case(
        "funnel",
        "3 steps, 14d window",
        {"steps": FUNNEL_STEPS, "window": "14d"},
        pandas=lambda path: analytics_pandas.funnel(path, FUNNEL_STEPS, timedelta(days=14)),
        answer=_funnel_answer,
        max_scan_ratio=2.0,
    ),
    Case(
        "retention",
        f"weekly, first-time, any event, {RETENTION_PERIODS} weeks",
        {"period": "week", "cohort": "first_time", "periods": RETENTION_PERIODS},
        pandas=lambda path: analytics_pandas.retention(path, RETENTION_PERIODS),
        answer=_retention_answer,
        max_scan_ratio=3.0,
    ),
    Case(
        "paths",
        f"per session, {PATH_STEPS} steps",
        {"per": "session", "max_steps": PATH_STEPS},
        pandas=lambda path: analytics_pandas.paths(path, PATH_STEPS),
        answer=_paths_answer,
        max_scan_ratio=5.0,
    ),
    Case(
        "paths_graph",
        "per person, whole journeys, with path_start and path_end",
        {"per": "person"},
        pandas=analytics_pandas.paths_graph,
        answer=_paths_graph_answer,
    ),
    Case(
        "measures",
        "per day: events, persons, revenue",
        {"measures": MEASURES, "period": "day"},
        pandas=analytics_pandas.measures,
        answer=_measures_answer,
    ),
    Case(
        "trends",
        "per day: 2 events, count and persons",
        {"events": TREND_EVENTS, "period": "day"},
        pandas=lambda path: analytics_pandas.trends(path, TREND_EVENTS),
        answer=_trends_answer,
    ),
    Case(
        "kpis",
        "the built-in dashboard, last 30 days vs the 30 before",
        {},
        pandas=analytics_pandas_kpis.kpis,
        answer=analytics_pandas_kpis.answer,
    ),
    Case(
        "stages",
        "default mapping, monthly distribution",
        {},
        pandas=analytics_pandas_stages.stages,
        answer=analytics_pandas_stages.answer,
    ),
    Case(
        "sessions",
        "per day",
        {"period": "day"},
        pandas=analytics_pandas.sessions,
        answer=_sessions_answer,
    ),
    Case(
        "sessions",
        "per day, the last 7 days",
        {"period": "day", "date_from": LAST_WEEK[0], "date_to": LAST_WEEK[1]},
        pandas=lambda path: analytics_pandas.sessions(path, *LAST_WEEK),
        answer=_sessions_answer,
    ),
    Case(
        "lifecycle",
        "weekly, any event",
        {"period": "week"},
        pandas=analytics_pandas.lifecycle,
        answer=_lifecycle_answer,
    ),
    Case(
        "stickiness",
        "weekly, distinct days",
        {"period": "week"},
        pandas=analytics_pandas.stickiness,
        answer=_stickiness_answer,
    ),
)


# ---- measuring, each in a fresh process --------------------------------------------------
@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    scan_seconds: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    answer: Any = None
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def scan(self) -> float:
        return min(self.scan_seconds)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stopwatch(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = work()
    return time.perf_counter() - started, answer


def _measure(kind: str, folder: str, case_index: int, repeat: int, profile: str | None) -> Timing:
    """pandas: ``repeat`` runs, no warm-up. journeylens: a warm-up of the analysis and the
    scan, then ``repeat`` rounds of scan + analysis, alternating, so that both see the same
    machine (other processes, caches) and the ratio is fair."""
    case = CASES[case_index]
    timing = Timing()
    if kind == "pandas":
        parquet = Path(folder) / "events.parquet"  # a file or a folder of parts
        for _ in range(repeat):
            seconds, timing.answer = _stopwatch(lambda: case.pandas(parquet))
            timing.seconds.append(seconds)
        timing.peak_rss_mb = _peak_rss_mb()
        return timing

    from journeylens.analyses import registry
    from journeylens.workspace import Workspace

    ws = Workspace.open(Path(folder) / "workspace", read_only=True)
    entry = registry.get(case.analysis)
    query = entry.query.parse(case.query)
    tables = ws.tables

    def scan() -> int:
        return len(ws.con.execute(SCAN_SQL).fetchnumpy()["events"])

    def analysis() -> Any:
        return entry.run(tables, query)

    scan(), analysis()
    for _ in range(repeat):
        timing.scan_seconds.append(_stopwatch(scan)[0])
        seconds, result = _stopwatch(analysis)
        timing.seconds.append(seconds)
    if case.answer is not None:
        timing.answer = case.answer(result)
    if profile:
        ws.con.execute("SET enable_profiling = 'query_tree_optimizer'")
        ws.con.execute("SET profiling_output = ?", [profile])
        analysis()
        ws.con.execute("SET enable_profiling = 'no_output'")
    ws.close()
    timing.peak_rss_mb = _peak_rss_mb()
    return timing


def _child(queue: multiprocessing.Queue, *args: Any) -> None:
    try:
        queue.put(_measure(*args))
    except Exception as error:  # reported in the table, the other rows still run
        queue.put(Timing(error=f"{type(error).__name__}: {error}"))


def _rss_mb(pid: int) -> float:
    """Current resident set of process ``pid`` (Linux ``/proc``), in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def watch(process: Any, queue: Any, memory_limit_mb: float | None = None) -> Any:
    """The object ``process`` puts on ``queue``; a ``Timing`` with an error instead if it
    exceeds ``memory_limit_mb`` of RSS (it is killed) or dies without answering."""
    started = time.perf_counter()
    peak = 0.0
    while True:
        try:
            return queue.get(timeout=0.25)
        except queues.Empty:
            pass
        if not process.is_alive():
            try:  # it may have answered just before exiting
                return queue.get(timeout=2)
            except queues.Empty:
                return Timing(error=f"process died (exit code {process.exitcode})")
        peak = max(peak, _rss_mb(process.pid))
        if memory_limit_mb is not None and peak > memory_limit_mb:
            process.kill()
            process.join()
            return Timing(
                error=f"out of memory: over {memory_limit_mb / 1024:.3g} GB RSS "
                f"({peak / 1024:.1f} GB) after {time.perf_counter() - started:.0f} s, stopped",
                peak_rss_mb=peak,
            )


def measure(
    kind: str,
    data: analytics_data.Dataset,
    case_index: int,
    *,
    repeat: int = 3,
    profile: str | None = None,
    memory_limit_mb: float | None = None,
) -> Timing:
    """``kind`` (journeylens | scan | pandas) in a fresh process, so its peak RSS is its own;
    stopped (and reported as out of memory) above ``memory_limit_mb`` of RSS."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_child, args=(queue, kind, str(data.folder), case_index, repeat, profile)
    )
    process.start()
    timing = watch(process, queue, memory_limit_mb)
    process.join()
    return timing


def _generate(folder: str, events: int, seed: int, queue: multiprocessing.Queue) -> None:
    data = analytics_data.Dataset(Path(folder), events, seed)
    queue.put(analytics_data.generate(data))


def ensure_data(data: analytics_data.Dataset) -> dict:
    if data.marker.exists():
        return data.info()
    console.print(f"Generating {data.events:,} events into {data.folder} (cached for reruns) …")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_generate, args=(str(data.folder), data.events, data.seed, queue)
    )
    process.start()
    info = watch(process, queue)
    process.join()
    if isinstance(info, Timing):  # the generator died (e.g. killed for memory)
        raise SystemExit(f"Generating the data failed: {info.error}")
    return info


# ---- report ------------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]missed[/]"


def same(left: Any, right: Any) -> bool:
    """Equal, floats to 1e-6 relative (medians and means computed by different engines)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        return abs(left - right) <= 1e-6 * max(1.0, abs(left), abs(right))
    return left == right


def first_difference(left: Any, right: Any, where: str = "") -> str | None:
    """Where two answers first differ, shortly (an answer can have thousands of entries)."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                return f"{where}[{key!r}] only in {'pandas' if key in right else 'journeylens'}"
            found = first_difference(left[key], right[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        if len(left) != len(right):
            return f"{where}: {len(left)} entries in journeylens, {len(right)} in pandas"
        return None
    return None if same(left, right) else f"{where}: journeylens {left!r}, pandas {right!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EVENTS:,} events")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="journeylens and scan runs")
    parser.add_argument("--pandas-repeat", type=int, default=1)
    parser.add_argument("--only", help="comma-separated analysis names")
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument(
        "--pandas-memory-gb",
        type=float,
        default=PANDAS_MEMORY_GB,
        help="stop a pandas baseline above this RSS and report it as out of memory",
    )
    parser.add_argument("--profile", help="write DuckDB query profiles to this folder")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(__file__).parent / ".data", help="generated data"
    )
    args = parser.parse_args(argv)
    events = QUICK_EVENTS if args.quick else args.events
    data = analytics_data.dataset(args.data_dir, events, args.seed)
    info = ensure_data(data)
    console.print(
        f"{info['events']:,} events, {info['persons']:,} persons; workspace "
        f"{info['duckdb_mb']:,.0f} MB, Parquet {info['parquet_mb']:,.0f} MB; generated in "
        + ", ".join(f"{name} {s:.1f} s" for name, s in info["seconds"].items())
        + f" (peak RSS {info['peak_rss_mb']:,.0f} MB)"
    )
    chunks = info.get("chunks", [])
    if len(chunks) > 1:  # how appending into the PRIMARY KEY index scales with its size
        insert = "insert events (PRIMARY KEY index)"
        rates = [c["events"] / c["seconds"][insert] for c in chunks if c["seconds"][insert]]
        free = info.get("duckdb_free_mb")
        console.print(
            f"In {len(chunks)} chunks of ≤ {info['chunk_events']:,} events: inserting into "
            f"events (PRIMARY KEY) {info['events'] / info['seconds'][insert]:,.0f} rows/s "
            f"overall, {min(rates):,.0f}–{max(rates):,.0f} per chunk"
            + (f"; {free:,.0f} MB of the DuckDB file are free blocks" if free else ""),
            highlight=False,
        )

    from journeylens.analyses import registry
    from journeylens.workspace import WorkspaceConfig

    known = registry.analyses()
    wanted = set(args.only.split(",")) if args.only else None
    table = Table(
        "analysis",
        "query",
        "journeylens s",
        "scan s",
        "× scan",
        "target",
        "pandas s",
        "speed-up",
        "same answer",
        "peak RSS",
        "pandas RSS",
        title=f"Analyses on {info['events']:,} events ({info['persons']:,} persons)",
    )
    verdicts: list[str] = []
    agreement: list[str] = []
    failures = 0
    covered = set()
    for index, case in enumerate(CASES):
        if case.analysis not in known or (wanted and case.analysis not in wanted):
            continue
        covered.add(case.analysis)
        profile = None
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profile = str(Path(args.profile) / f"{case.analysis}.txt")
        ours = measure("journeylens", data, index, repeat=args.repeat, profile=profile)
        if not ours.error:
            console.print(
                f"  {case.analysis}: journeylens {ours.best:.3f} s, scan {ours.scan:.3f} s, "
                f"peak RSS {ours.peak_rss_mb:,.0f} MB",
                highlight=False,
            )
        if ours.error:
            failures += 1
            table.add_row(case.analysis, case.label, f"[red]{ours.error}")
            continue
        theirs = None
        if case.pandas is not None and not args.no_pandas:
            theirs = measure(
                "pandas",
                data,
                index,
                repeat=args.pandas_repeat,
                memory_limit_mb=args.pandas_memory_gb * 1024,
            )
            outcome = theirs.error or f"{theirs.best:.2f} s"
            console.print(f"  {case.analysis}: pandas {outcome}", highlight=False)
        ratio = ours.best / ours.scan
        target = ""
        if case.max_scan_ratio is not None:
            target = f"≤ {case.max_scan_ratio:g}× {_verdict(ratio <= case.max_scan_ratio)}"
        answer = ""
        pandas_s = speed_up = pandas_rss = ""
        if theirs is not None and theirs.error:
            pandas_s = f"[red]pandas: {theirs.error}"
        elif theirs is not None:
            speed = theirs.best / ours.best
            pandas_s, speed_up = f"{theirs.best:.2f}", f"{speed:.1f}× {_verdict(speed > 1)}"
            pandas_rss = f"{theirs.peak_rss_mb:,.0f} MB"
            if case.answer is not None:
                agree = same(ours.answer, theirs.answer)
                answer = "yes" if agree else "[red]no"
                agreement.append(f"{case.analysis} — same answer: {'yes' if agree else 'no'}")
                failures += not agree
                if not agree:
                    difference = first_difference(ours.answer, theirs.answer)
                    verdicts.append(f"{case.analysis}: answers differ at {difference}")
        table.add_row(
            case.analysis,
            case.label,
            f"{ours.best:.3f}",
            f"{ours.scan:.3f}",
            f"{ratio:.2f}×",
            target,
            pandas_s,
            speed_up,
            answer,
            f"{ours.peak_rss_mb:,.0f} MB {_verdict(ours.peak_rss_mb < MEMORY_LIMIT_MB)}",
            pandas_rss,
        )
    console.print(table)
    missing = sorted(set(known) - covered - (set(known) - wanted if wanted else set()))
    if missing:
        console.print(f"No benchmark case yet for: {', '.join(missing)}")
    for line in agreement:
        console.print(f"pandas vs journeylens: {line}", highlight=False)
    for line in verdicts:
        console.print(f"[red]{line}")
    console.print(
        f"journeylens and scan: best of {args.repeat} after a warm-up, alternating in one process "
        f"on the workspace's DuckDB file (read-only, DuckDB memory_limit "
        f"{WorkspaceConfig.load(data.workspace).memory_limit} from its config.toml); "
        "pandas: best of "
        f"{args.pandas_repeat}, including reading its columns from Parquet (OS cache warm). "
        "Peak RSS is each measuring process's own (getrusage). "
        f"Targets: × scan as shown; faster than pandas; peak RSS < {MEMORY_LIMIT_MB:,} MB."
    )
    if args.profile:
        console.print(f"DuckDB profiles (EXPLAIN ANALYZE trees) in {args.profile}/")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
