"""The embedded DuckDB store: schema, journal and loader, writer (group commit), identity resolution."""
