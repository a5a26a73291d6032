"""Driving the web UI in Debian's headless Chromium through Playwright.

Playwright's own browser download is never used: ``ensure_chromium`` installs Debian's
``chromium`` (and ``fonts-noto-cjk``, without which Chinese renders as empty boxes) with
apt-get when they are missing, so a fresh machine runs the browser tests with the README's
test command. Screenshots go to ``artifacts/screenshots/`` (named in the README).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONTS = Path("/usr/share/fonts/opentype/noto")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


def _cjk_fonts_present() -> bool:
    return CJK_FONTS.is_dir() and any(CJK_FONTS.glob("NotoSansCJK*"))


def ensure_chromium() -> None:
    """Install Debian's Chromium and CJK fonts if they are missing (needs root and apt)."""
    if CHROMIUM.exists() and _cjk_fonts_present():
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.fail(
            "The browser tests need Debian's chromium and fonts-noto-cjk: run "
            "`sudo apt-get install -y chromium fonts-noto-cjk` (or run the tests as root)."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=True, env=env, capture_output=True)
    done = subprocess.run(
        [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"apt-get could not install chromium:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


@dataclass
class Tab:
    """One signed-in browser tab that records console errors and uncaught page errors."""

    page: object  # playwright.sync_api.Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.ready()

    def ready(self) -> None:
        """Wait for the page's own readiness signal: ``app.js`` marks ``<html data-ready>``
        once its charts are drawn and its controls bound (no network-idle guess, no sleep)."""
        self.page.wait_for_selector("html[data-ready=true]", state="attached")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def watch(self) -> None:
        def console(message: object) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text} ({message.location.get('url')})")

        self.page.on("console", console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))


def sign_in(tab: Tab, name: str, password: str) -> None:
    tab.goto("/signin")
    tab.page.fill("input[name=name]", name)
    tab.page.fill("input[name=password]", password)
    with tab.page.expect_navigation():
        tab.page.click("form.signin button[type=submit]")
    tab.ready()
