"""The search service over the test corpus: ranking, filters, sorting, facets, paging, suggestions,
related articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.schema import text_analyzer
from search import (
    MAX_QUERY_LENGTH,
    ArticleNotFoundError,
    BadRequestError,
    SearchResults,
    SearchService,
    parse_request,
)
from search.related import is_copy, shingles

AGGREGATOR = "aggregator/daily8-texas-student-ahmed-mohamed.html"
HAJJ = "wikinews/hundreds-dead-in-hajj-stampede.html"


@pytest.fixture
def service(index_dir: Path) -> SearchService:
    return SearchService(index_dir)


def run(service: SearchService, **params: str) -> SearchResults:
    return service.search(parse_request(params))


def test_aggregator_main_article_is_found_first_with_a_marked_snippet(
    service: SearchService,
) -> None:
    results = run(service, q="Ahmed Mohamed clock")
    assert results.hits[0].article.path == AGGREGATOR
    assert not results.hits[0].article.embedded
    assert "<mark>" in results.hits[0].snippet


def test_title_matches_rank_above_body_only_matches(service: SearchService) -> None:
    results = run(service, q="lantern")
    assert results.hits[0].article.title.startswith("Lantern Festival")


def test_source_author_and_date_filters_narrow_results(service: SearchService) -> None:
    everything = run(service, q="", per_page="100")
    planet = run(service, q="", source="daily planet", per_page="100")
    assert 0 < planet.total < everything.total
    assert {hit.article.source for hit in planet.hits} == {"Daily Planet"}
    by_author = run(service, q="", author="Omar Haddad", per_page="100")
    assert by_author.total >= 1
    assert all("Omar Haddad" in hit.article.authors for hit in by_author.hits)
    in_2015 = run(service, q="", **{"from": "2015-01-01", "to": "2015-12-31"}, per_page="100")
    assert in_2015.total >= 1
    assert all((hit.article.published or "").startswith("2015") for hit in in_2015.hits)


def test_newest_and_oldest_sorts_order_by_date(service: SearchService) -> None:
    newest = [h.article.published for h in run(service, q="", sort="newest", per_page="100").hits]
    oldest = [h.article.published for h in run(service, q="", sort="oldest", per_page="100").hits]
    dated_newest = [d for d in newest if d]
    assert dated_newest == sorted(dated_newest, reverse=True)
    assert [d for d in oldest if d] == sorted(dated_newest)


def test_facets_count_sources_and_years_of_the_matches(service: SearchService) -> None:
    results = run(service, q="")
    sources = {v.value: v.count for v in results.facets["source"]}
    assert sources["Daily Planet"] >= 3
    years = {v.value for v in results.facets["year"]}
    assert {"2006", "2015", "2018"} <= years


def test_pages_are_disjoint_and_past_the_end_has_no_hits_but_the_total(
    service: SearchService,
) -> None:
    first = run(service, q="", per_page="3", page="1")
    second = run(service, q="", per_page="3", page="2")
    assert not {h.article.id for h in first.hits} & {h.article.id for h in second.hits}
    past = run(service, q="", per_page="3", page="50")
    assert past.hits == () and past.total == first.total > 0


def test_misspelled_query_gets_a_suggestion_that_finds_results(service: SearchService) -> None:
    results = run(service, q="stampeed", verbatim="1")
    assert (results.total, results.suggestion) == (0, "stampede")
    assert run(service, q=results.suggestion).total >= 1


def test_a_query_that_finds_nothing_is_answered_with_its_correction(
    service: SearchService,
) -> None:
    results = run(service, q="stampeed")
    assert (results.request.q, results.searched_for, results.corrected) == (
        "stampeed",
        "stampede",
        True,
    )
    assert [h.article.id for h in results.hits] == [
        h.article.id for h in run(service, q="stampede").hits
    ]


def test_a_misspelt_word_that_matches_nothing_is_corrected_in_a_query_with_results(
    service: SearchService,
) -> None:
    # "stampeed" finds nothing, so the query finds only "hajj": the correction is searched.
    results = run(service, q="hajj stampeed")
    assert results.searched_for == "hajj stampede"
    assert results.hits[0].article.title == "Hundreds dead in Hajj stampede"


def test_every_page_of_a_corrected_query_can_be_read(service: SearchService) -> None:
    # As typed, "korea stampeed" finds only the Korea stories; corrected it finds one more.
    typed = run(service, q="korea stampeed", verbatim="1", per_page="1")
    corrected = run(service, q="korea stampeed", per_page="1")
    assert corrected.total > typed.total
    last = run(service, q="korea stampeed", per_page="1", page=str(corrected.total))
    assert last.searched_for == "korea stampede" and len(last.hits) == 1
    # Past the last page: no hits, and the total (as Elasticsearch answers).
    past = run(service, q="korea stampeed", per_page="1", page=str(corrected.total + 1))
    assert past.hits == () and past.total == corrected.total


def test_correct_query_gets_no_suggestion(service: SearchService) -> None:
    assert run(service, q="stampede").suggestion is None


def test_long_natural_query_still_finds_the_article(service: SearchService) -> None:
    results = run(
        service, q="how many pilgrims died in the stampede at the hajj and what did officials say"
    )
    assert results.hits and results.hits[0].article.path == HAJJ


def test_odd_query_syntax_is_read_as_text(service: SearchService) -> None:
    results = run(service, q='"Hajj stampede (pilgrims:')
    assert results.hits and results.hits[0].article.path == HAJJ


def test_related_articles_exclude_the_article_and_its_copies(service: SearchService) -> None:
    article = run(service, q='"quasi-state of war"').hits[0].article
    # No other story of the test corpus is about North Korea: the relevance floor leaves the list
    # empty, so look at the unfloored list for the copies.
    assert service.related(article.id, limit=10) == ()
    related = service.related(article.id, limit=10, min_standout=None)
    assert related
    own = shingles(article.body)
    for item in related:
        assert item.hit.article.id != article.id
        assert not is_copy(own, shingles(item.hit.article.body))
        assert item.shared_terms
    ids = [item.hit.article.id for item in related]
    assert len(ids) == len(set(ids))


def test_unknown_article_id_raises_not_found(service: SearchService) -> None:
    with pytest.raises(ArticleNotFoundError):
        service.article("0000000000000000")
    with pytest.raises(ArticleNotFoundError):
        service.related("0000000000000000")


def test_stats_count_the_articles(service: SearchService) -> None:
    stats = service.stats()
    assert stats.articles == 11
    assert stats.stories is not None and stats.stories <= stats.articles
    # A story counts once under each outlet that printed a copy of it.
    assert sum(v.count for v in stats.sources) >= stats.stories
    assert all(v.count <= stats.stories for v in stats.sources)
    assert stats.size_bytes > 0 and stats.built_at


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 10_000}, f"at most {MAX_QUERY_LENGTH} characters"),
        ({"q": "*"}, r"\*"),
        ({"q": "a", "page": "0"}, "page must be a whole number from 1 to 1000"),
        ({"q": "a", "per_page": "101"}, "per_page must be a whole number from 1 to 100"),
        ({"q": "a", "sort": "random"}, "sort must be one of"),
        ({"q": "a", "from": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_requests_that_cannot_be_served_say_how_to_fix_them(
    service: SearchService, params: dict[str, str], message: str
) -> None:
    with pytest.raises(BadRequestError, match=message):
        service.search(parse_request(params))


def test_from_after_to_is_an_empty_range_not_an_error(service: SearchService) -> None:
    # As a range query answers: nothing is published after February and before January.
    results = service.search(parse_request({"q": "", "from": "2015-02-01", "to": "2015-01-01"}))
    assert results.total == 0 and results.hits == ()


CRANE = "outlets/daily-planet-mecca-crane-collapse.html.gz"
LANTERN = "wikinews/lantern-festival-in-taipei.html"


def words_of(hit: object) -> set[str]:
    article = hit.article  # type: ignore[attr-defined]
    return {token.text for token in text_analyzer()(f"{article.title} {article.body}")}


def test_two_words_are_both_required_when_an_article_has_both(service: SearchService) -> None:
    results = run(service, q="crane collapse", per_page="100")
    assert results.total >= 1
    wanted = {token.text for token in text_analyzer()("crane collapse")}
    assert all(wanted <= words_of(hit) for hit in results.hits)


def test_two_words_no_article_has_together_find_articles_with_either(
    service: SearchService,
) -> None:
    paths = {hit.article.path for hit in run(service, q="lantern stampede", per_page="100").hits}
    assert {LANTERN, HAJJ} <= paths


def test_a_long_question_ranks_on_most_of_its_words_even_if_some_are_nowhere(
    service: SearchService,
) -> None:
    results = run(
        service,
        q="why did a construction crane collapse onto the grand mosque in mecca qwzxv",
    )
    assert results.hits[0].article.path == CRANE
    assert all("<mark>" in hit.snippet for hit in results.hits[:3])


def test_a_typo_in_a_long_query_is_corrected_though_the_query_finds_results(
    service: SearchService,
) -> None:
    text = "how many pilgrims were killed in the stampeed during the hajj"
    results = run(service, q=text, verbatim="1")
    assert results.total >= 1
    assert results.suggestion == "how many pilgrims were killed in the stampede during the hajj"
    assert run(service, q=text).searched_for == results.suggestion


def test_a_typo_typed_in_capitals_is_corrected_in_capitals(service: SearchService) -> None:
    assert run(service, q="HAJJ STAMPEED", verbatim="1").suggestion == "HAJJ STAMPEDE"
    assert run(service, q="HAJJ STAMPEED").searched_for == "HAJJ STAMPEDE"


@pytest.mark.parametrize(
    "text",
    [
        "stampedes at the hajj",  # an inflection of an indexed word
        "pilgrims heard Zelinski speak",  # a name, capitalised inside the sentence
        "pilgrims at MECA",  # an acronym in a mixed-case query
    ],
)
def test_inflections_names_and_acronyms_get_no_suggestion(
    service: SearchService, text: str
) -> None:
    assert run(service, q=text).suggestion is None


def test_a_late_evening_story_keeps_its_local_calendar_day(tmp_path: Path) -> None:
    """28 June at 22:00 in New York is a 28 June story (2:00 on 29 June in UTC)."""
    from indexer.build import build_index
    from search import SearchRequest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "late.html").write_text(
        '<html><head><meta property="article:published_time" content="2024-06-28T22:00:00-04:00">'
        "<title>Late council vote</title></head><body><article><h1>Late council vote</h1><p>"
        + "The council voted late into the evening on the harbour budget. " * 8
        + "</p></article></body></html>"
    )
    build_index(corpus, tmp_path / "index", workers=1)
    service = SearchService(tmp_path / "index")
    on_the_day = service.search(
        SearchRequest(q="council", date_from="2024-06-28", date_to="2024-06-28")
    )
    assert on_the_day.total == 1
    assert service.search(SearchRequest(q="council", date_from="2024-06-29")).total == 0
    service.close()
