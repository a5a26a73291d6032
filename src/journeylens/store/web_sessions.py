"""Sign-in sessions: a random token in an HttpOnly cookie, its SHA-256 in ``ui_sessions``.

Each session carries its own CSRF token: forms send it as ``csrf_token``, scripts as the
``X-CSRF-Token`` header, and every state-changing request signed in by cookie must match it.
Sessions last :data:`LIFETIME`; signing out deletes the row, so a stolen cookie stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

COOKIE = "jl_session"
LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Session:
    user_name: str
    csrf_token: str
    expires_at: datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token, sent or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start(con: duckdb.DuckDBPyConnection, user_name: str) -> tuple[str, Session]:
    """A new session for ``user_name``: the cookie token (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    session = Session(user_name, secrets.token_urlsafe(24), _now() + LIFETIME)
    con.execute(
        "INSERT INTO ui_sessions VALUES (?, ?, ?, ?, ?)",
        [_digest(token), user_name, session.csrf_token, _now(), session.expires_at],
    )
    # Expired sessions go when new ones come.
    con.execute("DELETE FROM ui_sessions WHERE expires_at < ?", [_now()])
    return token, session


def find(con: duckdb.DuckDBPyConnection, token: str | None) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = con.execute(
        "SELECT user_name, csrf_token, expires_at FROM ui_sessions"
        " WHERE token_sha256 = ? AND expires_at > ?",
        [_digest(token), _now()],
    ).fetchone()
    return Session(*row) if row else None


def end(con: duckdb.DuckDBPyConnection, token: str | None) -> None:
    if token:
        con.execute("DELETE FROM ui_sessions WHERE token_sha256 = ?", [_digest(token)])
