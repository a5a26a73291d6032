"""Write tests as journeys: Segment messages through the real normalisation and store path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from journeylens.ingest import segment
from journeylens.ingest.normalize import utc_now
from journeylens.store.writer import Writer
from journeylens.workspace import Workspace


class Journeys:
    """An in-process workspace whose writer stores Segment messages."""

    def __init__(self, path: Path) -> None:
        self.ws = Workspace.init(path)
        self.writer = Writer(self.ws.con).start()

    def send(self, *messages: dict[str, Any], received_at: datetime | None = None) -> list[Any]:
        parsed = segment.parse_body(
            {"batch": list(messages)}, route_type=None, received_at=received_at or utc_now()
        )
        self.writer.write(parsed.rows)
        return parsed.rejected

    def person_of(self, distinct_id: str) -> int:
        rows = self.ws.con.execute(  # fetchall: an unfinished result blocks the connection
            "SELECT person_id FROM identities WHERE distinct_id = ?", [distinct_id]
        ).fetchall()
        row = rows[0] if rows else None
        assert row is not None, f"{distinct_id} has no person"
        return row[0]

    def persons_of_events(self, **where: str) -> set[int]:
        column, value = next(iter(where.items()))
        rows = self.ws.con.execute(
            f"SELECT DISTINCT person_id FROM events WHERE {column} = ?", [value]
        ).fetchall()
        return {r[0] for r in rows}

    def count(self, table: str) -> int:
        return self.ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        self.writer.stop()
        self.ws.close()


def track(event: str, *, user: str | None = None, anon: str | None = None, **extra: Any) -> dict:
    message = {"type": "track", "event": event, **extra}
    if user is not None:
        message["userId"] = user
    if anon is not None:
        message["anonymousId"] = anon
    return message


def identify(user: str, anon: str | None = None, **traits: Any) -> dict:
    message: dict[str, Any] = {"type": "identify", "userId": user, "traits": traits}
    if anon is not None:
        message["anonymousId"] = anon
    return message


def alias(previous: str, user: str) -> dict:
    return {"type": "alias", "previousId": previous, "userId": user}


def at(when: datetime, user: str, event: str, **extra: Any) -> dict:
    """A track call by ``user`` at ``when`` (naive UTC): ``at(T0 + hours(2), "ann", "Viewed")``."""
    stamp = when.isoformat() + ("Z" if when.tzinfo is None else "")
    return {"type": "track", "userId": user, "event": event, "timestamp": stamp, **extra}
