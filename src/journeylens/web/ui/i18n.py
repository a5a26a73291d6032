"""UI text in English and Simplified Chinese: flat JSON catalogues, one file per page area.

``locales/<language>/<area>.json`` (``base.json`` for the layout, ``funnel.json`` for the
funnel builder...) are merged into one catalogue per language; keys start with their area.

``text(language)`` gives the lookup used by templates as ``_("nav.overview")``; a key
missing from a catalogue falls back to English, and a key missing from English shows
itself (``[nav.overview]``) so it is found at once (a test keeps the catalogues equal).
Placeholders use ``str.format`` names: ``_("customers.found", count=3)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"
_FOLDER = Path(__file__).parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for file in sorted((_FOLDER / language).glob("*.json")):
        merged.update(json.loads(file.read_text(encoding="utf-8")))
    return merged


def text(language: str) -> Callable[..., str]:
    chosen = catalogue(language if language in LANGUAGES else DEFAULT)
    english = catalogue(DEFAULT)

    def lookup(key: str, **values: object) -> str:
        template = chosen.get(key) or english.get(key) or f"[{key}]"
        return template.format(**values) if values else template

    return lookup


def choose(accept_language: str | None) -> str:
    """The UI language for a visitor who is not signed in, from ``Accept-Language``."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT
