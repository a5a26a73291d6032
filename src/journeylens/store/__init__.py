"""The embedded DuckDB store: schema, writer (group commit), identity resolution."""
