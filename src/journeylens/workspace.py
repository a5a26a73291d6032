"""A workspace: one directory holding the DuckDB file, its config and its keys.

::

    ws = journeylens.open("shop")        # creates nothing; use Workspace.init for that
    ws.events                            # an Ibis table
    ws.events.filter(ws.events.event == "Order Completed").to_pandas()

The tables as properties: ``events``, ``persons``, ``identities``, ``orders``,
``order_lines`` (the store's ``order_items``), ``feedback``, ``failed_events`` and
``person_merges``; any table by name with ``ws.table(name)``.

DuckDB allows one writing process per database file (ADR 0001). While
``journeylens serve`` owns a workspace, other processes cannot open it; they get
:class:`WorkspaceInUseError`, which names the running server so the caller can
use its HTTP API instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis

from journeylens.analyses import inputs, registry
from journeylens.analyses.base import NOT_ACTIVITY, Result, Tables
from journeylens.store import schema

DB_FILE = "journeylens.duckdb"
CONFIG_FILE = "config.toml"
KEYS_FILE = "keys.json"
SERVER_FILE = "server.json"

DEFAULT_CONFIG = """\
# journeylens workspace settings
[workspace]
# Days, weeks (ISO, Monday first) and months are cut in this time zone.
timezone = "UTC"
# Revenue is summed per currency; this one is shown by default.
currency = "USD"

[activity]
# Events the business does to a customer, or a system reports about them: not something the
# customer did. They never make a customer "active", start a session or appear in paths,
# lifecycle, stickiness, retention or journey stages unless a query names them (a funnel step
# "Email Sent" still counts). See docs/analyses.md "Customer activity".
not_activity = [
  "Email Sent", "Email Delivered", "Email Bounced", "Push Notification Sent", "SMS Sent",
  "Order Delivered", "Order Shipped", "Order Refunded", "Support Ticket Resolved",
]

[engine]
# The most memory DuckDB may hold for one process (the server, or a CLI command) before it
# spills to disk beside the database file: a size such as "3GB" or "500MB", or a share of
# this machine's memory such as "50%". More is faster on big workspaces.
memory_limit = "3GB"
"""

TABLES = (
    "events",
    "persons",
    "identities",
    "orders",
    "order_items",
    "feedback",
    "failed_events",
    "plan_violations",
    "person_merges",
)


class WorkspaceNotFoundError(FileNotFoundError):
    pass


class WorkspaceConfigError(ValueError):
    """config.toml cannot be used as it is; the message says what to fix."""


class WorkspaceInUseError(RuntimeError):
    """The DuckDB file is locked by another process (normally ``journeylens serve``)."""

    def __init__(self, path: Path, server: dict[str, Any] | None, detail: str) -> None:
        self.path = path
        self.server = server
        if server:
            where = f"http://{server.get('host')}:{server.get('port')} (pid {server.get('pid')})"
            message = (
                f"Workspace {path} is in use by a running journeylens server at {where}. "
                "Stop the server to open the workspace directly, or query it through its "
                "HTTP API."
            )
        else:
            message = f"Workspace {path} is locked by another process: {detail}"
        super().__init__(message)


# DuckDB's default is 80 % of the machine's memory; a bounded default keeps a laptop usable
# and an analysis of 10M events under 4 GB (benchmarks/RESULTS.md: same answers, paths 3 %
# slower at 10M events).
DEFAULT_MEMORY_LIMIT = "3GB"
MEMORY_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB|%)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class WorkspaceConfig:
    timezone: str = "UTC"
    currency: str = "USD"
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    not_activity: tuple[str, ...] = NOT_ACTIVITY

    @classmethod
    def load(cls, path: Path) -> WorkspaceConfig:
        file = path / CONFIG_FILE
        if not file.exists():
            return cls()
        try:
            document = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise WorkspaceConfigError(f"{file}: not valid TOML ({error}).") from None
        data = document.get("workspace", {})
        engine = document.get("engine", {})
        memory_limit = str(
            engine.get("memory_limit", DEFAULT_MEMORY_LIMIT) if isinstance(engine, dict) else engine
        )
        if not MEMORY_SIZE.fullmatch(memory_limit):
            raise WorkspaceConfigError(
                f"{file}: [engine] memory_limit = {memory_limit!r} is not a size; use one "
                'such as "3GB", "500MB" or "50%".'
            )
        timezone = str(data.get("timezone", "UTC"))
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise WorkspaceConfigError(
                f"{file}: unknown time zone {timezone!r}; use an IANA name such as "
                "'Europe/Paris' or 'Asia/Shanghai'."
            ) from None
        return cls(
            timezone=timezone,
            currency=str(data.get("currency", "USD")),
            memory_limit=memory_limit,
            not_activity=_not_activity(file, document.get("activity", {})),
        )


def _not_activity(file: Path, section: Any) -> tuple[str, ...]:
    """``[activity] not_activity``: a list of event names (default: ``NOT_ACTIVITY``)."""
    if not isinstance(section, dict) or "not_activity" not in section:
        return NOT_ACTIVITY
    names = section["not_activity"]
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise WorkspaceConfigError(
            f"{file}: [activity] not_activity must be a list of event names, such as "
            '["Email Sent", "Order Delivered"] ([] counts every event as activity).'
        )
    return tuple(names)


def read_server_file(path: Path) -> dict[str, Any] | None:
    """The running server's address (and local admin token), if one is recorded and alive."""
    file = Path(path) / SERVER_FILE
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = info.get("pid")
    if not isinstance(pid, int):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return info


def connect(
    path: Path, *, read_only: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """Open the workspace's DuckDB file, translating lock errors into a useful message.

    ``memory_limit`` bounds DuckDB's memory for this process (config.toml ``[engine]``);
    work beyond it spills to ``journeylens.duckdb.tmp`` beside the file.
    """
    db = Path(path) / DB_FILE
    try:
        con = duckdb.connect(str(db), read_only=read_only, config={"memory_limit": memory_limit})
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WorkspaceInUseError(Path(path), read_server_file(path), str(error)) from None
        raise
    # No progress bar: DuckDB would draw it on our stdout in the middle of CLI output.
    con.execute("SET enable_progress_bar = false")
    return con


class Workspace:
    """An open workspace: the DuckDB connection and the tables as Ibis expressions."""

    def __init__(
        self,
        path: Path,
        con: duckdb.DuckDBPyConnection,
        *,
        read_only: bool,
        config: WorkspaceConfig,
    ) -> None:
        self.path = Path(path)
        self.con = con
        self.read_only = read_only
        self.config = config
        self._ibis: ibis.BaseBackend | None = None

    # ---- lifecycle -----------------------------------------------------------------
    @classmethod
    def init(cls, path: str | os.PathLike[str]) -> Workspace:
        """Create the workspace directory, its config and schema (idempotent)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = path / CONFIG_FILE
        if not config.exists():
            config.write_text(DEFAULT_CONFIG, encoding="utf-8")
        settings = WorkspaceConfig.load(path)
        con = connect(path, memory_limit=settings.memory_limit)
        schema.migrate(con)
        replay_journal(path, con)
        return cls(path, con, read_only=False, config=settings)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, read_only: bool = False) -> Workspace:
        path = Path(path)
        if not (path / DB_FILE).exists():
            raise WorkspaceNotFoundError(
                f"No journeylens workspace at {path}. Create one with "
                f"`journeylens init --workspace {path}` (or `journeylens serve`, which creates it)."
            )
        settings = WorkspaceConfig.load(path)
        con = connect(path, read_only=read_only, memory_limit=settings.memory_limit)
        if read_only:
            schema.check_version(con)
        else:
            schema.migrate(con)
            replay_journal(path, con)
        return cls(path, con, read_only=read_only, config=settings)

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis = None
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- tables --------------------------------------------------------------------
    @property
    def backend(self) -> ibis.BaseBackend:
        """The Ibis backend over this workspace's connection."""
        if self._ibis is None:
            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> ibis.Table:
        return self.backend.table(name)

    @property
    def events(self) -> ibis.Table:
        return self.table("events")

    @property
    def persons(self) -> ibis.Table:
        return self.table("persons")

    @property
    def orders(self) -> ibis.Table:
        """One row per order (from ``Order Completed`` events and imported order files)."""
        return self.table("orders")

    @property
    def order_lines(self) -> ibis.Table:
        """The products of each order, one row per line (the store table ``order_items``)."""
        return self.table("order_items")

    @property
    def feedback(self) -> ibis.Table:
        """Reviews, surveys, NPS answers and other things customers said."""
        return self.table("feedback")

    @property
    def identities(self) -> ibis.Table:
        return self.table("identities")

    @property
    def failed_events(self) -> ibis.Table:
        return self.table("failed_events")

    @property
    def person_merges(self) -> ibis.Table:
        return self.table("person_merges")

    # ---- analyses ------------------------------------------------------------------
    @property
    def tables(self) -> Tables:
        """The tables for analyses, with the workspace's time zone and currency."""
        return Tables(
            self.backend,
            timezone=self.config.timezone,
            currency=self.config.currency,
            path=self.path,
            not_activity=self.config.not_activity,
        )

    def analyse(self, name: str, *args: Any, **params: Any) -> Result:
        """Run the analysis ``name`` (see ``journeylens.analyses.registry``).

        Positional arguments fill the query's required fields in order, so
        ``ws.analyse("funnel", ["Viewed", "Ordered"], window="7d")`` works, as does
        ``ws.funnel(["Viewed", "Ordered"])``. Relative dates (``date_from="-7d"``) count from
        today in the workspace time zone. An event name no event has gives zeros here; the
        CLI and the HTTP API refuse it first (``inputs.check_events``).
        """
        analysis = registry.get(name)
        required = [n for n, f in analysis.query.model_fields.items() if f.is_required()]
        if len(args) > len(required):
            raise TypeError(f"{name}() takes {len(required)} positional argument(s): {required}")
        params.update(zip(required, args, strict=False))
        query = analysis.query.parse(params, today=inputs.today(self.config.timezone))
        return analysis.run(self.tables, query)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in registry.analyses():
            raise AttributeError(name)
        return functools.partial(self.analyse, name)

    # ---- summaries -----------------------------------------------------------------
    def status(self, *, top_events: int = 20) -> dict[str, Any]:
        return workspace_status(self.con, top_events=top_events) | {"path": str(self.path)}


def replay_journal(path: Path, con: duckdb.DuckDBPyConnection) -> int:
    """Load what a server acknowledged but had not loaded when it died (ADR 0004).

    Returns the number of journal bytes loaded; cheap when there is nothing to do.
    """
    folder = Path(path) / "journal"
    if not folder.is_dir() or not any(folder.glob("*.jsonl")):
        return 0
    from journeylens.store.journal import Journal
    from journeylens.store.loader import Loader
    from journeylens.store.writer import Writer

    journal = Journal(folder)
    writer = Writer(con).start()
    loader = Loader(journal, writer, con)
    pending = loader.lag_bytes
    if pending:
        loader.start()
        loader.wait_for(journal.durable, timeout=600)
        loader.stop()
    journal.stop()
    writer.stop()
    return pending


def workspace_status(con: duckdb.DuckDBPyConnection, *, top_events: int = 20) -> dict[str, Any]:
    """Table counts, event-name counts and the time range: the ``status`` command's data."""
    cur = con.cursor()
    counts = {
        table: int(cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]
        for table in TABLES
    }
    first, last = cur.execute("SELECT min(timestamp), max(timestamp) FROM events").fetchone()  # type: ignore[misc]
    names = cur.execute(
        "SELECT coalesce(event, '(' || type || ')') AS name, count(*) AS n FROM events"
        " GROUP BY ALL ORDER BY n DESC, name LIMIT ?",
        [top_events],
    ).fetchall()
    cur.close()
    return {
        "tables": counts,
        "time_range": {
            "first": first.isoformat() if first else None,
            "last": last.isoformat() if last else None,
        },
        "events_by_name": [{"event": name, "count": int(n)} for name, n in names],
    }


def open(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Workspace:
    """Open an existing workspace; ``path`` defaults to ``JOURNEYLENS_WORKSPACE``."""
    if path is None:
        from journeylens.config import get_settings

        path = get_settings().workspace
    return Workspace.open(path, read_only=read_only)
