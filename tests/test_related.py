"""Related articles: never the article or a copy of it, copies grouped, a readable "why", recency
only as a tie-break, and lists that follow incremental index updates.

The pages are in tests/data/related/ (invented stories; README.md there says which page is what).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.index import schema
from search import RelatedHit, SearchService, related
from search.related import RECENCY_WEIGHT, is_copy, recency_factors, shingles
from search.related_words import WEAK_WORDS

DATA = Path(__file__).parent / "data" / "related"
CORPUS = DATA / "corpus"
ADDED = DATA / "added" / "lava-reaches-the-sea.html"

ERUPTION = "harbour-post/volcano-erupts-on-merrow-island.html"
ERUPTION_COPIES = {
    "metro-ledger/volcano-erupts-on-merrow-island.html",  # syndicated, with a credit line
    "island-digest/mount-calder-erupts.html",  # the story's first paragraph only
}
ASH_CLOUD = {
    "harbour-post/ash-cloud-grounds-flights.html",
    "metro-ledger/ash-cloud-grounds-flights.html",  # the same story, syndicated
}
STRIKE = "harbour-post/dockworkers-strike-port-ellery.html"
STRIKE_AGAIN = "harbour-post/dockworkers-strike-again.html"  # closest in content, 12 years earlier
THIRD_DAY = "harbour-post/strike-third-day.html"  # two days later
THIRD_DAY_MIRROR = "all-ports-weekly/strike-third-day-reversed.html"  # same words, 4 years earlier
LAVA = "lava-reaches-the-sea.html"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    index = tmp_path_factory.mktemp("related") / "index"
    report = build_index(CORPUS, index, workers=1)
    assert report.articles == 13, report.to_dict()
    return SearchService(index)


def article_id_of(service: SearchService, path: str) -> str:
    with service.store.searcher() as searcher:
        for fields in searcher.reader().all_stored_fields():
            article = schema.from_stored(fields)
            if article.path == path:
                return article.id
    raise AssertionError(f"no article from {path}")


def related_paths(service: SearchService, path: str, limit: int = 10) -> list[str]:
    return [item.hit.article.path for item in service.related(article_id_of(service, path), limit)]


def words_of(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def test_related_never_lists_the_article_or_a_copy_of_it(service: SearchService) -> None:
    paths = related_paths(service, ERUPTION)
    assert paths, "the eruption story has related stories"
    assert ERUPTION not in paths
    assert not ERUPTION_COPIES & set(paths)


def test_related_shows_a_story_and_its_syndicated_copy_once(service: SearchService) -> None:
    paths = related_paths(service, ERUPTION)
    assert len(ASH_CLOUD & set(paths)) == 1
    assert len(paths) == len(set(paths))


def test_related_ranks_the_stories_about_the_same_event_first(service: SearchService) -> None:
    paths = related_paths(service, ERUPTION, limit=2)
    assert set(paths) <= ASH_CLOUD | {"science-weekly/sensors-on-mount-calder.html"}


def test_each_related_article_says_which_words_it_shares(service: SearchService) -> None:
    article = service.article(article_id_of(service, ERUPTION))
    article_words = words_of(f"{article.title} {article.body}")
    items: list[RelatedHit] = list(service.related(article.id, 10))
    assert items
    for item in items:
        other = item.hit.article
        other_words = words_of(f"{other.title} {other.body}")
        assert 2 <= len(item.shared_terms) <= 5, item.shared_terms
        for term in item.shared_terms:
            # Readable words as the article spells them (not stems such as "villag"), and telling
            # ones: never "said", "yesterday", "earlier" (all three are in both texts).
            assert term.lower() in article_words, term
            assert term.lower() not in WEAK_WORDS, term
            assert not any(ch.isdigit() for ch in term), term
        assert any(term.lower() in other_words for term in item.shared_terms)
        assert item.to_dict()["reason"]["shared_terms"] == list(item.shared_terms)


def test_why_terms_of_the_ash_cloud_story_name_the_volcano(service: SearchService) -> None:
    items = service.related(article_id_of(service, ERUPTION), 10)
    ash = next(item for item in items if item.hit.article.path in ASH_CLOUD)
    assert {"villagers", "volcano"} & set(ash.shared_terms), ash.shared_terms
    assert "villag" not in ash.shared_terms


def test_a_page_showing_part_of_a_story_is_related_like_the_whole_story(
    service: SearchService,
) -> None:
    teaser_path = "island-digest/mount-calder-erupts.html"  # the eruption story's first paragraph
    teaser = service.article(article_id_of(service, teaser_path))
    items = service.related(teaser.id, 10)
    paths = [item.hit.article.path for item in items]
    assert ERUPTION not in paths and not ERUPTION_COPIES & set(paths)
    ash = next(item for item in items if item.hit.article.path in ASH_CLOUD)
    # Scored with the full story's words, not only the teaser's few.
    only_in_full_story = {t.lower() for t in ash.shared_terms} - words_of(
        f"{teaser.title} {teaser.body}"
    )
    assert only_in_full_story, ash.shared_terms


def test_a_long_article_is_related_by_its_weightiest_words(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the eruption story were too long to score with every word: only its 8 weightiest.
    monkeypatch.setattr(related, "MAX_QUERY_TERMS", 8)
    paths = related_paths(service, ERUPTION, limit=2)
    assert set(paths) <= ASH_CLOUD | {"science-weekly/sensors-on-mount-calder.html"}, paths


def test_stories_sharing_a_single_common_word_are_not_offered(service: SearchService) -> None:
    # The library and chess stories share "hours" and nothing else telling.
    paths = related_paths(service, "city-news/library-weekend-hours.html")
    assert "city-news/chess-championship-draw.html" not in paths


def test_recency_breaks_a_tie_between_equally_similar_stories(service: SearchService) -> None:
    items = service.related(article_id_of(service, STRIKE), 10)
    paths = [item.hit.article.path for item in items]
    near, far = paths.index(THIRD_DAY), paths.index(THIRD_DAY_MIRROR)
    assert near == far - 1, paths
    assert items[near].hit.score == pytest.approx(items[far].hit.score)


def test_recency_never_outweighs_content(service: SearchService) -> None:
    paths = related_paths(service, STRIKE)
    # Twelve years older than the two stories from the same week, but closer in content.
    assert paths[0] == STRIKE_AGAIN


def test_recency_lifts_a_score_by_one_percent_at_most() -> None:
    day = 86_400 * 1_000_000
    published = np.array([0, 0, 2 * day, 4000 * day, 0], dtype=np.int64)
    dated = np.array([True, True, True, True, False])
    factors = recency_factors(published, dated, 0)
    assert factors.max() == pytest.approx(1 + RECENCY_WEIGHT)
    assert factors.max() <= 1.01
    assert factors[1] > factors[2] > factors[3] > 1.0
    assert factors[4] == 1.0
    assert (recency_factors(published, dated, 4) == 1.0).all()


def test_copies_are_a_syndicated_text_or_its_opening_but_not_another_story() -> None:
    text = (CORPUS / "harbour-post" / "volcano-erupts-on-merrow-island.html").read_text("utf-8")
    paragraphs = re.findall(r"<p>(.*?)</p>", text)
    story = " ".join(paragraphs)
    assert is_copy(shingles(story), shingles("Republished with thanks. " + story))
    assert is_copy(shingles(story), shingles(paragraphs[0]))
    other = (CORPUS / "harbour-post" / "ash-cloud-grounds-flights.html").read_text("utf-8")
    assert not is_copy(shingles(story), shingles(" ".join(re.findall(r"<p>(.*?)</p>", other))))


def test_an_article_added_later_appears_in_an_older_articles_list(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    service = SearchService(index)
    before = related_paths(service, ERUPTION)
    assert LAVA not in before

    shutil.copy(ADDED, corpus / LAVA)
    report = build_index(corpus, index, workers=1)
    assert not report.rebuilt and report.indexed == 1, report.to_dict()
    after = related_paths(service, ERUPTION)
    assert LAVA in after[:3], after


def test_stories_that_share_only_everyday_words_fall_below_the_relevance_floor(
    arrays_index: Path,
) -> None:
    # The generated articles all draw their words from one short list: every one shares words
    # with every other, none stands out as related.
    service = SearchService(arrays_index)
    unfloored = service.related("synthetic-0001", 5, min_standout=None)
    assert len(unfloored) == 5, "without the floor, weak neighbours are offered"
    assert max(hit.standout for hit in unfloored) < related.MIN_STANDOUT
    assert service.related("synthetic-0001", 5) == ()


def test_related_stories_clear_the_relevance_floor(service: SearchService) -> None:
    listed = service.related(article_id_of(service, ERUPTION), 5)
    assert listed and all(hit.standout >= related.MIN_STANDOUT for hit in listed)
    assert all(hit.hit.score >= related.MIN_RELATED_SCORE for hit in listed)
