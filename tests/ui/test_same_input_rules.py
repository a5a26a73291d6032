"""The same input, the same answer on every surface (issue 12 item 4), and every page's CSV.

A small demo business (40 customers, its year of events ending 1 November 2026) is read by

* the CLI, run as a real subprocess on a copy of the workspace (no server: the CLI opens it);
* the CLI on the served workspace (the server owns it: the CLI asks the server);
* the HTTP API of a real ``journeylens serve``, by ``GET`` query string and ``POST`` body;
* the web page (HTML, and its ``format=json`` twin), signed in through the real form.

Each bad input must be refused on all of them with the same words: exit 1 with the message
on stderr, or status 400 with the message (in the JSON, or shown on the page). The CLI and
the server get ``JOURNEYLENS_TODAY``, so ``yesterday`` is a known day and nothing here reads
the real clock.

The CSV half: for each page with a JSON twin, ``format=csv`` (and each CSV link on the page)
is parsed with the csv module and compared, row by row, with the JSON twin's table.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, cli, create_key
from tests.ui.conftest import ADMIN, Shop, create_user, signed_in

TODAY = "2026-10-21"  # "today" for the CLI and the server: a day inside the demo's year
YESTERDAY = "2026-10-20"
ENV = {"JOURNEYLENS_TODAY": TODAY, "COLUMNS": "1000"}  # COLUMNS: the CLI prints on one line
FUNNEL = ("Product Viewed", "Checkout Started")
WINDOW_FORMS = (
    "write a number above zero and a unit w, d, h, m or s (e.g. 14d, 36h, 2w), or none for no "
    "limit."
)
DATE_FORMS = (
    "write 2026-03-01, 2026-03-01T09:30 (UTC), today, yesterday, -7d (7 days ago) or -2w "
    "(2 weeks ago)."
)


@dataclass(frozen=True)
class Tiny:
    shop: Shop  # the served workspace (``shop.workspace``) with its keys
    offline: Path  # a copy nobody serves: the CLI opens it itself


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tiny]:
    root = tmp_path_factory.mktemp("inputs")
    workspace = root / "tiny"
    cli(
        "demo", "--workspace", str(workspace), "--seed", "3", "--customers", "40",
        "--no-serve", "--json",
    )  # fmt: skip
    done = create_user(workspace, *ADMIN, "--role", "admin")
    assert done.returncode == 0, done.stderr
    read_key, admin_key = create_key(workspace, "read"), create_key(workspace, "admin")
    offline = root / "offline"
    shutil.copytree(workspace, offline)  # before the server opens it: a consistent copy
    server = Server(workspace, env=ENV).start(timeout=120)
    try:
        yield Tiny(Shop(server, workspace, read_key, admin_key), offline)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(tiny: Tiny) -> Iterator[httpx.Client]:
    client = signed_in(tiny.shop, ADMIN)
    try:
        yield client
    finally:
        client.close()


def one_line(text: str) -> str:
    return " ".join(text.split())


# ---- the surfaces --------------------------------------------------------------------
def cli_answer(workspace: Path, command: tuple[str, ...]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr (on one line) of ``journeylens <command>``."""
    done = cli(*command, "--workspace", str(workspace), "--format", "json", check=False, env=ENV)
    return done.returncode, done.stdout, one_line(done.stderr)


def api_get(tiny: Tiny, path: str, params: list[tuple[str, str]]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tiny.shop.read_key}"}
    return httpx.get(tiny.shop.url + path, params=params, headers=headers, timeout=120)


def api_post(tiny: Tiny, path: str, body: dict) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tiny.shop.read_key}"}
    return httpx.post(tiny.shop.url + path, json=body, headers=headers, timeout=120)


def json_message(body: dict) -> str:
    """The message of a refusal in JSON: the API's, an error page's, or a builder page's."""
    error = body.get("error")
    if isinstance(error, dict):
        return error["message"]
    return error or body["message"]


@dataclass(frozen=True)
class Bad:
    """One bad input, as each surface spells it, and the message all of them must give."""

    id: str
    command: tuple[str, ...]  # journeylens ...
    api: str  # /api/<path>
    params: tuple[tuple[str, str], ...]  # its query string, and the page's
    body: dict  # its POST body
    page: str | None  # the page that takes the same query string, if there is one
    message: str


def _funnel(*extra: tuple[str, str], steps: tuple[str, ...] = FUNNEL) -> tuple:
    return (*(("step", s) for s in steps), *extra)


BAD = [
    Bad(
        "reversed range",
        ("funnel", "--step", FUNNEL[0], "--step", FUNNEL[1], "--from", "2026-10-10",
         "--to", "2026-10-01"),
        "/api/funnels",
        _funnel(("from", "2026-10-10"), ("to", "2026-10-01")),
        {"steps": list(FUNNEL), "date_from": "2026-10-10", "date_to": "2026-10-01"},
        "/funnels",
        "The date range is reversed: from 2026-10-10 is after to 2026-10-01; put the earlier "
        "date first.",
    ),
    Bad(
        "window 0d",
        ("funnel", "--step", FUNNEL[0], "--step", FUNNEL[1], "--window", "0d"),
        "/api/funnels",
        _funnel(("window", "0d")),
        {"steps": list(FUNNEL), "window": "0d"},
        "/funnels",
        f"Window '0d': {WINDOW_FORMS}",
    ),
    Bad(
        "window 2weeks",
        ("funnel", "--step", FUNNEL[0], "--step", FUNNEL[1], "--window", "2weeks"),
        "/api/funnels",
        _funnel(("window", "2weeks")),
        {"steps": list(FUNNEL), "window": "2weeks"},
        "/funnels",
        f"Window '2weeks': {WINDOW_FORMS}",
    ),
    Bad(
        "unreadable date",
        ("funnel", "--step", FUNNEL[0], "--step", FUNNEL[1], "--from", "2026-13-45"),
        "/api/funnels",
        _funnel(("from", "2026-13-45")),
        {"steps": list(FUNNEL), "date_from": "2026-13-45"},
        "/funnels",
        f"The from date '2026-13-45' cannot be read: {DATE_FORMS}",
    ),
    Bad(
        "unknown funnel step",
        ("funnel", "--step", "Product Viewed", "--step", "Checkout Startd"),
        "/api/funnels",
        _funnel(steps=("Product Viewed", "Checkout Startd")),
        {"steps": ["Product Viewed", "Checkout Startd"]},
        "/funnels",
        "Unknown event 'Checkout Startd' in step 2; did you mean 'Checkout Started'?",
    ),
    Bad(
        "unknown retention start",
        ("retention", "--start", "Checkout Startd"),
        "/api/retention",
        (("start", "Checkout Startd"),),
        {"start": "Checkout Startd"},
        "/retention",
        "Unknown event 'Checkout Startd' in the start event; did you mean 'Checkout Started'?",
    ),
    Bad(
        "unknown paths start page",
        ("paths", "--start-event", "/cartt"),
        "/api/paths",
        (("start_event", "/cartt"),),
        {"start_event": "/cartt"},
        "/paths",
        "Unknown event '/cartt' in the start step; did you mean '/cart'?",
    ),
    Bad(
        "unknown trends event",
        ("trends", "--event", "Order Complete"),
        "/api/trends",
        (("event", "Order Complete"),),
        {"events": ["Order Complete"]},
        "/trends",
        "Unknown event 'Order Complete' in event 1; did you mean 'Order Completed'?",
    ),
    Bad(
        "unknown kpis conversion event",
        ("kpis", "--conversion-event", "Order Complete"),
        "/api/kpis",
        (("conversion_event", "Order Complete"),),
        {"conversion_event": "Order Complete"},
        None,  # the pages run kpis with the workspace's own conversion event
        "Unknown event 'Order Complete' in the conversion event; did you mean 'Order Completed'?",
    ),
    Bad(
        "unknown measure event",
        ("measures", "--measure", "count(Order Complete)"),
        "/api/measures",
        (("measures", "count(Order Complete)"),),
        {"measures": ["count(Order Complete)"]},
        None,  # the overview's tiles are its own measures, not typed
        "Unknown event 'Order Complete' in measure 1; did you mean 'Order Completed'?",
    ),
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD, ids=lambda bad: bad.id)
def test_a_bad_input_is_refused_with_the_same_words_everywhere(tiny, browser, bad):
    for workspace in (tiny.offline, tiny.shop.workspace):  # opened by the CLI; served
        code, out, err = cli_answer(workspace, bad.command)
        assert code == 1, (workspace.name, out, err)
        assert err == f"error: {bad.message}", workspace.name
    for response in (
        api_get(tiny, bad.api, list(bad.params)),
        api_post(tiny, bad.api, bad.body),
    ):
        assert response.status_code == 400, response.text
        assert response.json() == {"code": "invalid_query", "message": bad.message}
    if bad.page is None:
        return
    shown = browser.get(bad.page, params=list(bad.params))
    assert shown.status_code == 400
    assert shown.headers["content-type"].startswith("text/html")
    assert bad.message in html.unescape(shown.text)
    twin = browser.get(bad.page, params=[*bad.params, ("format", "json")])
    assert twin.status_code == 400
    assert json_message(twin.json()) == bad.message


def test_yesterday_is_the_day_before_the_servers_today_everywhere(tiny, browser):
    """``--from yesterday`` works, and means the same day on every surface."""
    for workspace in (tiny.offline, tiny.shop.workspace):
        code, out, err = cli_answer(workspace, ("kpis", "--from", "yesterday"))
        assert code == 0, err
        assert json.loads(out)["date_from"] == f"{YESTERDAY}T00:00:00"
    answer = api_get(tiny, "/api/kpis", [("from", "yesterday")])
    assert answer.status_code == 200, answer.text
    assert answer.json()["date_from"] == f"{YESTERDAY}T00:00:00"
    posted = api_post(tiny, "/api/kpis", {"date_from": "yesterday"})
    assert posted.json()["date_from"] == f"{YESTERDAY}T00:00:00"
    twin = browser.get("/trends", params={"from": "yesterday", "format": "json"})
    assert twin.status_code == 200, twin.text
    assert twin.json()["query"]["date_from"] == YESTERDAY
    shown = browser.get("/funnels", params={"from": "yesterday"})
    assert shown.status_code == 200
    assert f'value="{YESTERDAY}"' in shown.text  # the range picker shows the day it means


# ---- CSV ----------------------------------------------------------------------------
def cell(value: object) -> object:
    """What the CSV cell of a JSON value must read as (floats compared as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
    if isinstance(value, int | float):
        return float(value)
    return value  # a list or an object: JSON text


def assert_csv_is_the_table(response: httpx.Response, rows: list[dict]) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="journeylens-[a-z0-9-]+\.csv"',
        response.headers["content-disposition"],
    )
    read = list(csv.reader(io.StringIO(response.text)))
    if not rows:
        assert read == []
        return
    header, body = read[0], read[1:]
    assert header == list(dict.fromkeys(key for row in rows for key in row))
    assert len(body) == len(rows)
    for written, row in zip(body, rows, strict=True):
        for column, text in zip(header, written, strict=True):
            expected = cell(row.get(column))
            if isinstance(expected, float):
                assert float(text) == expected, (column, text)
            elif isinstance(expected, list | dict):
                assert json.loads(text) == expected, column
            else:
                assert text == expected, column


def table(data: dict, name: str) -> list[dict]:
    for key in name.split("."):
        data = data[key]
    return data  # type: ignore[return-value]


# Each page with a JSON twin, and its main table (the one format=csv gives).
PAGES = [
    ("/", "tiles"),
    ("/customers", "customers"),
    ("/customers/{person_id}", "timeline.events"),
    ("/data/failed", "failed_events"),
    ("/data/violations", "plan_violations"),
    ("/data/imports", "imports"),
    ("/data/keys", "keys"),
    ("/data/live", "events"),
    ("/funnels?step=Product+Viewed&step=Checkout+Started&breakdown=channel", "result.steps"),
    ("/insights", "insights"),
    ("/lifecycle", "periods"),
    ("/paths", "top_paths"),
    ("/paths/graph", "edges"),
    ("/retention", "cohorts"),
    ("/segments", "segments"),
    ("/stages", "stages"),
    ("/trends", "points"),
]
CSV_LINK = re.compile(r'<a class="csv-link" href="([^"]+)"')


@pytest.mark.parametrize(("url", "main"), PAGES, ids=[url for url, _ in PAGES])
def test_every_table_of_a_page_is_its_json_twins_table_as_csv(browser, url, main):
    if "{person_id}" in url:
        person = browser.get("/customers", params={"format": "json"}).json()["customers"][0]
        url = url.format(person_id=person["person_id"])
    joiner = "&" if "?" in url else "?"
    twin = browser.get(f"{url}{joiner}format=json")
    assert twin.status_code == 200, twin.text
    assert_csv_is_the_table(browser.get(f"{url}{joiner}format=csv"), table(twin.json(), main))
    links = [html.unescape(link) for link in CSV_LINK.findall(browser.get(url).text)]
    for link in links:  # the download link of each table on the page
        name = re.search(r"[?&]table=([^&]+)", link)
        assert name, link
        assert_csv_is_the_table(browser.get(link), table(twin.json(), name.group(1)))
    if table(twin.json(), main):
        assert links, "a table with rows and no CSV link"


def test_a_page_without_a_table_and_an_unknown_format_say_which_formats_there_are(browser):
    anonymous = httpx.get(f"{browser.base_url}/signin", params={"format": "csv"}, timeout=60)
    assert anonymous.status_code == 400
    assert anonymous.json()["message"] == (
        "This page has no table to give as CSV; it is given as html (the default) or json."
    )
    assert httpx.get(f"{browser.base_url}/signin", params={"format": "json"}).status_code == 200
    unknown = browser.get("/trends", params={"format": "xlsx"}, headers={"Accept": "*/*"})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == (
        "Format 'xlsx': a page is given as html (the default), json or csv (its main table; "
        "&table=NAME for another)."
    )
    no_such = browser.get("/stages", params={"format": "csv", "table": "nope"})
    assert no_such.status_code == 400
    assert json_message(no_such.json()) == (
        "This page has no table 'nope'; its tables are stages, transitions, distribution."
    )
