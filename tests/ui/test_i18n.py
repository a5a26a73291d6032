"""UI text: both languages say everything, and every key a page asks for exists."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from journeylens.web.ui import i18n
from tests.ui.conftest import CHINESE_ADMIN, signed_in

UI = Path(i18n.__file__).parent
KEY_USE = re.compile(r"""\b_\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")


def test_english_and_chinese_have_the_same_keys_in_every_file():
    for english in sorted((UI / "locales" / "en").glob("*.json")):
        chinese = UI / "locales" / "zh" / english.name
        assert chinese.exists(), f"locales/zh/{english.name} is missing"
        en, zh = json.loads(english.read_text()), json.loads(chinese.read_text())
        assert set(en) == set(zh), f"{english.name}: keys differ: {set(en) ^ set(zh)}"
        assert all(value.strip() for value in zh.values()), f"{english.name}: empty text in zh"
        for key in en:  # the same placeholders, so .format() works in both
            assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", zh[key])), key
    assert sorted(p.name for p in (UI / "locales" / "zh").glob("*.json")) == sorted(
        p.name for p in (UI / "locales" / "en").glob("*.json")
    )


def test_chinese_text_is_chinese():
    zh = i18n.catalogue("zh")
    han = sum(1 for value in zh.values() if re.search(r"[\u4e00-\u9fff]", value))
    assert han >= 0.9 * len(zh)


def test_every_key_used_in_templates_and_pages_exists():
    english = i18n.catalogue("en")
    sources = [*UI.glob("templates/*.html"), *UI.glob("pages/*.py"), *UI.glob("[!i]*.py")]
    used = {key for file in sources for key in KEY_USE.findall(file.read_text())}
    assert used, "no UI text keys found: the pattern is wrong"
    missing = sorted(used - set(english))
    assert not missing, f"keys used but not in locales/en: {missing}"


def test_every_value_of_the_fixed_vocabularies_has_a_label():
    from journeylens.analyses.stages import DEFAULT_MAPPING
    from journeylens.importers.mapping import KINDS
    from journeylens.ingest.normalize import CHANNELS, EVENT_TYPES

    vocabularies = {
        "channel": CHANNELS,
        "event_type": EVENT_TYPES,
        "import_kind": KINDS,
        "stage": [stage.name for stage in DEFAULT_MAPPING.stages],
    }
    for language in i18n.LANGUAGES:
        known = i18n.catalogue(language)
        for kind, values in vocabularies.items():
            missing = [v for v in values if f"value.{kind}.{v}" not in known]
            assert not missing, f"{language}: no label for {kind} {missing}"


def test_lookup_falls_back_to_english_then_shows_the_key():
    assert i18n.text("zh")("nav.overview") == "概览"
    assert i18n.text("xx")("nav.overview") == "Overview"
    assert i18n.text("en")("no.such.key") == "[no.such.key]"
    assert i18n.choose("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert i18n.choose("fr-FR, en;q=0.5") == "en"
    assert i18n.choose(None) == "en"


# ---- every page in Chinese: no missing key, no English UI text -----------------------------
MISSING_KEY = re.compile(r"\[[a-z][a-z0-9_]*\.[a-z0-9_.]+\]")
NAV_LINK = re.compile(r'<nav class="sidebar".*?</nav>', re.S)
HREF = re.compile(r'href="(/[^"?]*)')
PROFILE_LINK = re.compile(r'href="(/customers/[0-9]+)[?"]')
# Attributes a reader sees (a tooltip, a placeholder) or hears (a screen reader).
SEEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
PLACEHOLDER = re.compile(r"%\{[^}]*\}|<extra>.*?</extra>|<br>|[:·]")


class Visible(HTMLParser):
    """The UI text of a page: its text nodes and seen attributes outside scripts, styles and
    the customers' own data (elements marked ``dir="auto"``, ``<bdi>``, ``<code>``: names,
    event names, traits as sent); the JSON of each chart (a Plotly spec in ``<script
    type="application/json">``) separately."""

    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"})
    DATA = frozenset({"bdi", "code", "kbd", "pre", "samp", "textarea"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.charts: list[str] = []
        self._open: list[tuple[str, str | None]] = []  # (tag, "data"/"chart"/"skip"/None)

    def _inside(self) -> str | None:
        return next((kind for _, kind in reversed(self._open) if kind), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        kind: str | None = None
        if tag in ("script", "style"):
            kind = "chart" if found.get("type") == "application/json" else "skip"
        elif tag in self.DATA or found.get("dir") == "auto":
            kind = "data"
        if self._inside() is None and kind != "data":
            self.texts += [found[a].strip() for a in SEEN_ATTRIBUTES if found.get(a)]
        if tag not in self.VOID:
            self._open.append((tag, kind))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        inside = self._inside()
        if inside == "chart":
            self.charts.append(data)
        elif inside is None and data.strip():
            self.texts.append(" ".join(data.split()))


def chart_texts(spec: object) -> list[str]:
    """The strings a Plotly spec shows: titles, trace names, categories, tick texts and hover
    texts (their ``%{...}`` placeholders taken out)."""
    shown = {"text", "name", "ticktext", "title", "x", "y", "labels", "hovertemplate"}
    found: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key in shown:
            found.extend(part.strip() for part in PLACEHOLDER.split(value) if part.strip())

    walk(spec)
    return found


def english_only() -> set[str]:
    """The English UI strings the Chinese catalogue translates (words, not names or
    symbols such as "NPS", "JSON" or "%")."""
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    return {
        value
        for key, value in en.items()
        if zh.get(key) != value and re.search(r"[A-Za-z]{3}", value) and "{" not in value
    }


@pytest.fixture(scope="module")
def chinese(shop):
    client = signed_in(shop, CHINESE_ADMIN)
    try:
        yield client
    finally:
        client.close()


def chinese_pages(client) -> dict[str, str]:
    """Every page of the navigation, the transition graph and a few customers' 360s."""
    overview = client.get("/")
    assert overview.status_code == 200, overview.text
    nav = NAV_LINK.search(overview.text)
    assert nav, "no sidebar navigation on the overview"
    paths = [*dict.fromkeys(HREF.findall(nav.group(0))), "/paths/graph"]
    assert len(paths) >= 15, paths
    pages = {path: client.get(path) for path in paths}
    customers = pages["/customers"].text
    for profile in list(dict.fromkeys(PROFILE_LINK.findall(customers)))[:5]:
        pages[profile] = client.get(profile)
    assert len(pages) > len(paths), "the customers page links no customer"
    for path, page in pages.items():
        assert page.status_code == 200, (path, page.text[:500])
        assert 'lang="zh-Hans"' in page.text, path
    return {path: page.text for path, page in pages.items()}


def test_every_page_in_chinese_shows_no_missing_key_and_no_english_ui_text(chinese):
    english = english_only()
    vocabulary = {  # a raw value (``web``, ``completed``) where its label belongs
        value for key, value in i18n.catalogue("en").items() if key.startswith("value.")
    }
    vocabulary -= {"NPS"}
    problems = []
    for path, html in chinese_pages(chinese).items():
        problems += [f"{path}: missing key {key}" for key in MISSING_KEY.findall(html)]
        seen = Visible()
        seen.feed(html)
        texts = list(seen.texts)
        for chart in seen.charts:
            texts += chart_texts(json.loads(chart))
        for text in texts:
            if "`" in text:  # the catalogues quote commands in backticks for ``| code``
                problems.append(f"{path}: a backtick in {text!r}")
            if text in english:
                problems.append(f"{path}: English UI text {text!r}")
            elif text in vocabulary:
                problems.append(f"{path}: an untranslated value {text!r}")
    assert not problems, "\n".join(sorted(set(problems)))
