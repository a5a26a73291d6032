"""A segment's name → its members, as an Ibis table of ``person_id``.

Static segments are their stored list (``segment_members``). The expression is built, not
run (STYLE.md 2): an analysis joins it and the engine does the work.
"""

from __future__ import annotations

import ibis.expr.types as ir

from journeylens.analyses.base import Tables
from journeylens.analyses.errors import InputError
from journeylens.analyses.inputs import closest


class UnknownSegmentError(InputError):
    """No segment has the name given; the message names the closest one there is."""


def _segment_id(tables: Tables, name: str) -> str:
    segments = tables.table("segments")
    found = tables.execute(segments.filter(segments.name == name).select("segment_id"))
    if len(found):
        return str(found["segment_id"].iloc[0])
    known = [str(n) for n in tables.execute(segments.select("name"))["name"]]
    suggestion = closest(name, known)
    if suggestion is not None:
        raise UnknownSegmentError(f"Unknown segment {name!r}; did you mean {suggestion!r}?")
    if not known:
        raise UnknownSegmentError(
            f"Unknown segment {name!r}: this workspace has no segments yet "
            "(`journeylens segments list` shows them once there are some)."
        )
    raise UnknownSegmentError(
        f"Unknown segment {name!r}; `journeylens segments list` shows the {len(known)} there are."
    )


def persons(tables: Tables, name: str) -> ir.Table:
    """The members of the segment called ``name``: one row per ``person_id``."""
    segment_id = _segment_id(tables, name)
    members = tables.table("segment_members")
    return members.filter(members.segment_id == segment_id).select("person_id").distinct()
