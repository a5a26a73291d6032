"""What a request turns into: canonical rows to store and rejections to report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class Rejection:
    index: int
    code: str
    message: str
    raw: str | None = None
    message_id: str | None = None

    def public(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "message": self.message}


@dataclass(slots=True)
class ParsedBatch:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def raw_text(message: Any, encoded: bytes | None = None, limit: int = 64 * 1024) -> str:
    """The payload kept in ``failed_events`` (truncated so a hostile body cannot bloat it)."""
    if encoded is None:
        try:
            encoded = orjson.dumps(message)
        except (orjson.JSONEncodeError, TypeError):
            try:
                encoded = repr(message).encode("utf-8", errors="replace")
            except RecursionError:
                encoded = b"<payload nested too deeply to keep>"
    return encoded[:limit].decode("utf-8", errors="replace")
