"""Stories in a real Chromium (Playwright) against `artsearch serve` (gunicorn): a story printed by
three outlets shows once, expands to its three versions, and each outlet's filter finds it
(issue 14).  The index is built by the product from the pages of ``tests/story_pages.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from indexer.build import build_index
from tests.live_server import running_server
from tests.story_pages import BRIDGE_OUTLETS, PAGES, write_story_corpus
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("stories")
    corpus = write_story_corpus(root / "corpus")
    build_index(corpus, root / "index", workers=1)
    with running_server(root / "index") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_story_shows_once_and_expands_to_its_three_versions(server: str, page: Page) -> None:
    page.goto(f"{server}/search?q=bridge")
    results = page.locator(".result")
    assert results.count() == 1
    versions = results.first.locator("a.versions")
    assert versions.inner_text() == "3 versions"
    assert "each shown once" in page.locator(".grouping").inner_text()
    versions.click()
    page.wait_for_url("**/articles/**")
    listed = page.locator("#versions li.version")
    assert listed.count() == 3
    outlets = sorted(listed.locator(".outlet").all_inner_texts())
    assert outlets == sorted(BRIDGE_OUTLETS)
    originals = sorted(listed.locator("a.original").evaluate_all("links => links.map(a => a.href)"))
    assert originals == sorted(PAGES[outlet][3] for outlet in BRIDGE_OUTLETS)
    assert "Also published by" in page.locator("#versions-heading").inner_text()
    assert page.locator("#versions").get_by_text("first published").count() == 1


def test_every_article_apart_lists_both_texts(server: str, page: Page) -> None:
    page.goto(f"{server}/search?q=bridge")
    page.get_by_role("link", name="show every article").click()
    page.wait_for_url("**group=none**")
    assert page.locator(".result").count() == 2


@pytest.mark.parametrize("outlet", BRIDGE_OUTLETS)
def test_each_outlets_facet_finds_the_story(server: str, page: Page, outlet: str) -> None:
    # Every story listed (a facet value that would not narrow the results is not offered).
    page.goto(f"{server}/search?q=")
    assert page.locator(".result").count() == 3
    page.locator(".facets li a", has_text=outlet).first.click()
    page.wait_for_url("**source=**")
    bridge = page.locator(".result", has=page.locator("a.versions"))
    assert bridge.count() == 1
    assert "bridge" in bridge.locator(".result-title").inner_text().lower()
    assert bridge.locator("a.versions").inner_text() == "3 versions"
    # Shown as the chosen outlet printed it: its outlet and its title, whichever copy is indexed.
    assert bridge.locator(".source").inner_text() == outlet
    assert bridge.locator(".result-title").inner_text() == PAGES[outlet][1]


@pytest.mark.parametrize("outlet", BRIDGE_OUTLETS)
def test_each_outlet_on_the_article_page_finds_the_story(
    server: str, page: Page, outlet: str
) -> None:
    page.goto(f"{server}/search?q=bridge")
    page.locator(".result a.versions").click()
    page.wait_for_url("**/articles/**")
    page.locator("#versions a.outlet", has_text=outlet).click()
    page.wait_for_url("**source=**")
    titles = page.locator(".result .result-title").all_inner_texts()
    assert any("bridge" in title.lower() for title in titles)
