"""Filters, facet counts and the timeline (search/collect.py), checked against counts made by
hand from the generated articles the index was written from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from search import SearchService, parse_request
from search.results import SearchResults
from tests.conftest import synthetic_articles

ARTICLES = synthetic_articles()


@pytest.fixture(scope="module")
def service(arrays_index: Path) -> SearchService:
    return SearchService(arrays_index)


def search(service: SearchService, **params: object) -> SearchResults:
    return service.search(parse_request({"per_page": "100", **params}))


def counts(results: SearchResults, name: str) -> dict[str, int]:
    return {v.value: v.count for v in results.facets[name]}


def test_a_filter_with_several_values_matches_any_of_them(service: SearchService) -> None:
    results = search(service, q="", source=["Harbour Post", "metro times"])
    expected = sum(1 for a in ARTICLES if a.source in ("Harbour Post", "Metro Times"))
    assert results.total == expected


def test_each_group_is_counted_with_the_other_groups_filters_only(service: SearchService) -> None:
    results = search(service, q="", source=["Harbour Post"], lang=["de"])
    # Sources: counted among German articles, whatever the source filter says.
    german = [a for a in ARTICLES if a.language == "de"]
    assert counts(results, "source") == Counter(a.source for a in german)
    # Languages: counted among Harbour Post's articles, whatever the language filter says.
    harbour = [a for a in ARTICLES if a.source == "Harbour Post"]
    assert counts(results, "lang") == Counter(a.language for a in harbour)
    assert results.total == sum(1 for a in harbour if a.language == "de")
    chosen = {v.value for v in results.facets["source"] if v.selected}
    assert chosen == {"Harbour Post"}


def test_author_facet_counts_every_author_of_the_matches(service: SearchService) -> None:
    results = search(service, q="", year=["2012", "2013"])
    matching = [a for a in ARTICLES if a.published and a.published[:4] in ("2012", "2013")]
    assert results.total == len(matching)
    assert counts(results, "author") == Counter(n for a in matching for n in a.authors)
    # The author filter takes the name in any case; the facet lists it as articles spell it.
    by_author = search(service, q="", author=["writer 3"])
    assert by_author.total == sum(1 for a in ARTICLES if a.authors == ("Writer 3",))
    assert [v.value for v in by_author.facets["author"] if v.selected] == ["Writer 3"]


def test_years_are_listed_in_date_order_and_a_chosen_value_without_matches_stays_listed(
    service: SearchService,
) -> None:
    results = search(service, q="", year=["1999"])
    assert results.total == 0
    years = [v.value for v in results.facets["year"]]
    assert years == sorted(years)
    assert [(v.value, v.count) for v in results.facets["year"] if v.selected] == [("1999", 0)]


def test_the_timeline_counts_years_with_gaps_and_months_for_short_spans(
    service: SearchService,
) -> None:
    results = search(service, q="")
    bars = results.timeline
    assert [bar.unit for bar in bars] == ["year"] * len(bars)
    expected = Counter(a.published[:4] for a in ARTICLES if a.published)
    assert {bar.period: bar.count for bar in bars if bar.count} == expected
    periods = [int(bar.period) for bar in bars]
    assert periods == list(range(periods[0], periods[-1] + 1))
    # Every generated article is from March: one year is one period, not worth a chart.
    assert search(service, q="", year=["2015"]).timeline == ()
    two_years = search(service, q="", year=["2015", "2016"]).timeline
    assert [bar.period for bar in two_years][0::12] == ["2015-03", "2016-03"]
    assert len(two_years) == 13 and {bar.unit for bar in two_years} == {"month"}
    in_2015 = [a for a in ARTICLES if a.published and a.published.startswith("2015")]
    assert two_years[0].count == len(in_2015) and two_years[0].end == "2015-03-31"
    march = search(service, q="", **{"from": "2015-03", "to": "2015-03"})
    assert march.total == sum(1 for a in in_2015 if a.published and a.published[5:7] == "03")


def test_facets_list_the_largest_values_equal_counts_by_name() -> None:
    """Of values tied with the last one listed, those first by name (case aside) are listed."""
    from search.collect import _listed
    from search.stories import ValueCounter

    names = ("delta", "Alpha", "charlie", "bravo", "echo")
    counts = np.array([2, 1, 1, 1, 5])
    rank = ValueCounter(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), names).rank
    listed = _listed(names, counts, rank, limit=3)
    assert [(v.value, v.count) for v in listed] == [("echo", 5), ("delta", 2), ("Alpha", 1)]
    chosen = _listed(names, counts, rank, ("charlie",), limit=3)
    assert [(v.value, v.selected) for v in chosen] == [
        ("echo", False),
        ("delta", False),
        ("Alpha", False),
        ("charlie", True),
    ]
