"""What the running server holds: the open workspace, its writer, its keys and users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from threading import Lock

import duckdb

from journeylens.analyses.data_days import DataDays, data_days
from journeylens.plan.enforce import PlanStore
from journeylens.store.journal import Journal
from journeylens.store.keys import KeyStore
from journeylens.store.loader import Loader
from journeylens.store.users import UserStore
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace


@dataclass
class ServerState:
    workspace: Workspace
    writer: Writer
    keys: KeyStore
    users: UserStore
    plans: PlanStore
    journal: Journal
    loader: Loader
    max_lag_bytes: int
    today: date | None = None  # the day relative dates count from (None: the real today)
    _days: tuple[tuple[object, ...], DataDays] | None = field(default=None, repr=False)
    _days_lock: Lock = field(default_factory=Lock, repr=False)

    @contextmanager
    def cursor(self, *, caught_up: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one request (DuckDB connections are not shared across
        threads), closed afterwards; ``caught_up`` first waits until every event acknowledged
        before the request is loaded, so reads see it."""
        if caught_up:
            self.loader.wait_for(timeout=5.0)
        cursor = self.workspace.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def data_days(self) -> DataDays:
        """The activity per day (``data_days``), counted again only when events changed."""
        from journeylens.web import runs

        with self.cursor(caught_up=True) as cursor:
            key = cursor.execute("SELECT count(*), max(timestamp) FROM events").fetchone()
            with self._days_lock:
                if self._days is not None and self._days[0] == key:
                    return self._days[1]
            days = data_days(runs.tables(self, cursor))
        with self._days_lock:
            self._days = (key, days)
        return days
