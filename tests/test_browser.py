"""Real Chromium (Playwright) against the app served by gunicorn, as a user would meet it.

Debian's Chromium is used (``/usr/bin/chromium``); Playwright's own browser download is neither
possible nor needed here.  The flags keep a machine without network from stalling Chromium.

The served index holds the demo corpus (``corpus/``, extracted by the product) and the articles of
``tests/data/ui/articles.json`` (structured bodies, German and Arabic text, tags).  Each numbered
problem of issue 15 has a test here, run at a desktop and a phone width; item 8 (the command
line) is tested in ``tests/test_cli.py``.  axe-core checks the home, results, no-results, article
and error pages in light and dark mode, and every such page is saved as a screenshot in
``var/screenshots/`` (or ``$ARTSEARCH_SCREENSHOTS``): ``{page}-{device}-{scheme}.png``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from whoosh.index import open_dir

from indexer.article import Article
from indexer.build import WRITER_OPTIONS
from indexer.corpus import is_page
from indexer.extraction import extract_page
from indexer.index.arrays import arrays_codec
from indexer.index.schema import to_document
from indexer.index.store import IndexStore
from tests.conftest import SCREENSHOTS

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
FIXTURES = Path(__file__).parent / "data" / "ui" / "articles.json"
SERVER_START_SECONDS = 30
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
# WCAG 2.5.5 (AAA) and the platform guides: a thumb needs 44 CSS pixels.
TAP_TARGET = 44
# The controls of the pages (links inside running text are exempt, as WCAG exempts them).
CONTROLS = (
    ".site-header nav a, .sort a, .pagination a, .active-filters a, .facets li a, "
    ".facets details summary, .filters > summary, .timeline-bars a, .back a, .browse-link, "
    ".related-item > a, .result-title a, .article-meta a, button, input[type=search], "
    ".field input"
)
HUMAN_DATE = re.compile(
    r"\d{1,2} (January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{4}"
)

if not CHROMIUM.exists():
    pytest.fail(f"{CHROMIUM} is not installed: run `make browser` (apt-get install chromium)")


# -- the index and the server --------------------------------------------------------------------


def ui_articles() -> list[Article]:
    """The demo corpus's articles (a page's own article preferred to a copy in another page's
    rail) and the fixture articles."""
    found: dict[str, Article] = {}
    for path in sorted(p for p in (REPOSITORY / "corpus").rglob("*") if is_page(p.name)):
        relative = path.relative_to(REPOSITORY / "corpus").as_posix()
        for article in extract_page(path.read_bytes(), relative, mtime=path.stat().st_mtime):
            if article.id not in found or found[article.id].embedded:
                found[article.id] = article
    for data in json.loads(FIXTURES.read_text(encoding="utf-8")):
        found[data["id"]] = Article.from_dict(data)
    return list(found.values())


@pytest.fixture(scope="module")
def ui_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = IndexStore(tmp_path_factory.mktemp("ui") / "index")
    generation = store.new_generation()
    ix = open_dir(str(generation))
    writer = ix.writer(**{**WRITER_OPTIONS, "codec": arrays_codec()})
    for article in ui_articles():
        writer.add_document(**to_document(article))
    writer.commit()
    ix.close()
    store.swap_in(generation)
    return store.root


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
def server_url(ui_index: Path) -> Iterator[str]:
    """The base URL of a real gunicorn serving the test index; stopped after the module."""
    port = free_port()
    env = {**os.environ, "ARTSEARCH_INDEX": str(ui_index)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
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


def api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path) as response:
        return json.load(response)


# -- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, server_url: str) -> Iterator[OpenPage]:
    """``open_page(path, device="desktop", scheme="light", scripts=True)``: a fresh page at
    ``path`` in a new browser context; every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def opened(
        path: str, device: str = "desktop", scheme: str = "light", scripts: bool = True
    ) -> Page:
        context = browser.new_context(
            **DEVICES[device], color_scheme=scheme, java_script_enabled=scripts
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(server_url + path)
        return page

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """The folder the screenshots go to; its path is printed at the end of the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def open_filters(page: Page) -> None:
    """On a phone the filters are a closed section above the results: open it."""
    summary = page.locator(".filters > summary")
    if page.locator(".facets").is_hidden():
        summary.click()
    assert page.locator(".facets").is_visible()


def facet(page: Page, group: str, value: str) -> Any:
    return page.locator(f'section[aria-labelledby="facet-{group}"] li a', has_text=value).first


both_devices = pytest.mark.parametrize("device", ["desktop", "phone"])


# -- 1. typos --------------------------------------------------------------------------------------


@both_devices
def test_1_a_typo_shows_the_corrected_results_at_once(open_page: OpenPage, device: str) -> None:
    page = open_page("/search?q=scientolgy", device)
    notice = page.locator(".correction")
    assert "Showing results for scientology" in " ".join(notice.inner_text().split())
    assert page.locator("li.result").count() >= 3
    assert page.title().startswith("scientology – Search results")
    notice.get_by_role("link", name="scientolgy").click()
    page.wait_for_url("**verbatim=1")
    assert page.locator("li.result").count() == 0
    page.locator(".suggestion a").click()
    page.wait_for_url("**/search?q=scientology")
    assert page.locator("li.result").count() >= 3


# -- 2. why did this match ---------------------------------------------------------------------


@both_devices
def test_2_every_hit_marks_the_matched_words(open_page: OpenPage, device: str) -> None:
    page = open_page("/search?q=interview&page=2", device)
    results = page.locator("li.result")
    assert results.count() > 0
    for index in range(results.count()):
        result = results.nth(index)
        assert result.locator("h3 mark, .snippet mark").count() > 0, result.inner_text()
    titles = page.locator("li.result h3 mark")
    assert titles.count() > 0
    assert titles.first.inner_text().lower().startswith("interview")


# -- 3. subheadings ------------------------------------------------------------------------------


@both_devices
def test_3_subheadings_lists_and_tables_keep_their_structure(
    open_page: OpenPage, device: str
) -> None:
    page = open_page("/search?q=keeper+interview", device)
    hit = page.locator('li.result[data-id="f1a7e0c0ffee0001"]')
    snippet = hit.locator(".snippet").inner_text()
    assert "#" not in snippet
    assert "Interview What first" not in snippet
    hit.locator("h3 a").click()
    page.wait_for_url("**/articles/f1a7e0c0ffee0001*")
    body = page.locator(".article-body")
    assert body.locator("h2").all_inner_texts() == ["Interview", "What comes next"]
    assert body.locator("h3").all_inner_texts() == ["The collection", "Visitors per year"]
    assert body.locator("ul > li").count() == 3 and body.locator("ol > li").count() == 3
    assert body.locator("table tr").count() == 3
    assert body.locator("table tr").nth(1).locator("td").all_inner_texts() == [
        "2022",
        "18,400",
        "290",
    ]
    assert "##" not in body.inner_text()
    assert "Interview" in body.locator("h2 mark").first.inner_text()


# -- 4. facets -------------------------------------------------------------------------------------


@both_devices
def test_4_facets_choose_several_values_and_combine_groups(
    open_page: OpenPage, device: str
) -> None:
    page = open_page("/search?q=ferry+OR+harbour+OR+interview", device)
    if device == "phone":
        # The filters are reachable before the results: their section comes first.
        summary_y = page.locator(".filters > summary").bounding_box()["y"]  # type: ignore[index]
        first_y = page.locator("li.result").first.bounding_box()["y"]  # type: ignore[index]
        assert summary_y < first_y
    open_filters(page)
    years = page.locator('section[aria-labelledby="facet-year"] .value').all_inner_texts()
    assert years == sorted(years)
    facet(page, "source", "Coastal Courier").click()
    page.wait_for_url("**source=Coastal+Courier*")
    open_filters(page)
    # The other sources stay listed, to be added as alternatives.
    facet(page, "source", "Wikinews").click()
    page.wait_for_url("**source=Wikinews*")
    assert query_of(page.url)["source"] == ["Coastal Courier", "Wikinews"]
    sources = {t.split(" by ")[0] for t in page.locator("li.result .source").all_inner_texts()}
    assert sources == {"Coastal Courier", "Wikinews"}
    open_filters(page)
    chosen = page.locator('section[aria-labelledby="facet-source"] li.selected .value')
    assert sorted(chosen.all_inner_texts()) == ["Coastal Courier", "Wikinews"]
    # A chip removes one value.
    page.locator(".active-filters a", has_text="Remove").first.click()
    page.wait_for_load_state()
    assert query_of(page.url)["source"] == ["Wikinews"]


@both_devices
def test_4_language_author_and_tag_facets_name_and_filter(open_page: OpenPage, device: str) -> None:
    page = open_page("/search?q=", device)
    open_filters(page)
    languages = page.locator('section[aria-labelledby="facet-lang"] .value').all_inner_texts()
    assert {"English", "German", "Arabic"} <= set(languages)
    facet(page, "lang", "German").click()
    page.wait_for_url("**lang=de*")
    result = page.locator("li.result")
    assert result.count() == 1
    assert result.get_attribute("lang") == "de" and result.get_attribute("dir") == "auto"
    page.goto(page.url.split("?")[0] + "?q=harbour")
    open_filters(page)
    assert facet(page, "tag", "Museums").is_visible()
    assert facet(page, "author", "Mira Holm").is_visible()
    facet(page, "author", "Mira Holm").click()
    page.wait_for_url("**author=Mira+Holm*")
    assert page.locator("li.result .authors").all_inner_texts() == ["by Mira Holm"] * 2


@pytest.mark.parametrize("path", ["/", "/search?q=harbour&source=Coastal+Courier", "ARTICLE"])
def test_4_every_control_is_a_44_pixel_tap_target_on_a_phone(
    open_page: OpenPage, path: str
) -> None:
    if path == "ARTICLE":
        path = "/articles/f1a7e0c0ffee0001?q=harbour"
    page = open_page(path, "phone")
    if page.locator(".filters > summary").count():
        open_filters(page)
    small = page.evaluate(
        """([selector, least]) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.className || e.tagName, e.textContent.trim().slice(0, 30),
                       e.getBoundingClientRect().width, e.getBoundingClientRect().height])
            .filter(([, , w, h]) => w < least - 0.5 || h < least - 0.5)""",
        [CONTROLS, TAP_TARGET],
    )
    assert small == [], small


# -- 5. sort and clean URLs ----------------------------------------------------------------------


@both_devices
def test_5_sort_links_and_urls_without_empty_parameters(open_page: OpenPage, device: str) -> None:
    page = open_page("/search?q=scientology", device)
    page.locator("nav.sort a", has_text="Newest").click()
    page.wait_for_url("**sort=newest")
    assert query_of(page.url) == {"q": ["scientology"], "sort": ["newest"]}
    assert page.locator('nav.sort a[aria-current="true"]').inner_text() == "Newest"
    dates = page.locator("li.result time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert dates == sorted(dates, reverse=True)
    open_filters(page)
    page.locator("input#from").fill("2009-01-01")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url("**from=2009-01-01*")
    assert query_of(page.url) == {"q": ["scientology"], "sort": ["newest"], "from": ["2009-01-01"]}
    page.locator("#q").fill("scientology church")
    page.locator("#q").press("Enter")
    page.wait_for_url("**q=scientology+church*")
    assert "=&" not in page.url and not page.url.endswith("=")


# -- 6. the article page ---------------------------------------------------------------------------


@both_devices
def test_6_article_page_keeps_the_search_and_links_its_metadata(
    open_page: OpenPage, device: str
) -> None:
    page = open_page("/search?q=fog&sort=newest", device)
    results_url = page.url
    page.locator('li.result[data-id="f1a7e0c0ffee0004"] h3 a').click()
    page.wait_for_url("**/articles/f1a7e0c0ffee0004*")
    assert page.locator("#q").input_value() == "fog"
    assert page.locator(".article-body mark").first.inner_text().lower() == "fog"
    when = page.locator(".article-meta time")
    assert HUMAN_DATE.fullmatch(when.inner_text()), when.inner_text()
    assert when.get_attribute("datetime") == "2024-02-20T11:15:00+01:00"
    meta = page.locator(".article-meta").inner_text()
    assert "English" in meta and "Language: en" not in meta
    credit = page.locator(".credit")
    assert page.locator("article").inner_text().count("Coastal Courier") == 1
    assert "coastal-courier.example/2024/02/fog-warning" in credit.inner_text()
    page.locator(".back a").click()
    page.wait_for_url(results_url)
    page.go_back()
    page.locator(".article-meta a", has_text="Mira Holm").click()
    page.wait_for_url("**author=Mira+Holm")
    assert page.locator("li.result").count() == 2


@both_devices
def test_6_right_to_left_text_reads_right_to_left(open_page: OpenPage, device: str) -> None:
    page = open_page("/articles/f1a7e0c0ffee0003", device)
    article = page.locator("article")
    assert article.get_attribute("lang") == "ar" and article.get_attribute("dir") == "auto"
    direction = page.locator(".article-body p").first.evaluate("p => getComputedStyle(p).direction")
    assert direction == "rtl"
    assert "Arabic" in page.locator(".article-meta").inner_text()


def test_6_related_articles_are_only_the_close_ones(server_url: str, open_page: OpenPage) -> None:
    found = api(server_url, "/api/search?q=hackers+attack+church+scientology+website")
    page = open_page(f"/articles/{found['results'][0]['id']}")
    titles = page.locator(".related-item > a").all_inner_texts()
    assert any("Scientology" in title for title in titles)
    assert not any("North Korea" in title for title in titles), titles


# -- 7. basics ---------------------------------------------------------------------------------


@both_devices
def test_7_dark_mode_follows_the_system_setting(open_page: OpenPage, device: str) -> None:
    def colours(page: Page) -> list[str]:
        return page.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.body).color]"
        )

    light = colours(open_page("/search?q=ferry", device))
    assert light == ["rgb(255, 255, 255)", "rgb(27, 27, 27)"]
    assert colours(open_page("/search?q=ferry", device, "dark")) == [
        "rgb(18, 20, 23)",
        "rgb(232, 232, 232)",
    ]


@both_devices
def test_7_search_box_focus_shortcut_autocomplete_and_favicon(
    open_page: OpenPage, device: str, server_url: str
) -> None:
    failed: list[str] = []
    page = open_page("/", device)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").get_attribute("autocomplete") in (None, "on")
    assert page.locator(".shortcut-hint").is_visible()
    page.goto(server_url + "/search?q=ferry")
    page.locator("h1").click()
    assert page.evaluate("document.activeElement.id") != "q"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("/x")  # in the box, a slash is text
    assert page.locator("#q").input_value().endswith("/x")
    with urllib.request.urlopen(server_url + "/favicon.ico") as icon:
        assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/")
    assert failed == []


def test_7_pages_work_without_javascript(open_page: OpenPage) -> None:
    page = open_page("/", scripts=False)
    assert page.locator(".shortcut-hint").is_hidden()
    page.locator("#q").fill("scientolgy")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/search?q=scientolgy")
    assert page.locator("li.result").count() >= 3
    page.locator(".timeline-bars a").first.click()
    page.wait_for_url("**year=*")
    assert page.locator(".active-filters li").count() == 1


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/articles/0000000000000000", "Article not found (error 404) · artsearch"),
        ("/no/such/page", "Not Found (error 404) · artsearch"),
        ("/search?q=ferry&per_page=5000", "Bad request (error 400) · artsearch"),
    ],
)
def test_7_error_pages_are_titled_by_the_error(open_page: OpenPage, path: str, title: str) -> None:
    assert open_page(path).title() == title


# -- the timeline --------------------------------------------------------------------------------


@both_devices
def test_timeline_bars_narrow_to_their_year_then_month(open_page: OpenPage, device: str) -> None:
    page = open_page("/search?q=harbour+OR+ferry+OR+interview", device)
    caption = page.locator(".timeline figcaption").inner_text()
    assert "per year" in caption
    labels = page.locator(".timeline-bars a .visually-hidden").all_inner_texts()
    assert all(re.fullmatch(r"\d{4}: \d+ articles?", label) for label in labels), labels
    # 2024 holds the fixture articles of February, May and June.
    year = "2024"
    bar = page.locator(".timeline-bars a", has_text="2024")
    bar.click()
    page.wait_for_url(f"**year={year}")
    assert "per month" in page.locator(".timeline figcaption").inner_text()
    month = page.locator(".timeline-bars a").first
    month_label = month.locator(".visually-hidden").inner_text()
    month.click()
    page.wait_for_url("**from=*")
    assert "year" not in query_of(page.url)
    count = int(month_label.split(": ")[1].split()[0])
    assert page.locator("li.result").count() == count


# -- axe-core and screenshots ------------------------------------------------------------------


PAGES = {
    "home": "/",
    "results": "/search?q=harbour+OR+ferry+OR+interview",
    "no-results": "/search?q=qqqzzzx",
    "article": "/articles/f1a7e0c0ffee0001?q=interview",
    "error": "/articles/0000000000000000",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@both_devices
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_have_no_accessibility_violations_and_are_photographed(
    open_page: OpenPage, screenshots: Path, name: str, device: str, scheme: str
) -> None:
    page = open_page(PAGES[name], device, scheme)
    if name == "results" and device == "phone":
        open_filters(page)  # check the filters too, not only their closed section
    results = Axe().run(page)
    violations = [
        (v["id"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
    ]
    assert violations == [], violations
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # nothing wider than the screen
    page.screenshot(path=str(screenshots / f"{name}-{device}-{scheme}.png"), full_page=True)
