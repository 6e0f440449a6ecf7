"""Stories end to end (search/stories.py with the build, the service and the API): every copy
kept, one result per story, every outlet's filter finds it, dates, incremental runs (issue 14)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from flask.testing import FlaskClient

from indexer.build import build_index
from indexer.index.version import Category
from search import SearchService, parse_request
from search.results import SearchResults
from search.stories import StoryView, ValueCounter, collapse, day_of_long
from tests.story_pages import BRIDGE_OUTLETS, FROST, PAGES, page_html, write_story_corpus
from web.app import create_app


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_story_corpus(tmp_path / "corpus")


@pytest.fixture
def index(tmp_path: Path, corpus: Path) -> Path:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    return index


@pytest.fixture
def service(index: Path) -> Iterator[SearchService]:
    service = SearchService(index)
    yield service
    service.close()


def search(service: SearchService, **params: object) -> SearchResults:
    return service.search(parse_request(params))


def bridge_ids(service: SearchService) -> set[str]:
    """The texts (document ids) of the bridge story."""
    found = search(service, q="bridge", group="none")
    return {hit.article.id for hit in found.hits}


def five_documents() -> StoryView:
    """Documents 0, 2 and 3 are one story (3 its main text); 1 and 4 are stories alone."""
    group = np.array([0, 5, 0, 0, 7])
    shared = np.array([True, False, True, True, False])
    none = np.zeros(5, dtype=np.int64)
    return StoryView(
        group=group,
        shared=shared,
        main=np.array([False, True, False, True, True]),
        versions=np.array([4, 1, 4, 4, 1]),
        texts=np.array([3, 1, 3, 3, 1]),
        published=none,
        dated=np.zeros(5, dtype=bool),
        last_updated=none,
        year=Category(np.full(5, -1, dtype=np.int32), ()),
        outlets=Category(np.empty(0, dtype=np.int32), ("A", "B")),
        outlet_keys={"a": 0, "b": 1},
        pair_docs=np.array([0, 2, 3, 1]),
        pair_outlets=np.array([0, 1, 1, 0]),
    )


def test_collapse_keeps_the_best_scoring_text_of_each_story() -> None:
    view = five_documents()
    mask = np.ones(5, dtype=bool)
    scores = np.array([0.5, 0.1, 0.9, 0.2, 0.3])
    assert np.flatnonzero(collapse(view, mask, scores)).tolist() == [1, 2, 4]
    # Without scores the story's main text stands for it; a story not matched stays out.
    assert np.flatnonzero(collapse(view, mask, None)).tolist() == [1, 3, 4]
    only = np.array([True, False, True, False, False])
    assert np.flatnonzero(collapse(view, only, None)).tolist() == [0]


def test_collapse_breaks_a_tie_by_the_main_text_then_the_first_document() -> None:
    view = five_documents()
    mask = np.ones(5, dtype=bool)
    tied = np.array([0.7, 0.1, 0.7, 0.7, 0.3])
    assert np.flatnonzero(collapse(view, mask, tied)).tolist() == [1, 3, 4]
    no_main = np.array([True, True, True, False, True])
    assert np.flatnonzero(collapse(view, no_main, tied)).tolist() == [0, 1, 4]


def test_collapse_ranks_a_score_that_is_not_a_number_below_the_others() -> None:
    view = five_documents()
    mask = np.ones(5, dtype=bool)
    scores = np.array([np.nan, 0.1, 0.2, np.nan, 0.3])
    assert np.flatnonzero(collapse(view, mask, scores)).tolist() == [1, 2, 4]


def test_value_counter_counts_a_story_once_per_value() -> None:
    view = five_documents()
    counter = ValueCounter(view.pair_docs, view.pair_outlets, ("A", "B"))
    everything = np.ones(5, dtype=bool)
    # Outlet A: the story (doc 0) and doc 1; outlet B: the story twice (docs 2, 3) -> once.
    assert counter.count(everything, view).tolist() == [2, 1]
    assert counter.count(everything, None).tolist() == [2, 2]
    assert counter.count(np.array([False, True, False, True, False]), view).tolist() == [1, 1]
    # A document without a value (code -1) is not counted.
    years = ValueCounter.of_category(
        Category(np.array([0, -1, 0, 1, 1], dtype=np.int32), ("x", "y"))
    )
    assert years.count(everything, view).tolist() == [1, 2]
    assert years.count(everything, None).tolist() == [2, 2]


def _stories_of(seed: int, size: int) -> StoryView:
    """``size`` documents in random stories (a story of one text is no shared story)."""
    rng = np.random.default_rng(seed)
    story = rng.integers(0, size // 2, size)
    shared = np.bincount(story)[story] > 1
    group = np.where(shared, story, size + np.arange(size))
    view = five_documents()
    return dataclasses.replace(view, group=group, shared=shared)


@pytest.mark.parametrize("one_value", [False, True], ids=["several values", "one value"])
@pytest.mark.parametrize("seed", range(20))
def test_value_counter_both_ways_count_what_brute_force_counts(seed: int, one_value: bool) -> None:
    size, values = 60, 7
    view = _stories_of(seed, size)
    rng = np.random.default_rng(seed + 100)
    if one_value:  # a category: a value or none (-1) per document, read by one gather
        docs = np.arange(size)
        codes = np.where(rng.random(size) < 0.2, -1, rng.integers(0, values, size))
    else:  # several values per document (each once, as the index holds them), some none (-1)
        pairs = np.unique(rng.integers(0, size * values, 300))
        docs, codes = pairs // values, np.where(pairs % 5 == 0, -1, pairs % values)
    counter = ValueCounter(docs, codes, tuple("abcdefg"[:values]))
    assert counter._single_valued is one_value  # each way is the one under test
    for share in (0.05, 0.5):
        mask = rng.random(size) < share
        matching = np.flatnonzero(mask)
        for stories in (view, None):
            found: list[set[int]] = [set() for _ in range(values)]
            for doc, code in zip(docs.tolist(), codes.tolist(), strict=True):
                if mask[doc] and code >= 0:
                    found[code].add(int(stories.group[doc]) if stories is not None else doc)
            expected = [len(members) for members in found]
            assert counter.count(mask, stories).tolist() == expected
            assert counter.count(mask, stories, matching).tolist() == expected


def test_outlets_of_a_document_in_the_order_of_its_copies() -> None:
    view = five_documents()
    assert view.outlets_of(0) == ("A",)
    assert view.outlets_of(3) == ("B",)
    assert view.outlets_of(4) == ()


def test_whoosh_datetimes_read_back_as_days() -> None:
    from datetime import datetime

    from whoosh.util.times import datetime_to_long

    assert day_of_long(int(datetime_to_long(datetime(2024, 3, 5, 9)))) == "2024-03-05"
    assert day_of_long(0) is None


def test_a_build_keeps_every_copy_and_counts_the_stories(tmp_path: Path, corpus: Path) -> None:
    report = build_index(corpus, tmp_path / "index", workers=1)
    assert report.versions == 5  # three bridge copies, frost, concerts
    assert report.articles == 4  # the Herald's and the Gazette's identical texts are one
    assert report.stories == 3


def test_a_story_with_three_versions_is_one_result(service: SearchService) -> None:
    results = search(service, q="bridge")
    assert results.total == 1
    assert results.counts == "stories"
    assert results.total_documents == 2  # the full text and the shortened one
    (hit,) = results.hits
    assert hit.versions == 3
    assert hit.story is not None
    assert hit.story.first_published == "2024-03-05"
    assert hit.story.last_updated == "2024-03-07"
    data = results.to_dict()
    assert (data["total_stories"], data["total_documents"], data["counts"]) == (1, 2, "stories")
    assert data["results"][0]["versions"] == 3


def test_group_none_lists_every_text(service: SearchService) -> None:
    results = search(service, q="bridge", group="none")
    assert results.total == 2
    assert results.counts == "documents"
    assert len(results.hits) == 2


@pytest.mark.parametrize("outlet", BRIDGE_OUTLETS)
def test_each_outlets_filter_finds_the_story(service: SearchService, outlet: str) -> None:
    ids = bridge_ids(service)
    results = search(service, q="bridge", source=[outlet])
    (hit,) = [hit for hit in results.hits if hit.article.id in ids]
    # The result is shown as the chosen outlet printed it, whichever copy the index holds.
    _, title, published, url, _ = PAGES[outlet]
    assert (hit.article.source, hit.article.title, hit.article.url) == (outlet, title, url)
    assert hit.article.published == published
    shown = results.to_dict()["results"][0]
    assert (shown["source"], shown["url"], shown["published"]) == (outlet, url, published[:10])
    # The outlet's name in query syntax finds it too, whichever copy the index holds.
    quoted = search(service, q=f'source:"{outlet}" bridge')
    assert {hit.article.id for hit in quoted.hits} & ids


def test_the_source_facet_counts_the_story_under_each_outlet(service: SearchService) -> None:
    results = search(service, q="bridge")
    counts = {value.value: value.count for value in results.facets["source"]}
    assert counts == {outlet: 1 for outlet in BRIDGE_OUTLETS}


def test_a_story_is_dated_by_its_first_version(service: SearchService) -> None:
    # The shortened copy was published on 7 March; the story on 5 March.
    assert search(service, q="bridge", **{"from": "2024-03-05", "to": "2024-03-05"}).total == 1
    assert search(service, q="bridge", **{"from": "2024-03-07", "to": "2024-03-07"}).total == 0
    newest = [hit.article.title for hit in search(service, q="", sort="newest").hits]
    oldest = [hit.article.title for hit in search(service, q="", sort="oldest").hits]
    assert len(newest) == 3  # frost, bridge, concerts: one per story
    assert newest[0] == "Frost hits apple orchards"
    assert oldest[0] == "Orchestra announces its season"
    assert oldest == newest[::-1]
    years = {value.value: value.count for value in search(service, q="").facets["year"]}
    assert years == {"2024": 3}


def test_the_article_lists_every_version_with_why(service: SearchService) -> None:
    (hit,) = search(service, q="bridge").hits
    article = service.article(hit.article.id)
    story = article.story
    assert story is not None
    assert sorted(v.source or "" for v in story.versions) == sorted(BRIDGE_OUTLETS)
    assert story.first_published is not None and story.first_published.startswith("2024-03-05")
    assert story.last_updated is not None and story.last_updated.startswith("2024-03-07")
    by_outlet = {v.source: v for v in story.versions}
    assert by_outlet["Valley Herald"].url == PAGES["Valley Herald"][3]
    assert by_outlet["Riverton Gazette"].title == "Old stone bridge to be replaced"
    courier = by_outlet["County Courier"]
    relations = {v.relation for v in story.versions}
    assert "main" in relations
    if courier.relation != "main":
        assert courier.relation == "contained"
        assert courier.containment == 1.0
        assert courier.jaccard is not None and courier.jaccard < 0.8


def test_related_articles_never_list_a_version_of_the_story(service: SearchService) -> None:
    ids = bridge_ids(service)
    for article_id in ids:
        related = service.related(article_id, limit=10, min_standout=None)
        assert not {item.hit.article.id for item in related} & ids


def test_removing_one_copy_keeps_the_story_removing_all_removes_it(
    tmp_path: Path, corpus: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    (corpus / PAGES["Valley Herald"][0]).unlink()
    report = build_index(corpus, index, workers=1)
    assert report.versions == 4
    service = SearchService(index)
    try:
        (hit,) = search(service, q="bridge").hits
        assert hit.versions == 2
        assert search(service, q="bridge", source=["Valley Herald"]).total == 0
        assert search(service, q="bridge", source=["Riverton Gazette"]).total == 1
        assert search(service, q='source:"Valley Herald" bridge').total == 0
    finally:
        service.close()
    for outlet in ("Riverton Gazette", "County Courier"):
        (corpus / PAGES[outlet][0]).unlink()
    build_index(corpus, index, workers=1)
    service = SearchService(index)
    try:
        assert search(service, q="bridge").total == 0
        assert search(service, q="").total == 2
    finally:
        service.close()


def test_a_new_copy_joins_its_story_and_an_edited_copy_moves(tmp_path: Path, corpus: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    tribune = corpus / "tribune" / "bridge.html"
    tribune.parent.mkdir()
    tribune.write_text(
        page_html(
            "Mill Valley Tribune",
            "A new bridge for Riverton",
            "2024-03-04T07:00:00",
            "https://tribune.example/bridge",
            PAGES["Valley Herald"][4],
        ),
        encoding="utf-8",
    )
    build_index(corpus, index, workers=1)
    service = SearchService(index)
    try:
        (hit,) = search(service, q="bridge").hits
        assert hit.versions == 4
        assert hit.story is not None and hit.story.first_published == "2024-03-04"
        assert search(service, q="bridge", source=["Mill Valley Tribune"]).total == 1
    finally:
        service.close()
    # The Courier's page now prints another story: its version leaves the bridge story.
    courier = corpus / PAGES["County Courier"][0]
    courier.write_text(
        page_html(
            "County Courier", "Orchards", "2024-04-02T08:00:00", "https://c.example/f", FROST
        ),
        encoding="utf-8",
    )
    stat = courier.stat()
    os.utime(courier, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    build_index(corpus, index, workers=1)
    service = SearchService(index)
    try:
        (bridge,) = search(service, q="bridge").hits
        assert bridge.versions == 3
        (frost,) = search(service, q="frost orchards").hits
        assert frost.versions == 2
        assert search(service, q="frost", source=["County Courier"]).total == 1
    finally:
        service.close()


def test_the_api_counts_stories_and_returns_the_versions(index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client: FlaskClient = app.test_client()
    data = client.get("/api/search?q=bridge").get_json()
    assert (data["total"], data["total_stories"], data["total_documents"]) == (1, 1, 2)
    assert data["group"] == "story"
    assert data["results"][0]["versions"] == 3
    every = client.get("/api/search?q=bridge&group=none").get_json()
    assert (every["total"], every["counts"], every["total_stories"]) == (2, "documents", None)
    bad = client.get("/api/search?q=bridge&group=outlet")
    assert bad.status_code == 400
    assert "group" in bad.get_json()["error"]["message"]
    article = client.get(f"/api/articles/{data['results'][0]['id']}").get_json()
    outlets = sorted(v["source"] for v in article["story"]["versions"])
    assert outlets == sorted(BRIDGE_OUTLETS)
    assert {"url", "published", "path", "title", "reason", "jaccard"} <= set(
        article["story"]["versions"][0]
    )


def test_the_pages_show_one_result_with_its_versions(index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client: FlaskClient = app.test_client()
    page = client.get("/search?q=bridge").get_data(as_text=True)
    assert page.count('class="result"') == 1
    assert "3 versions" in page
    assert "show every article" in page
    (hit,) = SearchService(index).search(parse_request({"q": "bridge"})).hits
    article = client.get(f"/articles/{hit.article.id}").get_data(as_text=True)
    assert "Also published by" in article
    for outlet in BRIDGE_OUTLETS:
        assert outlet in article
    # The original links are escaped in the page.
    assert "https://valleyherald.example/news/bridge?ref=a&amp;b=1" in article
    assert "First published" in article or "first published" in article
