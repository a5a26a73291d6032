"""Settings read once from the environment (``JOURNEYLENS_*``) and a ``.env`` file.

Workspace-specific settings (time zone, currency) live in the workspace's own
``config.toml`` and are read by :mod:`journeylens.workspace`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WORKSPACE = Path("journeylens-workspace")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNEYLENS_", env_file=".env", extra="ignore")

    workspace: Path = DEFAULT_WORKSPACE
    host: str = "127.0.0.1"
    port: int = 8750
    # Acknowledged but not yet loaded journal data beyond which requests get 503.
    max_journal_lag_mb: float = 256.0


def get_settings() -> Settings:
    return Settings()
