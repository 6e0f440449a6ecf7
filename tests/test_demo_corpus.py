"""The shipped demo corpus (corpus/) indexes correctly: the owner's example page above all."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.extraction import extract_page
from search import SearchService, parse_request

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_PAGE = "daily8/why-us-and-russia-are-bound-to-cooperate-beyond-earth.html"
# Text the owner's example page shows outside its article: none of it belongs to the body.
NOT_IN_BODY = [
    "Try Our AI Features",
    "No comments yet",
    "Related Articles",
    "DOWNLOAD THE APP",
    "Download Daily8 app",
    "Acting NASA Administrator Sean Duffy has reportedly directed",
    "Targeting Russia's partners with sanctions",
    "Major General Andreas Henne",
]


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("demo") / "index"
    report = build_index(CORPUS, index)
    assert report.skipped == [], report.skipped
    return index


def test_seed_page_body_holds_only_its_own_paragraphs() -> None:
    page = CORPUS / SEED_PAGE
    articles = extract_page(page.read_bytes(), SEED_PAGE, mtime=page.stat().st_mtime)
    main, *rail = articles
    assert main.title == "Why US and Russia are bound to cooperate beyond Earth"
    assert main.source == "Russia Today"
    assert main.body.startswith("The head of Roscosmos, Dmitry Bakanov, has made a rare visit")
    assert "translated and edited by the RT team" in main.body
    for text in NOT_IN_BODY:
        assert text.lower() not in main.body.lower(), text
    assert [a.title for a in rail] == [
        "US aiming to ‘win second space race'",
        "Sanctions on Russia's partners ‘obvious next step' – US NATO envoy (VIDEO)",
        "German major general dismisses talk of Russian attack against NATO",
    ]
    assert all(a.embedded and a.source == "Russia Today" for a in rail)
    assert main.published and main.published < rail[0].published  # "2 days ago" vs "16 minutes ago"


def test_words_from_the_seed_article_find_it_first_with_a_highlighted_snippet(
    demo_index: Path,
) -> None:
    results = SearchService(demo_index).search(parse_request({"q": "Roscosmos Bakanov visit"}))
    assert results.hits[0].article.path == SEED_PAGE
    assert "<mark>Roscosmos</mark>" in results.hits[0].snippet


def test_rail_articles_are_searchable_on_their_own(demo_index: Path) -> None:
    results = SearchService(demo_index).search(parse_request({"q": "Andreas Henne"}))
    assert results.hits[0].article.title.startswith("German major general")
    assert results.hits[0].article.embedded


def test_every_wikinews_article_carries_its_licence_and_source(demo_index: Path) -> None:
    service = SearchService(demo_index)
    results = service.search(parse_request({"q": "", "source": "Wikinews", "per_page": "100"}))
    assert results.total == 43
    for hit in results.hits:
        assert hit.article.license == "CC BY 2.5"
        assert (hit.article.url or "").startswith("https://en.wikinews.org/wiki/")
