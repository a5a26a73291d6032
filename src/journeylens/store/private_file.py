"""Small JSON files of secrets' hashes beside the database (``keys.json``, ``users.json``).

They live outside DuckDB so the command line can change them while a server owns the
database; the server notices by the file's modification time. Writes are atomic (a
temporary file, fsync, rename) and the file is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_items(file: Path, key: str) -> list[dict[str, Any]]:
    """The list stored under ``key``; empty when the file does not exist yet."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return list(data.get(key, []))


def write_items(file: Path, key: str, items: list[dict[str, Any]]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({key: items}, out, indent=2, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, file)


def mtime(file: Path) -> float | None:
    try:
        return file.stat().st_mtime
    except FileNotFoundError:
        return None
