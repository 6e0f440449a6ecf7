"""Real Chromium (Playwright) against the app served by gunicorn, as a user would meet it.

Debian's Chromium is used (``/usr/bin/chromium``); Playwright's own browser download is neither
possible nor needed here.  The flags keep a machine without network from stalling Chromium.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
REPOSITORY = Path(__file__).resolve().parent.parent
SERVER_START_SECONDS = 30

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode() if server.stdout else ""
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {SERVER_START_SECONDS}s")


@pytest.fixture(scope="module")
def server_url(index_dir: Path) -> Iterator[str]:
    """The base URL of a real gunicorn serving the test index; stopped after the module."""
    port = free_port()
    env = {**os.environ, "ARTSEARCH_INDEX": str(index_dir)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "web.app:create_app()",
    ]
    server = subprocess.Popen(
        command, cwd=REPOSITORY, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url + "/", server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


def launch(profile: Path, **context_options: object) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile folder, closed afterwards."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            **context_options,  # type: ignore[arg-type]
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[BrowserContext]:
    yield from launch(tmp_path / "profile", viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[BrowserContext]:
    yield from launch(
        tmp_path / "profile",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )


def title_word(base: str) -> str:
    """The longest word of the newest article's title: something the search must find."""
    with urllib.request.urlopen(base + "/api/search?q=&sort=newest&per_page=1") as response:
        title: str = json.load(response)["results"][0]["title"]
    return max(title.split(), key=len).strip(".,:;!?\"'()")


def test_browser_searches_opens_an_article_and_follows_a_related_link(
    server_url: str, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    page.goto(server_url + "/")
    word = title_word(server_url)
    page.get_by_label("Search articles").fill(word)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?*")
    assert page.locator("h1").inner_text() == "Search results"
    results = page.locator("li.result")
    assert results.count() > 0
    assert page.locator("li.result mark").count() > 0

    title = results.first.locator("h3 a").inner_text()
    results.first.locator("h3 a").click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".article-body p").count() > 0

    related = page.locator(".related-item a").first
    related_title = related.inner_text()
    related_href = related.get_attribute("href")
    related.click()
    page.wait_for_url(f"**{related_href}")
    assert page.locator("h1").inner_text() == related_title


def test_browser_keyboard_focus_on_the_search_box_is_visible(
    server_url: str, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    page.goto(server_url + "/")
    # Tab from the top of the page the way a keyboard user would, until the search box has focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    else:
        pytest.fail("Tab never reached the search box")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none"
    assert outline[1] >= 2


def test_browser_skip_link_appears_on_focus_and_moves_to_main(
    server_url: str, desktop: BrowserContext
) -> None:
    page = desktop.new_page()
    page.goto(server_url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_browser_phone_viewport_has_no_horizontal_overflow(
    server_url: str, phone: BrowserContext
) -> None:
    page = phone.new_page()
    word = title_word(server_url)
    paths = ["/", f"/search?q={word}", "/search?q=&per_page=2&page=2&sort=newest&from=2000"]
    page.goto(server_url + paths[1])
    paths.append(page.locator("li.result h3 a").first.get_attribute("href") or "/")
    for path in paths:
        page.goto(server_url + path)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
