"""The web UI in a real browser: sign-in, every page in the navigation, the language switch."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import MEMBER, open_tab

pytestmark = pytest.mark.browser


def test_signing_in_through_the_form_shows_the_dashboard_with_charts(tab):
    assert tab.page.url.rstrip("/") == tab.base_url
    assert tab.page.locator(".tile").count() == 7
    tab.page.wait_for_selector(".chart[data-drawn=true]")
    assert tab.page.locator(".chart[data-drawn=true] svg").count() >= 1
    tab.screenshot("overview")


def test_every_page_in_the_navigation_renders_without_errors(tab):
    links = tab.page.eval_on_selector_all(
        "nav.sidebar a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(links) >= 10
    for href in links:
        tab.goto(href)
        assert tab.page.locator("main h1").count() == 1, href
        assert tab.page.locator(".error").count() == 0, (
            f"{href}: {tab.page.locator('.error').first.inner_text()}"
        )
        name = href.split("?")[0].strip("/").replace("/", "-") or "overview"
        tab.screenshot(f"page-{name}")


def test_the_language_switch_turns_the_ui_chinese_and_back(chromium, shop):
    context, tab = open_tab(chromium, shop, MEMBER)
    try:
        page = tab.page
        with page.expect_navigation():  # the select submits its form on change
            page.select_option("select[name=language]", "zh")
        assert page.locator("nav.sidebar a").first.inner_text() == "概览"
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        tab.screenshot("overview-zh")
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
        assert page.locator("nav.sidebar a").first.inner_text() == "Overview"
    finally:
        context.close()
    assert not tab.errors, "\n".join(tab.errors)


def test_a_tablet_width_stacks_the_navigation_above_the_page(chromium, shop):
    from tests.ui.browser import TABLET
    from tests.ui.conftest import ADMIN

    context, tab = open_tab(chromium, shop, ADMIN, viewport=TABLET)
    try:
        nav = tab.page.locator("nav.sidebar").bounding_box()
        main = tab.page.locator("main").bounding_box()
        assert nav["y"] + nav["height"] <= main["y"] + 1  # above, not beside
        assert main["width"] > TABLET["width"] * 0.9
        tab.screenshot("overview-tablet")
    finally:
        context.close()
    assert not tab.errors, "\n".join(tab.errors)


def test_chinese_charts_name_channels_in_chinese_and_read_dates_as_month_and_day(chromium, shop):
    from journeylens.web.ui.i18n import labeller
    from tests.ui.conftest import CHINESE_ADMIN

    context, tab = open_tab(chromium, shop, CHINESE_ADMIN)
    try:
        page = tab.page
        page.wait_for_selector(".chart[data-drawn=true]")
        channels = page.locator("[data-chart=channel-events] .ytick text").all_text_contents()
        assert labeller("zh")("channel", "web") == "网站" and "网站" in channels, channels
        tab.goto("/trends")
        page.wait_for_selector(".chart[data-drawn=true]")
        ticks = page.locator(".chart[data-drawn=true] .xtick text").all_text_contents()
        assert ticks, "the trend chart has no date ticks"
        # plotly.js would write "Oct 4"; a Chinese page reads 10月4日.
        assert all(re.fullmatch(r"\d{1,2}月\d{1,2}日(\s*\d{4})?", t) for t in ticks), ticks
        tab.screenshot("trends-zh")
    finally:
        context.close()
    assert not tab.errors, "\n".join(tab.errors)
