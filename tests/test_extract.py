"""Whole pages to Articles (indexer.extraction.extract_page), checked against fixture sidecars."""

from __future__ import annotations

import html
import json
import logging
import random
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indexer.extraction.body
import indexer.extraction.page
from indexer.article import PROVENANCE_ORIGINS, Article, article_id
from indexer.errors import ExtractionError
from indexer.extraction import extract_page

PAGES = Path(__file__).parent / "data" / "pages"
# 2024-01-01T00:00:00Z: after every fixture's dates, as a file's modification time would be.
MTIME = 1704067200.0


def sidecar(name: str) -> dict[str, Any]:
    path = PAGES / (name.split(".")[0] + ".expected.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def extract(name: str, *, mtime: float | None = MTIME) -> list[Article]:
    return extract_page((PAGES / name).read_bytes(), f"pages/{name}", mtime=mtime)


ARTICLE_PAGES = [
    name
    for name in sorted(p.name for p in PAGES.glob("*.htm*"))
    if sidecar(name).get("title") and not name.startswith("extract-")
]
COMPARED_FIELDS = ("title", "authors", "source", "url", "language", "tags", "description", "image")
# The sidecar records the article's origin (Wikinews), which this page never shows.
NOT_ON_THE_PAGE = {("utf8-no-declaration.html", "authors"), ("utf8-no-declaration.html", "source")}
SIDECAR_FIELDS = [
    (name, field)
    for name in ARTICLE_PAGES
    for field in COMPARED_FIELDS
    if field in sidecar(name) and (name, field) not in NOT_ON_THE_PAGE
]


def same_moment(found: str | None, expected: str | None) -> bool:
    """ISO 8601 strings naming the same moment ("Z" and "+00:00" alike)."""
    if found is None or expected is None:
        return found == expected
    return datetime.fromisoformat(found) == datetime.fromisoformat(expected)


# --- the fixture pages against their sidecars ----------------------------------------------------


@pytest.mark.parametrize(("name", "field"), SIDECAR_FIELDS)
def test_page_metadata_matches_the_sidecar(name: str, field: str) -> None:
    found = getattr(extract(name)[0], field)
    assert (list(found) if isinstance(found, tuple) else found) == sidecar(name)[field]


@pytest.mark.parametrize("name", ARTICLE_PAGES)
def test_page_dates_match_the_sidecar(name: str) -> None:
    expected = sidecar(name)
    article = extract(name)[0]
    assert article.published_day == expected["published_day"]
    if expected.get("published") is not None:
        assert same_moment(article.published, expected["published"])
    if "modified" in expected:
        assert same_moment(article.modified, expected["modified"])


@pytest.mark.parametrize(
    "name",
    [n for n in ARTICLE_PAGES if "body_paragraphs" in sidecar(n) and n != "xml-prologue.html"],
)
def test_page_body_is_exactly_the_sidecar_paragraphs(name: str) -> None:
    expected = sidecar(name)
    body = extract(name)[0].body
    assert body.split("\n\n") == expected["body_paragraphs"]
    for furniture in expected.get("not_in_body", []):
        assert furniture not in body


def test_subheadings_stay_in_the_body_between_their_paragraphs() -> None:
    paragraphs = extract("xml-prologue.html")[0].body.split("\n\n")
    expected = sidecar("xml-prologue.html")["body_paragraphs"]
    assert [p for p in paragraphs if p in expected] == expected
    # An <h2> of the article is a "## " paragraph (Article.body's format).
    assert [p for p in paragraphs if p not in expected] == ["## The waning importance of history"]


def test_legacy_pages_keep_their_typographic_characters() -> None:
    for name in ("legacy-cp1252.html", "legacy-undeclared-latin1.html", "utf8-no-declaration.html"):
        article = extract(name)[0]
        text = " ".join([article.title, article.body, *article.authors])
        for expected in sidecar(name).get("must_contain", []):
            assert expected in text, (name, expected)
        assert "\ufffd" not in text and "\x92" not in text


# --- the aggregator layout ------------------------------------------------------------------------


def test_aggregator_page_yields_its_article_then_the_rail_articles() -> None:
    articles = extract("aggregator-seed-layout.html")
    expected = sidecar("aggregator-seed-layout.html")
    assert [a.embedded for a in articles] == [False, True, True, True]
    assert [a.title for a in articles] == [expected["title"]] + [
        r["title"] for r in expected["related"]
    ]
    assert {a.path for a in articles} == {"pages/aggregator-seed-layout.html"}


def test_aggregator_main_body_holds_only_its_own_paragraphs() -> None:
    main = extract("aggregator-seed-layout.html")[0]
    expected = sidecar("aggregator-seed-layout.html")
    assert main.body.split("\n\n") == expected["body_paragraphs"]
    for furniture in expected["not_in_body"]:
        assert furniture not in main.body


def test_aggregator_main_article_metadata() -> None:
    main = extract("aggregator-seed-layout.html")[0]
    assert (main.source, main.published, main.authors) == (
        "Wikinews",
        "2014-07-28T09:00:00+00:00",
        (),
    )
    assert main.provenance["source"] == "markup"


@pytest.mark.parametrize("name", ["aggregator-seed-layout.html", "relative-dates.html"])
def test_rail_articles_have_their_own_source_date_and_full_text(name: str) -> None:
    rail = extract(name)[1:]
    expected = sidecar(name)["related"]
    assert len(rail) == len(expected)
    for article, wanted in zip(rail, expected, strict=True):
        assert (article.title, article.source, article.published) == (
            wanted["title"],
            wanted["source"],
            wanted["published"],
        )
        assert article.body == wanted["body"]
        assert article.id == article_id(wanted["body"])


def test_aggregator_page_without_text_of_its_own_yields_its_rail_articles_only() -> None:
    articles = extract("aggregator-headline-only.html")
    expected = sidecar("aggregator-headline-only.html")["related"]
    assert all(article.embedded for article in articles)
    # Two cards titled alike (a story and its longer version) are two articles.
    assert [(a.title, a.source, a.published, a.body) for a in articles] == [
        (r["title"], r["source"], r["published"], r["body"]) for r in expected
    ]


def test_relative_dates_resolve_against_the_generated_time_not_the_file_time() -> None:
    articles = extract("relative-dates.html", mtime=MTIME)
    main = articles[0]
    assert main.published_day == "2015-05-18"
    assert (main.provenance["published"], main.provenance["published_reference"]) == (
        "relative",
        "meta",
    )
    assert articles[1].provenance["published"] == "relative"


def test_title_only_link_rail_is_removed_and_yields_no_articles() -> None:
    articles = extract("extract-title-only-rail.html", mtime=None)
    assert len(articles) == 1
    assert "Swimming pool closes" not in articles[0].body
    assert articles[0].body.startswith("The central library will open on Sunday afternoons")


def test_article_nested_in_the_main_one_is_embedded_not_body() -> None:
    main, nested = extract("extract-nested-article.html", mtime=None)
    assert nested.embedded and nested.title == "Bridge repairs to close the embankment for a week"
    assert nested.body.startswith("The embankment road will be closed")
    assert "embankment road" not in main.body
    assert "Read more" not in main.body and "Parking charges" not in main.body
    assert main.body.endswith("drive into the city for work.")


def test_json_ld_articles_with_a_body_are_embedded_articles() -> None:
    main, other = extract("extract-jsonld-several-articles.html", mtime=None)
    assert main.title == "Orchestra announces free summer concerts"
    assert main.authors == ("Lena Fischer",)
    assert (other.embedded, other.title, other.authors, other.published) == (
        True,
        "Rowing club celebrates its centenary",
        ("Marco Bianchi",),
        "2019-05-18T12:00:00+00:00",
    )
    assert other.provenance["body"] == "json-ld"


# --- identity and provenance ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ARTICLE_PAGES)
def test_article_ids_are_derived_from_the_body(name: str) -> None:
    for article in extract(name):
        assert article.id == article_id(article.body)
        assert article.path == f"pages/{name}"


@pytest.mark.parametrize("name", ARTICLE_PAGES)
def test_provenance_names_known_origins(name: str) -> None:
    for article in extract(name):
        assert set(article.provenance.values()) <= set(PROVENANCE_ORIGINS)
        assert {"title", "body"} <= set(article.provenance)


PROVENANCED_FIELDS = ("title", "authors", "source", "published", "modified", "language", "url",
                      "description", "tags", "image", "license", "body")  # fmt: skip


@pytest.mark.parametrize("name", [*ARTICLE_PAGES, "aggregator-headline-only.html"])
def test_every_field_with_a_value_says_where_it_came_from(name: str) -> None:
    for article in extract(name):
        for field in PROVENANCED_FIELDS:
            if getattr(article, field):
                assert field in article.provenance, (name, field)
        if article.provenance.get("published") == "relative":
            # Which reference time the relative date counted back from.
            assert article.provenance["published_reference"] in ("meta", "file-mtime")


# --- pages that yield nothing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.html", "empty file"),
        ("binary.html", "binary file, not HTML"),
        ("not-an-article.html", "no article text found"),
    ],
)
def test_pages_without_an_article_raise_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract(name)
    assert str(raised.value) == reason


def test_an_unexpected_error_becomes_an_extraction_error_naming_its_type(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(indexer.extraction.page, "find_layout", broken)
    with caplog.at_level(logging.ERROR), pytest.raises(ExtractionError, match="KeyError"):
        extract("opengraph-only.html")
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


# --- hostile pages --------------------------------------------------------------------------------


def test_markup_in_text_is_kept_as_text_and_live_markup_never_extracted() -> None:
    expected = sidecar("xss.html")
    article = extract("xss.html")[0]
    assert article.title == expected["title"]
    assert list(article.authors) == expected["authors"]
    assert article.description == expected["description"]
    for text in expected["body_must_contain"]:
        assert text in article.body
    everything = json.dumps(article.to_dict())
    for forbidden in expected["must_not_appear_anywhere"]:
        assert forbidden not in everything
    assert article.image is None


def test_truncated_page_yields_the_paragraphs_before_the_cut() -> None:
    article = extract("truncated.html")[0]
    assert article.body.split("\n\n") == sidecar("truncated.html")["body_paragraphs"]


def test_20_mb_page_is_extracted_in_seconds() -> None:
    # A page twenty times the size of a big news page: paragraphs of one real article, repeated.
    paragraphs = sidecar("meta-only.html")["body_paragraphs"]
    html = ["<html><head><title>A very long page</title></head><body><article><h1>A very long page"]
    html.append("</h1>")
    size = 0
    while size < 20 * 1024 * 1024:
        for paragraph in paragraphs:
            html.append(f"<p>{paragraph}</p>\n")
            size += len(paragraph) + 8
    data = "".join(html + ["</article></body></html>"]).encode()
    started = time.perf_counter()
    article = extract_page(data, "big.html")[0]
    assert time.perf_counter() - started < 30
    assert article.body.startswith(paragraphs[0])
    assert len(article.body) <= indexer.extraction.body.MAX_BODY_CHARS


# --- fuzzing: any bytes give articles or an ExtractionError ---------------------------------------

FUZZ_SOURCES = [
    (PAGES / name).read_bytes()
    for name in (
        "aggregator-seed-layout.html",
        "publisher-jsonld-graph.html",
        "legacy-cp1252.html",
        "microdata.html",
        "gzip-page.html.gz",
        "xml-prologue.html",
    )
]


def outcome(data: bytes) -> list[Article] | ExtractionError:
    try:
        articles = extract_page(data, "fuzz.html", mtime=MTIME)
    except ExtractionError as error:
        assert str(error)
        # The top-level guard turns a crash into an error too: that would be a bug here.
        assert not str(error).startswith("extractor bug"), error
        return error
    assert articles and all(isinstance(a, Article) and a.body for a in articles)
    return articles


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(source=st.sampled_from(FUZZ_SOURCES), cut=st.floats(0, 1))
def test_truncated_pages_give_articles_or_an_extraction_error(source: bytes, cut: float) -> None:
    outcome(source[: int(len(source) * cut)])


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(source=st.sampled_from(FUZZ_SOURCES), seed=st.integers(0, 2**32), flips=st.integers(1, 200))
def test_mutated_pages_give_articles_or_an_extraction_error(
    source: bytes, seed: int, flips: int
) -> None:
    rng = random.Random(seed)
    data = bytearray(source)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    outcome(bytes(data))


@settings(max_examples=30, deadline=None, database=None)
@given(
    source=st.sampled_from(FUZZ_SOURCES[:4]),
    encoding=st.sampled_from(
        [
            "utf-16-le",
            "utf-16-be",
            "utf-32",
            "cp1252",
            "latin-1",
            "koi8-r",
            "shift_jis",
            "gb18030",
            "mac_roman",
        ]
    ),  # fmt: skip
)
def test_pages_in_the_wrong_charset_give_articles_or_an_extraction_error(
    source: bytes, encoding: str
) -> None:
    text = source.decode("utf-8", errors="replace")
    outcome(text.encode(encoding, errors="replace"))


@settings(max_examples=40, deadline=None, database=None)
@given(data=st.binary(max_size=4096))
def test_random_bytes_give_articles_or_an_extraction_error(data: bytes) -> None:
    outcome(data)


# Pages built from the words extraction looks for: rails, furniture, bylines, dates, links,
# headings, continuation blocks, JSON-LD, nested articles, tables.
FUZZ_CLASSES = ["related", "comments", "article__body", "story-meta", "byline", "src", "promo",
                "more", "date", "title", "ad-slot", "share", "print-header", ""]  # fmt: skip
FUZZ_TEXT = st.sampled_from(
    [
        "Related Articles", "Comments (3)", "By Jane Doe | Feb 26, 1987", "2 hours ago",
        "yesterday", "The harbour board approved a new quay on Wednesday after two years.",
        "Ferry fares frozen", "© 2015 Pacific Wire", "Read more:", "·", "<FHB>", "",
        "Tolls for cargo ships entering the north harbour will rise by eight percent. " * 4,
    ]
)  # fmt: skip
FUZZ_TAGS = ["div", "p", "article", "section", "aside", "h1", "h2", "h3", "a", "span", "time",
             "ul", "li", "table", "tr", "td", "main", "footer", "nav", "figure",
             "blockquote"]  # fmt: skip


def _element(tag: str, cls: str, text: str, children: list[str]) -> str:
    attributes = f' class="{cls}"' if cls else ""
    if tag == "time":
        attributes += ' datetime="2015-05-19T08:30:00Z"'
    if tag == "a":
        attributes += ' href="/a/1"'
    return f"<{tag}{attributes}>{html.escape(text)}{''.join(children)}</{tag}>"


FUZZ_TREES = st.recursive(
    st.builds(_element, st.sampled_from(FUZZ_TAGS), st.sampled_from(FUZZ_CLASSES), FUZZ_TEXT,
              st.just([])),
    lambda children: st.builds(
        _element, st.sampled_from(FUZZ_TAGS), st.sampled_from(FUZZ_CLASSES), FUZZ_TEXT,
        st.lists(children, max_size=6),
    ),
    max_leaves=60,
)  # fmt: skip
FUZZ_HEADS = st.sampled_from(
    [
        "",
        '<meta name="generated" content="2015-05-19T08:30:00Z">',
        '<meta property="og:title" content="Ferry fares frozen">'
        '<meta property="article:published_time" content="2030-01-01">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry fares '
        'frozen", "articleBody": "Tolls for cargo ships entering the north harbour will rise.",'
        ' "publisher": {"@id": "#p"}, "@graph": [1, null, {"@type": []}]}</script>',
    ]
)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(head=FUZZ_HEADS, body=st.lists(FUZZ_TREES, min_size=1, max_size=4))
def test_generated_pages_give_articles_or_an_extraction_error(head: str, body: list[str]) -> None:
    page = f"<html><head><title>Ferry fares frozen | Harbour Post</title>{head}</head><body>"
    outcome((page + "".join(body) + "</body></html>").encode())


def test_urls_that_are_not_http_or_not_urls_at_all_are_dropped() -> None:
    data = (PAGES / "opengraph-only.html").read_bytes()
    data = data.replace(b'property="og:url" content="', b'property="og:url" content="http://[')
    article = extract_page(data, "broken-url.html", mtime=MTIME)[0]
    assert article.url is None and "url" not in article.provenance


def test_json_ld_nested_100000_levels_is_an_ordinary_page() -> None:
    nested = '{"a":' * 100_000 + "1" + "}" * 100_000  # base: "extractor bug: RecursionError"
    page = (
        '<html><head><title>Harbour opens</title><script type="application/ld+json">'
        f"{nested}</script></head><body><article><h1>Harbour opens</h1>"
        + "<p>The new harbour opened on Monday after three years of building work.</p>" * 6
        + "</article></body></html>"
    )
    articles = extract_page(page.encode("utf-8"), "deep-json-ld.html")
    assert articles[0].title == "Harbour opens"


def test_an_article_beside_the_titled_one_is_another_story_only_when_it_has_a_title() -> None:
    from indexer.extraction.htmlparse import parse_html
    from indexer.extraction.rails import is_other_story

    tree = parse_html(
        "<body><article id=main><h1>Where does the thick air come from?</h1><p>Text.</p>"
        "</article><article id=box><p>Fossils are remains of plants or animals.</p></article>"
        "<article id=card><h3>Ferry fares frozen for the winter</h3><p>Teaser.</p></article>"
        '<article id=linked><a href="/ferry">Ferry fares frozen for the winter</a></article>'
        "</body>"
    )
    main = tree.get_element_by_id("main")
    assert not is_other_story(tree.get_element_by_id("box"), main)
    assert is_other_story(tree.get_element_by_id("card"), main)
    assert is_other_story(tree.get_element_by_id("linked"), main)
    assert not is_other_story(tree.get_element_by_id("card"), None)
