"""Run each analysis on every engine: DuckDB (the default) and Spark (PySpark local mode).

A test takes the ``engine`` fixture and calls ``engine.run(ws, "funnel", steps=[...])``
instead of ``ws.funnel(...)``; the answer must be the same on every engine (DESIGN.md
decision 2). Spark tests carry the ``spark`` marker; CI runs them all.
"""

from __future__ import annotations

from typing import Any

import pytest

from journeylens.analyses import registry
from journeylens.analyses.base import Result, Tables
from journeylens.workspace import Workspace


class Engine:
    name = "duckdb"

    def tables(self, ws: Workspace) -> Tables:
        return ws.tables

    def run(self, ws: Workspace, analysis: str, *args: Any, **params: Any) -> Result:
        entry = registry.get(analysis)
        required = [n for n, f in entry.query.model_fields.items() if f.is_required()]
        params.update(zip(required, args, strict=False))
        return entry.run(self.tables(ws), entry.query.parse(params))


ENGINES = {"duckdb": Engine()}


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> Engine:
    if request.param not in ENGINES:
        pytest.fail(f"The {request.param} engine is not wired up yet (tests/analyses/conftest.py).")
    return ENGINES[request.param]
