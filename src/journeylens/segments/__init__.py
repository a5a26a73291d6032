"""Segments: which customers a question is about (docs/architecture.md "Segments").

The one selector every surface calls: :func:`persons` turns a segment's name into an Ibis
table of ``person_id`` (one row per member) on the workspace's own engine, so an analysis
restricted to a segment is a semi-join on ``person_id`` and runs on DuckDB and Spark alike.
The CLI, the HTTP API, the web UI and ``ws.<analysis>(segment=...)`` all come here; nothing
in the web layer knows how a segment is made.

Storing and listing segments is ``store/segments.py``; the rule language of dynamic segments
lives in this package.
"""

from journeylens.segments.select import UnknownSegmentError, persons

__all__ = ["UnknownSegmentError", "persons"]
