"""Settings read once from the environment (``JOURNEYLENS_*``) and a ``.env`` file.

Workspace-specific settings (time zone, currency, DuckDB's memory limit) live in the
workspace's own ``config.toml`` and are read by :mod:`journeylens.workspace`. The server's
address is an option of ``serve`` and ``demo`` (``--host``/``--port``, or ``JOURNEYLENS_HOST``
and ``JOURNEYLENS_PORT``). ``JOURNEYLENS_TODAY=2026-03-10`` makes that day "today" for relative
dates (``yesterday``, ``-7d``) on the CLI and the server: a report re-run as of a day, and tests
that need no real clock.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WORKSPACE = Path("journeylens-workspace")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNEYLENS_", env_file=".env", extra="ignore")

    workspace: Path = DEFAULT_WORKSPACE
    # Acknowledged but not yet loaded journal data beyond which requests get 503.
    max_journal_lag_mb: float = 256.0
    # The day relative dates count from; default: today in the workspace time zone.
    today: date | None = None


def get_settings() -> Settings:
    return Settings()
