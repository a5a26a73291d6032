"""One small demo business served by a real ``journeylens serve`` process, for the UI tests.

``shop`` is loaded once per test session (``journeylens demo --customers 2000``), with an
admin, a member and an admin who reads the UI in Chinese (``CHINESE_ADMIN``) created through ``journeylens users create`` (password on stdin) and a
read key for the JSON API. ``signed_in(shop, user)`` gives an httpx client with a session
cookie, signed in through the real form; ``form_token(page)`` reads a page's CSRF token.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, cli, create_key

DEMO_SEED, DEMO_CUSTOMERS = 11, 2000
ADMIN, MEMBER = ("ada", "correct horse battery"), ("mei", "梅花香自苦寒来-2026")
CHINESE_ADMIN = ("lin", "春眠不觉晓-处处闻啼鸟")  # an admin whose UI language is zh


@dataclass
class Shop:
    server: Server
    workspace: Path
    read_key: str
    admin_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, path: str, **params: object) -> dict:
        response = httpx.get(
            self.url + path,
            params=params,
            headers={"Authorization": f"Bearer {self.read_key}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()


def create_user(
    workspace: Path, name: str, password: str, *extra: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "journeylens",
            "users",
            "create",
            name,
            "--workspace",
            str(workspace),
            *extra,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workspace = tmp_path_factory.mktemp("ui") / "shop"
    cli(
        "demo", "--workspace", str(workspace), "--seed", str(DEMO_SEED),
        "--customers", str(DEMO_CUSTOMERS), "--no-serve", "--json",
    )  # fmt: skip
    for (name, password), role in ((ADMIN, "admin"), (MEMBER, "member")):
        done = create_user(workspace, name, password, "--role", role)
        assert done.returncode == 0, done.stderr
    done = create_user(workspace, *CHINESE_ADMIN, "--role", "admin", "--language", "zh")
    assert done.returncode == 0, done.stderr
    read_key, admin_key = create_key(workspace, "read"), create_key(workspace, "admin")
    server = Server(workspace).start(timeout=120)
    try:
        yield Shop(server, workspace, read_key, admin_key)
    finally:
        server.stop()


TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def signed_in(shop: Shop, user: tuple[str, str] = ADMIN) -> httpx.Client:
    """A client signed in through the real sign-in form."""
    client = httpx.Client(base_url=shop.url, timeout=60, headers={"Accept": "text/html"})
    form = client.get("/signin")
    assert form.status_code == 200, form.text
    answer = client.post(
        "/signin",
        data={
            "name": user[0],
            "password": user[1],
            "csrf_token": form_token(form.text),
            "next": "/",
        },
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def admin(shop: Shop) -> Iterator[httpx.Client]:
    client = signed_in(shop, ADMIN)  # already open: a `with` would try to open it again
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def member(shop: Shop) -> Iterator[httpx.Client]:
    client = signed_in(shop, MEMBER)  # already open: a `with` would try to open it again
    try:
        yield client
    finally:
        client.close()


# ---- the browser -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from tests.ui.browser import ARGS, CHROMIUM, ensure_chromium

    ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


WAIT_MS = 180_000


def open_tab(chromium: object, shop: Shop, user: tuple[str, str], viewport: dict | None = None):
    from tests.ui.browser import LAPTOP, Tab, sign_in

    context = chromium.new_context(viewport=viewport or LAPTOP, locale="en-US")
    # Every wait is for a signal of the page's own (html[data-ready], data-drawn, a row); the
    # limit only bounds a page that never sends it, generous enough for a loaded machine.
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    tab = Tab(context.new_page(), shop.url)
    tab.watch()
    sign_in(tab, *user)
    return context, tab


@pytest.fixture
def tab(chromium, shop) -> Iterator[object]:
    """A tab signed in as the admin; the test fails if any page logged an error."""
    context, tab = open_tab(chromium, shop, ADMIN)
    try:
        yield tab
    finally:
        context.close()
    assert not tab.errors, "\n".join(tab.errors)
