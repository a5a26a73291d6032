"""Run each analysis on every engine: DuckDB (the default) and Spark (PySpark local mode).

A test takes the ``engine`` fixture and calls ``engine.run(ws, "funnel", steps=[...])``
instead of ``ws.funnel(...)``; the answer must be the same on every engine (docs/architecture.md
decision 2). Spark tests carry the ``spark`` marker; CI runs them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from journeylens.analyses import registry
from journeylens.analyses.base import Result, Tables
from journeylens.workspace import Workspace
from tests.analyses.spark import SparkWorkspaces


class Engine:
    name = "duckdb"

    def tables(self, ws: Workspace) -> Tables:
        return ws.tables

    def run(self, ws: Workspace, analysis: str, *args: Any, **params: Any) -> Result:
        entry = registry.get(analysis)
        required = [n for n, f in entry.query.model_fields.items() if f.is_required()]
        params.update(zip(required, args, strict=False))
        return entry.run(self.tables(ws), entry.query.parse(params))


class SparkEngine(Engine):
    """The same analyses on a copy of the workspace in PySpark local mode (``spark.py``)."""

    name = "spark"

    def __init__(self) -> None:
        self.spark = SparkWorkspaces()

    def tables(self, ws: Workspace) -> Tables:
        return self.spark.tables(ws)


ENGINES = {"duckdb": Engine(), "spark": SparkEngine()}


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[SparkEngine]:
    """The one Spark session of the test run, started by the first Spark test, then stopped."""
    engine = ENGINES["spark"]
    assert isinstance(engine, SparkEngine)
    engine.spark.start()
    yield engine
    engine.spark.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "spark":
        return request.getfixturevalue("spark_engine")
    return ENGINES[request.param]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    spark = ENGINES["spark"]
    if isinstance(spark, SparkEngine) and spark.spark.start_seconds is not None:
        terminalreporter.write_line(
            f"spark: local session started in {spark.spark.start_seconds:.1f} s"
        )
