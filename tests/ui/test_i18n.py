"""UI text: both languages say everything, and every key a page asks for exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

from journeylens.web.ui import i18n

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


def test_lookup_falls_back_to_english_then_shows_the_key():
    assert i18n.text("zh")("nav.overview") == "概览"
    assert i18n.text("xx")("nav.overview") == "Overview"
    assert i18n.text("en")("no.such.key") == "[no.such.key]"
    assert i18n.choose("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert i18n.choose("fr-FR, en;q=0.5") == "en"
    assert i18n.choose(None) == "en"
