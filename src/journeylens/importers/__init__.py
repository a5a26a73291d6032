"""File importers: events, contacts, orders and feedback from CSV, JSON Lines or Parquet.

Each importer maps a file's rows onto the same messages the collector accepts and
stores them through the same normalisation and writer, so an imported event is
indistinguishable from one an SDK sent (docs/architecture.md "How data flows").
"""
