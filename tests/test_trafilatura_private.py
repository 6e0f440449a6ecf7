"""trafilatura's comparison with readability and jusText is skipped only where it could not
change the text (indexer/extraction/trafilatura_private.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trafilatura
import trafilatura.external
from lxml import etree
from trafilatura.utils import trim

from indexer.extraction import body, extract_page
from indexer.extraction import trafilatura_private as private
from indexer.extraction.htmlparse import load_page

PAGES = Path(__file__).parent / "data" / "pages"
HTML_PAGES = sorted(p for p in PAGES.glob("*.html") if p.name not in ("binary.html", "empty.html"))


class ComparisonSpy:
    """Records the runs of trafilatura's own comparison (it still runs: nothing is replaced):
    the focus of each, and the length of readability's text against the bound on its page."""

    def __init__(self, original: Callable[..., tuple[Any, str]]) -> None:
        self.original = original
        self.focuses: list[str] = []
        self.lengths: list[tuple[int, int]] = []

    @property
    def runs(self) -> int:
        return len(self.focuses)

    def __call__(
        self, cleaned: Any, raw: Any, own: Any, text: str, options: Any
    ) -> tuple[Any, str]:
        self.focuses.append(options.focus)
        found = trafilatura.external.try_readability(copy.deepcopy(raw))
        length = len(trim(etree.tostring(found, method="text", encoding="unicode")))
        self.lengths.append((length, private.readability_text_bound(raw)))
        return self.original(cleaned, raw, own, text, options)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> ComparisonSpy:
    spy = ComparisonSpy(private._ORIGINAL)
    monkeypatch.setattr(private, "_ORIGINAL", spy)
    return spy


def articles(data: bytes, name: str, *, skip: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(body, "SKIP_NEEDLESS_COMPARISONS", skip)
    try:
        return extract_page(data, name)
    except Exception as error:  # noqa: BLE001 - the same refusal either way is the same result
        return repr(error)


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: p.name)
def test_every_page_extracts_the_same_with_and_without_the_skip(
    page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = page.read_bytes()
    with_skip = articles(data, page.name, skip=True, monkeypatch=monkeypatch)
    assert with_skip == articles(data, page.name, skip=False, monkeypatch=monkeypatch)


def test_the_bound_is_never_below_readabilitys_text(
    spy: ComparisonSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for page in HTML_PAGES:
        articles(page.read_bytes(), page.name, skip=False, monkeypatch=monkeypatch)
    assert len(spy.lengths) >= len(HTML_PAGES) // 2  # the pages were compared
    assert all(length <= bound for length, bound in spy.lengths), spy.lengths


@pytest.mark.parametrize("element", ["xmp", "noembed", "noframes", "plaintext"])
def test_a_page_with_raw_text_readability_lengthens_is_always_compared(
    element: str, spy: ComparisonSpy
) -> None:
    # Readability's XML round trip turns each "&" of these elements' raw text into "&amp;" (a
    # reviewer's page): its text outgrows the page's.
    paragraphs = "".join(
        f"<p>Paragraph {n} of the council's report, on the river crossing, says that the old "
        "bridge will close in spring, while the new one is built.</p>"
        for n in range(4)
    )
    page = (
        "<html><body><nav><a href='/'>Home</a></nav><div class='article-content'>"
        f"{paragraphs}<{element}>{'&' * 400}</{element}></div></body></html>"
    )
    published = trafilatura.bare_extraction(page)
    spy.focuses.clear()
    with private.skipping_needless_comparisons():
        assert trafilatura.bare_extraction(page).text == published.text
    assert "balanced" in spy.focuses  # compared, not skipped


def test_a_long_article_that_is_most_of_its_page_skips_the_comparison(
    spy: ComparisonSpy,
) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n} of the council's report on the river crossing says that the old "
        f"bridge will close in spring while the new one is built beside it.</p>"
        for n in range(12)
    )
    page = (
        f"<html><body><nav><a href='/'>Home</a></nav><article>{paragraphs}</article></body></html>"
    )
    tree = load_page(page.encode())
    assert body.extractor_paragraphs(tree)
    assert spy.runs == 0
    with private.skipping_needless_comparisons(False):
        trafilatura.bare_extraction(page)
    assert spy.runs == 1


def test_a_short_article_on_a_long_page_is_compared(spy: ComparisonSpy) -> None:
    links = " ".join(f"<a href='/s{n}'>Section number {n} of the site</a>" for n in range(80))
    page = (
        f"<html><body><div class='sections'>{links}</div><article><p>The ferry runs again "
        "from Monday after a month of repairs to its ramp, the harbour office said. Tickets "
        "bought for the cancelled crossings stay valid until the end of the year, and the "
        "timetable is the one of last summer with two extra evening crossings.</p>"
        "</article></body></html>"
    )
    body.extractor_paragraphs(load_page(page.encode()))
    assert "balanced" in spy.focuses  # (not only its recall retry, which always compares)


def test_trafilatura_called_by_others_compares_as_published(spy: ComparisonSpy) -> None:
    page = (PAGES / "publisher-jsonld-graph.html").read_bytes()
    trafilatura.extract(page)
    assert spy.runs >= 1


def test_scripts_styles_and_iframes_move_the_bound() -> None:
    def bound(inner: str) -> int:
        return private.readability_text_bound(
            load_page(f"<html><body>{inner}</body></html>".encode())
        )

    words = "<p>one two  three</p>"
    assert bound(words) == len("one two three")
    assert (
        bound(words + "<script>var a = 'a long script text';</script>") <= len("one two three") + 1
    )
    assert bound(words + "<iframe src='x'></iframe>") == len("one two three") + len(" VIDEO")
