"""Synthetic e-commerce behaviour for ``analytics.py``, generated with DuckDB SQL, deterministic.

The data go into a real workspace (``Workspace.init``, so the schema is the real one) and
into Parquet beside it (for the pandas baselines). Shape, per person:

* 1–5 sessions over 90 days (the first on a uniformly drawn day, so new people keep
  arriving; later ones on later days), ~70 % on the web, ~30 % in the app (app sessions
  carry a client-sent ``session_id``, web sessions do not);
* per session 1–3 ``Page Viewed`` (type ``page``, with ``path``) then, with decreasing
  probability, ``Product Viewed`` (55 %) → ``Product Added`` (25 %) → ``Checkout Started``
  (12 %) → ``Order Completed`` (7 %, with ``revenue``/``currency`` and an ``order_id``),
  20 s – 3 min apart; the first event of a session may carry UTM parameters;
* about 9 events per person, so 10M events ≈ 1.1M persons.

Random numbers are ``hash(seed, key...)``, so the data do not depend on DuckDB's thread
count. Events are inserted sorted by (person, time) (docs/architecture.md "Performance notes").

Generation runs in chunks of consecutive persons (``CHUNK_EVENTS`` events each): a chunk is
generated, appended to the workspace's ``events`` table (with its ``message_id`` PRIMARY KEY)
and written as one part of the Parquet dataset ``events.parquet/`` (a folder of
``part-NNNNN.parquet`` files in order), then dropped, so memory does not grow with the size
(except for the PRIMARY KEY index). Since every draw depends only on the seed and the
person, and the last chunk stops at exactly ``events`` rows in (person, time) order, the
data are the same whatever the chunk size. Per chunk, ``done.json`` records the seconds of
each step, the DuckDB file size after a checkpoint, DuckDB's memory by tag (``ART_INDEX`` is
the PRIMARY KEY index) and the process's RSS.

Generated data are kept under ``--data-dir`` (default ``benchmarks/.data/``, git-ignored),
one folder per size and seed; a folder is reused only if its ``done.json`` exists.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

EVENTS_PER_PERSON = 9.0  # 3 sessions × (2 page views + 0.99 funnel events), see below
START = "2026-06-01"
DAYS = 90
FUNNEL = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")
CHUNK_EVENTS = 5_000_000


@dataclass(frozen=True)
class Dataset:
    folder: Path
    events: int
    seed: int

    @property
    def workspace(self) -> Path:
        return self.folder / "workspace"

    @property
    def parquet(self) -> Path:
        """A file (data generated before chunking) or a folder of parts; pandas reads both."""
        return self.folder / "events.parquet"

    @property
    def persons_parquet(self) -> Path:
        return self.folder / "persons.parquet"

    @property
    def marker(self) -> Path:
        return self.folder / "done.json"

    def info(self) -> dict:
        return json.loads(self.marker.read_text())


def dataset(data_dir: Path, events: int, seed: int) -> Dataset:
    return Dataset(Path(data_dir) / f"events-{events}-seed-{seed}", events, seed)


# u(key): a uniform number in [0, 1) from the seed, the row's ids and a key naming the draw.
def _u(key: str, *ids: str) -> str:
    parts = ", ".join((*ids, "$seed", f"'{key}'"))
    return f"(hash({parts}) % 1000000) / 1000000.0"


PEOPLE_SQL = f"""
CREATE TEMP TABLE people AS
SELECT person_id,
       floor({_u("first_day", "person_id")} * {DAYS})::INTEGER AS first_day,
       1 + floor({_u("sessions", "person_id")} * 5)::INTEGER AS n_sessions,
       {_u("propensity", "person_id")} < 0.4 AS identified
FROM range($first_person, $end_person) r(person_id)
"""

SESSIONS_SQL = f"""
CREATE TEMP TABLE sessions AS
WITH expanded AS (
    SELECT *, unnest(range(n_sessions)) AS session_no FROM people
)
SELECT person_id, session_no, identified,
       CASE WHEN session_no = 0 THEN first_day
            ELSE first_day + floor({_u("day", "person_id", "session_no")}
                                   * ({DAYS} - first_day))::INTEGER END AS day,
       floor({_u("second", "person_id", "session_no")} * 86400)::INTEGER AS second_of_day,
       1 + floor({_u("pages", "person_id", "session_no")} * 3)::INTEGER AS pages,
       {_u("funnel", "person_id", "session_no")} AS funnel_draw,
       {_u("channel", "person_id", "session_no")} < 0.7 AS on_web,
       {_u("utm", "person_id", "session_no")} AS utm_draw
FROM expanded
"""

# One row per event: positions 0..pages-1 are page views, then the funnel events reached.
EVENTS_SQL = f"""
CREATE TEMP TABLE generated AS
WITH steps AS (
    SELECT *,
           pages + (funnel_draw < 0.55)::INTEGER + (funnel_draw < 0.25)::INTEGER
                 + (funnel_draw < 0.12)::INTEGER + (funnel_draw < 0.07)::INTEGER AS n_events
    FROM sessions
),
positions AS (
    SELECT *, unnest(range(n_events)) AS i FROM steps
),
timed AS (
    SELECT *,
           CASE WHEN i < pages THEN 'Page Viewed'
                ELSE {list(FUNNEL)}[i - pages + 1] END AS event_name,
           TIMESTAMP '{START}' + to_days(day) + to_seconds(second_of_day)
             + to_seconds(i * (20 + floor({_u("gap", "person_id", "session_no")} * 160)::INTEGER))
             AS ts,
           floor({_u("product", "person_id", "session_no")} * 500)::INTEGER AS product,
           floor({_u("path", "person_id", "session_no", "i")} * 8)::INTEGER AS path_kind
    FROM positions
)
SELECT
    md5(concat($seed, '-', person_id, '-', session_no, '-', i)) AS message_id,
    CASE WHEN event_name = 'Page Viewed' THEN 'page' ELSE 'track' END AS type,
    event_name AS event,
    ts AS timestamp,
    ts AS original_timestamp,
    ts + INTERVAL 1 SECOND AS sent_at,
    ts + INTERVAL 2 SECOND AS received_at,
    'anon-' || person_id AS anonymous_id,
    CASE WHEN identified THEN 'user-' || person_id END AS user_id,
    person_id,
    CASE WHEN NOT on_web THEN 'app-' || person_id || '-' || session_no END AS session_id,
    CASE WHEN on_web THEN 'web' ELSE 'app' END AS channel,
    CASE WHEN on_web THEN 'analytics.js' ELSE 'ios' END AS source,
    CASE
        WHEN event_name = 'Page Viewed' THEN json_object('path', page_path)
        WHEN event_name = 'Order Completed' THEN json_object(
            'order_id', 'o-' || person_id || '-' || session_no, 'revenue', revenue,
            'currency', 'USD', 'products', 1)
        ELSE json_object('product_id', 'p' || product, 'price', price,
                         'category', ['shoes', 'jackets', 'bags', 'shirts'][product % 4 + 1])
    END AS properties,
    NULL::JSON AS traits,
    json_object('library', json_object('name', CASE WHEN on_web THEN 'analytics.js'
                                                    ELSE 'analytics-ios' END)) AS context,
    NULL AS group_id,
    NULL AS previous_id,
    CASE WHEN event_name = 'Page Viewed' THEN 'https://shop.example' || page_path END AS url,
    CASE WHEN event_name = 'Page Viewed' THEN page_path END AS path,
    NULL AS referrer,
    CASE WHEN i = 0 AND utm_draw < 0.15 THEN 'google'
         WHEN i = 0 AND utm_draw < 0.25 THEN 'newsletter'
         WHEN i = 0 AND utm_draw < 0.30 THEN 'facebook' END AS utm_source,
    CASE WHEN i = 0 AND utm_draw < 0.15 THEN 'cpc'
         WHEN i = 0 AND utm_draw < 0.25 THEN 'email'
         WHEN i = 0 AND utm_draw < 0.30 THEN 'social' END AS utm_medium,
    CASE WHEN i = 0 AND utm_draw < 0.30 THEN 'autumn_sale' END AS utm_campaign,
    CASE WHEN event_name IN ('Product Viewed', 'Product Added')
         THEN 'p' || product END AS product_id,
    CASE WHEN event_name = 'Order Completed' THEN revenue END AS revenue,
    CASE WHEN event_name = 'Order Completed' THEN 'USD' END AS currency
FROM (
    SELECT *,
           round(5 + (product % 97) * 1.5, 2) AS price,
           round((5 + (product % 97) * 1.5) * (1 + product % 3), 2) AS revenue,
           CASE WHEN i = 0 AND path_kind < 3 THEN '/'
                WHEN path_kind < 2 THEN '/catalog'
                WHEN path_kind < 4 THEN '/catalog/' || ['shoes', 'jackets', 'bags', 'shirts'][product % 4 + 1]
                WHEN path_kind < 6 THEN '/product/p' || product
                WHEN path_kind < 7 THEN '/search'
                ELSE '/cart' END AS page_path
    FROM timed
)
ORDER BY person_id, ts, i
LIMIT $remaining
"""

PERSONS_SQL = """
INSERT INTO persons (person_id, is_identified, first_seen_at, last_seen_at, traits, email,
                     country, signup_date, created_at, updated_at)
SELECT person_id, bool_or(user_id IS NOT NULL), min(timestamp), max(timestamp),
       json_object('country', ['US', 'DE', 'FR', 'GB', 'CN'][person_id % 5 + 1],
                   'plan', ['free', 'plus', 'pro'][person_id % 3 + 1]),
       CASE WHEN bool_or(user_id IS NOT NULL) THEN 'user-' || person_id || '@example.com' END,
       ['US', 'DE', 'FR', 'GB', 'CN'][person_id % 5 + 1],
       min(timestamp)::DATE, min(timestamp), max(timestamp)
FROM generated
GROUP BY person_id
"""


def _rss_mb() -> float:
    """The process's current resident set (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _size_mb(path: Path) -> float:
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


def generate(
    data: Dataset,
    *,
    chunk_events: int = CHUNK_EVENTS,
    memory_limit: str | None = None,
    log=print,
) -> dict:
    """Create the workspace and Parquet files of ``data`` (replacing a half-made folder),
    ``chunk_events`` events at a time; ``memory_limit`` is DuckDB's (default: DuckDB's)."""
    from journeylens.workspace import Workspace

    if data.folder.exists():
        shutil.rmtree(data.folder)
    data.folder.mkdir(parents=True)
    data.parquet.mkdir()
    Workspace.init(data.workspace).close()
    database = data.workspace / "journeylens.duckdb"
    con = duckdb.connect(str(database))
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET temp_directory = ?", [str(data.folder / "tmp")])
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    persons_per_chunk = max(10, int(chunk_events / EVENTS_PER_PERSON))
    timings: dict[str, float] = {}
    chunks: list[dict] = []

    def step(chunk: dict, name: str, sql: str, values: dict | None = None) -> None:
        started = time.perf_counter()
        con.execute(sql, values or {})
        seconds = time.perf_counter() - started
        chunk["seconds"][name] = seconds
        timings[name] = timings.get(name, 0.0) + seconds

    remaining, first_person = data.events, 1
    started = time.perf_counter()
    while remaining > 0:
        end_person = first_person + persons_per_chunk
        chunk: dict = {"persons": [first_person, end_person - 1], "seconds": {}}
        people = {"seed": data.seed, "first_person": first_person, "end_person": end_person}
        step(chunk, "generate people", PEOPLE_SQL, people)
        step(chunk, "generate sessions", SESSIONS_SQL, {"seed": data.seed})
        step(
            chunk,
            "generate events (sorted)",
            EVENTS_SQL,
            {"seed": data.seed, "remaining": remaining},
        )
        (rows,) = con.execute("SELECT count(*) FROM generated").fetchone()
        step(
            chunk, "insert events (PRIMARY KEY index)", "INSERT INTO events SELECT * FROM generated"
        )
        step(chunk, "insert persons", PERSONS_SQL)
        step(chunk, "checkpoint", "CHECKPOINT")
        part = data.parquet / f"part-{len(chunks):05d}.parquet"
        step(
            chunk,
            "write Parquet",
            f"COPY (SELECT * FROM generated) TO '{part}' (FORMAT parquet, COMPRESSION zstd)",
        )
        con.execute("DROP TABLE generated; DROP TABLE sessions; DROP TABLE people")
        remaining -= rows
        memory = dict(
            con.execute(
                "SELECT tag, memory_usage_bytes / 1e6 FROM duckdb_memory() "
                "WHERE memory_usage_bytes > 0"
            ).fetchall()
        )
        chunk.update(
            events=rows,
            events_so_far=data.events - remaining,
            duckdb_mb=database.stat().st_size / 1e6,
            duckdb_memory_mb=memory,
            rss_mb=_rss_mb(),
        )
        chunks.append(chunk)
        log(
            f"  chunk {len(chunks)}: {chunk['events_so_far']:,} events, "
            f"insert {chunk['seconds']['insert events (PRIMARY KEY index)']:.1f} s, "
            f"file {chunk['duckdb_mb']:,.0f} MB, ART index "
            f"{memory.get('ART_INDEX', 0.0):,.0f} MB, RSS {chunk['rss_mb']:,.0f} MB, "
            f"{time.perf_counter() - started:,.0f} s so far"
        )
        if rows == 0:  # cannot happen (every person has events); never loop forever
            break
        first_person = end_person
    con.execute(f"COPY persons TO '{data.persons_parquet}' (FORMAT parquet, COMPRESSION zstd)")
    stored, people = con.execute(
        "SELECT count(*), count(DISTINCT person_id) FROM events"
    ).fetchone()
    # Blocks freed by the per-chunk checkpoints stay in the file (it does not shrink).
    block_size, free_blocks = con.execute(
        "SELECT block_size, free_blocks FROM pragma_database_size()"
    ).fetchone()
    con.close()
    info = {
        "events": stored,
        "persons": people,
        "seed": data.seed,
        "chunk_events": chunk_events,
        "memory_limit": memory_limit,
        "seconds": timings,
        "total_seconds": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "duckdb_mb": database.stat().st_size / 1e6,
        "parquet_mb": _size_mb(data.parquet),
        "duckdb_free_mb": block_size * free_blocks / 1e6,
        "chunks": chunks,
    }
    data.marker.write_text(json.dumps(info, indent=2))
    return info
