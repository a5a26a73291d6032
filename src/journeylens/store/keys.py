"""API keys: write keys (ingest only) and admin keys (everything), stored hashed.

Keys live in ``keys.json`` in the workspace rather than in DuckDB, so that
``journeylens keys create`` works while a server owns the database; the server
re-reads the file when it changes. Keys are 32 random bytes, so a plain SHA-256
is the right hash (a slow KDF protects guessable passwords, not random tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from journeylens.store import private_file

KINDS = ("write", "read", "admin")
PREFIX = {"write": "jlw_", "read": "jlr_", "admin": "jla_"}


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    kind: str
    name: str
    sha256: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    def __init__(self, workspace: Path) -> None:
        self.file = Path(workspace) / "keys.json"
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._by_digest: dict[str, ApiKey] = {}
        self._extra: dict[str, str] = {}  # digest -> kind, for the server's local token

    # ---- file ----------------------------------------------------------------------
    def _read(self) -> list[ApiKey]:
        return [ApiKey(**item) for item in private_file.read_items(self.file, "keys")]

    def _write(self, keys: list[ApiKey]) -> None:
        private_file.write_items(self.file, "keys", [asdict(item) for item in keys])

    def list(self) -> list[ApiKey]:
        return self._read()

    def create(self, kind: str, name: str = "") -> tuple[ApiKey, str]:
        if kind not in KINDS:
            raise ValueError(f"Unknown key kind {kind!r}; use one of: {', '.join(KINDS)}.")
        secret = PREFIX[kind] + secrets.token_urlsafe(32)
        key = ApiKey(
            key_id=secrets.token_hex(4),
            kind=kind,
            name=name,
            sha256=_digest(secret),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            self._write([*self._read(), key])
        return key, secret

    def revoke(self, key_id: str) -> ApiKey:
        with self._lock:
            keys = self._read()
            for index, key in enumerate(keys):
                if key.key_id == key_id:
                    revoked = ApiKey(**{**asdict(key), "revoked_at": datetime.now(UTC).isoformat()})
                    keys[index] = revoked
                    self._write(keys)
                    return revoked
        raise KeyError(f"No key with id {key_id!r}; `journeylens keys list` shows the ids.")

    # ---- verification (server side) ---------------------------------------------------
    def add_token(self, secret: str, kind: str) -> None:
        """A key known only to this process (the server's local admin token)."""
        self._extra[_digest(secret)] = kind

    def _refresh(self) -> None:
        mtime = private_file.mtime(self.file)
        if mtime != self._mtime:
            self._by_digest = {k.sha256: k for k in self._read() if k.active}
            self._mtime = mtime

    def kind_of(self, secret: str | None) -> str | None:
        """``"write"``, ``"admin"`` or ``None`` for a missing/unknown/revoked key."""
        if not secret:
            return None
        digest = _digest(secret)
        with self._lock:
            self._refresh()
            key = self._by_digest.get(digest)
        if key is not None:
            return key.kind
        for known, kind in self._extra.items():
            if hmac.compare_digest(known, digest):
                return kind
        return None
