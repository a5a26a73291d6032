"""UI text in English and Simplified Chinese: flat JSON catalogues, one file per page area.

``locales/<language>/<area>.json`` (``base.json`` for the layout, ``funnel.json`` for the
funnel builder...) are merged into one catalogue per language; keys start with their area.

``text(language)`` gives the lookup used by templates as ``_("nav.overview")``; a key
missing from a catalogue falls back to English, and a key missing from English shows
itself (``[nav.overview]``) so it is found at once (a test keeps the catalogues equal),
unless the caller gives a ``default``. ``labeller(language)`` names the values of fixed
vocabularies (``label("channel", "web")``), as templates' ``label``.
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

    def lookup(key: str, default: str | None = None, **values: object) -> str:
        template = chosen.get(key) or english.get(key)
        if template is None:
            template = f"[{key}]" if default is None else default
        return template.format(**values) if values else template

    return lookup


def labeller(language: str) -> Callable[[str, object], str]:
    """``label("channel", "web")``: a value of a fixed vocabulary (channels, default stage
    names, order statuses...) in the user's language, from ``locales/*/values.json``
    (``value.<kind>.<value>``); a value the catalogue does not know (a stage the workspace
    named itself) shows as it is."""
    lookup = text(language)

    def label(kind: str, value: object) -> str:
        if value is None:
            return ""
        return lookup(f"value.{kind}.{value}", default=str(value))

    return label


def vocabulary(language: str, *kinds: str) -> dict[str, dict[str, str]]:
    """Every known value of each of ``kinds`` with its label, for a script that labels
    values arriving after the page (``{"channel": {"web": "网站", ...}}``)."""
    lookup = text(language)
    english = catalogue(DEFAULT)
    return {
        kind: {
            key.removeprefix(f"value.{kind}."): lookup(key)
            for key in english
            if key.startswith(f"value.{kind}.")
        }
        for kind in kinds
    }


def choose(accept_language: str | None) -> str:
    """The UI language for a visitor who is not signed in, from ``Accept-Language``."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT
