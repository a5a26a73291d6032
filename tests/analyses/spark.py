"""The Spark side of the ``engine`` fixture: a workspace's tables copied into PySpark local mode.

One SparkSession serves the whole test run (starting the JVM takes seconds). Each workspace
gets its own child session (``SparkSession.newSession()``: same JVM, its own temp views), so
two workspaces' ``events`` never meet. A workspace's tables are copied once and reused until
its content changes — module fixtures share a workspace across tests, and some tests add
events between two runs.

What the copy keeps (docs/architecture.md "Time"): naive-UTC ``TIMESTAMP`` columns become Spark
``TimestampType`` read in the session time zone UTC, so the wall clock is unchanged; JSON
columns become strings (Spark has no JSON type; ``analyses/dialect.py`` reads them).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from journeylens.analyses.base import Tables
    from journeylens.workspace import Workspace

TABLES = ("events", "persons", "orders", "order_items", "feedback", "identities")

# Tuned for many tiny queries on two cores, where JVM warm-up, not data, is the cost: one
# shuffle partition (the default 200 would schedule 200 tasks per GROUP BY), no whole-stage
# code generation (each new query shape would compile Java), and the JVM's quick C1 compiler
# with the serial collector (measured: about half the CPU time per query of the defaults).
SETTINGS = {
    "spark.master": "local[2]",
    "spark.app.name": "journeylens-tests",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


def start_session() -> tuple[SparkSession, float]:
    """A local SparkSession and the seconds it took to start."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    builder = SparkSession.builder
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session, time.perf_counter() - started


def fingerprint(ws: Workspace) -> tuple[Any, ...]:
    """Row count and an order-independent hash of every row of each copied table."""
    cursor = ws.con.cursor()
    try:
        return tuple(
            cursor.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {name} AS t").fetchone()
            for name in TABLES
        )
    finally:
        cursor.close()


def spark_schema(schema: ibis.Schema) -> Any:
    """The Spark schema of a DuckDB table: JSON as text, everything else as Ibis maps it."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    as_text = {name: dt.string if t.is_json() else t for name, t in schema.items()}
    return PySparkSchema.from_ibis(ibis.schema(as_text))


def copy_tables(ws: Workspace, session: SparkSession) -> None:
    """Each table of ``ws`` as a temp view of ``session`` (JSON cast to text in DuckDB)."""
    cursor = ws.con.cursor()  # its own connection: the workspace's may be mid-result
    try:
        for name in TABLES:
            schema = ws.table(name).schema()
            columns = ", ".join(
                f'CAST("{c}" AS VARCHAR) AS "{c}"' if t.is_json() else f'"{c}"'
                for c, t in schema.items()
            )
            data = cursor.sql(f"SELECT {columns} FROM {name}").to_arrow_table()
            frame = session.createDataFrame(data, schema=spark_schema(schema))
            frame.createOrReplaceTempView(name)
    finally:
        cursor.close()


class SparkWorkspaces:
    """Workspaces copied into one lazily started Spark session (see the module docstring)."""

    def __init__(self) -> None:
        self.session: SparkSession | None = None
        self.start_seconds: float | None = None
        self._backends: dict[str, tuple[tuple[Any, ...], ibis.BaseBackend]] = {}

    def start(self) -> SparkSession:
        if self.session is None:
            self.session, self.start_seconds = start_session()
        return self.session

    def stop(self) -> None:
        if self.session is not None:
            self.session.stop()
        self.session = None
        self._backends.clear()

    def backend(self, ws: Workspace) -> ibis.BaseBackend:
        key, current = str(ws.path.resolve()), fingerprint(ws)
        cached = self._backends.get(key)
        if cached is not None and cached[0] == current:
            return cached[1]
        session = self.start().newSession()
        copy_tables(ws, session)
        backend = ibis.pyspark.connect(session)
        self._backends[key] = (current, backend)
        return backend

    def tables(self, ws: Workspace) -> Tables:
        """The workspace's own ``Tables`` (time zone, currency, path...) on the Spark copy."""
        return dataclasses.replace(ws.tables, backend=self.backend(ws))
