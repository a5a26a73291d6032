"""People who sign in to the web UI, stored with argon2id password hashes.

Users live in ``users.json`` in the workspace, beside ``keys.json`` and for the same reason:
``journeylens users create`` works while a server owns the database, and the server sees the
change at once (it re-reads the file when its modification time changes). Passwords are
hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended profile); a
hash made with older parameters is upgraded on the next successful sign-in.

Roles: ``admin`` (everything, including write keys) and ``member`` (every page and
analysis; the same rights as a read key).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from journeylens.store import private_file

ROLES = ("admin", "member")
LANGUAGES = ("en", "zh")
MIN_PASSWORD_LENGTH = 8
NAME_PATTERN = re.compile(r"^[\w.@+-]{1,64}$")

_hasher = PasswordHasher()
# Verifying against this when the name is unknown takes as long as a real check, so the
# time a failed sign-in takes does not tell whether the user exists.
_DUMMY_HASH = _hasher.hash("journeylens: no such user")


class UserError(ValueError):
    """A request about users that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str
    language: str = "en"
    created_at: str = ""

    @property
    def key_kind(self) -> str:
        """The key kind whose rights this user has on the JSON API."""
        return "admin" if self.role == "admin" else "read"


class UserStore:
    def __init__(self, workspace: Path) -> None:
        self.file = Path(workspace) / "users.json"
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._by_name: dict[str, User] = {}

    # ---- file ----------------------------------------------------------------------
    def _read(self) -> list[User]:
        return [User(**item) for item in private_file.read_items(self.file, "users")]

    def _write(self, users: list[User]) -> None:
        private_file.write_items(self.file, "users", [asdict(item) for item in users])

    def _update(self, name: str, **changes: str) -> User:
        with self._lock:
            users = self._read()
            for index, user in enumerate(users):
                if user.name == name:
                    users[index] = replace(user, **changes)
                    self._write(users)
                    return users[index]
        raise UserError(f"No user named {name!r}; `journeylens users list` shows them.")

    # ---- commands ------------------------------------------------------------------
    def list(self) -> list[User]:
        return self._read()

    def get(self, name: str) -> User | None:
        with self._lock:
            self._refresh()
            return self._by_name.get(name)

    def create(
        self, name: str, password: str, *, role: str = "member", language: str = "en"
    ) -> User:
        if not NAME_PATTERN.match(name):
            raise UserError(f"A user name is 1–64 letters, digits or . _ @ + - (got {name!r}).")
        if role not in ROLES:
            raise UserError(f"Unknown role {role!r}; use one of: {', '.join(ROLES)}.")
        if language not in LANGUAGES:
            raise UserError(f"Unknown language {language!r}; use one of: {', '.join(LANGUAGES)}.")
        check_password(password)
        user = User(
            name=name,
            role=role,
            password_hash=_hasher.hash(password),
            language=language,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            users = self._read()
            if any(u.name == name for u in users):
                raise UserError(
                    f"A user named {name!r} exists; `journeylens users password {name}` changes "
                    "the password."
                )
            self._write([*users, user])
        return user

    def set_password(self, name: str, password: str) -> User:
        check_password(password)
        return self._update(name, password_hash=_hasher.hash(password))

    def set_language(self, name: str, language: str) -> User:
        if language not in LANGUAGES:
            raise UserError(f"Unknown language {language!r}; use one of: {', '.join(LANGUAGES)}.")
        return self._update(name, language=language)

    def delete(self, name: str) -> None:
        with self._lock:
            users = self._read()
            kept = [u for u in users if u.name != name]
            if len(kept) == len(users):
                raise UserError(f"No user named {name!r}; `journeylens users list` shows them.")
            self._write(kept)

    # ---- verification (server side) ---------------------------------------------------
    def _refresh(self) -> None:
        mtime = private_file.mtime(self.file)
        if mtime != self._mtime:
            self._by_name = {u.name: u for u in self._read()}
            self._mtime = mtime

    def verify(self, name: str, password: str) -> User | None:
        """The user, if ``password`` is theirs; ``None`` otherwise (same time either way)."""
        user = self.get(name)
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user = self._update(name, password_hash=_hasher.hash(password))
        return user


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if password != password.strip():
        raise UserError("A password may not start or end with spaces (a pasted newline?).")
