"""Analyses: each module holds a typed query, ``build(tables, query) -> ibis.Table`` and a result.

Built first, run later (STYLE.md principle 2): ``build`` returns an Ibis expression that
runs on DuckDB (the default) or any other Ibis backend; ``run`` executes it and shapes
the typed result that the Python API, the CLI and the HTTP API all return.
"""
