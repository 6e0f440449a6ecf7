"""From matches to one page of results: filters, order, the page, facet counts, the timeline.

A search is planned as:

1. the matching documents as a mask over document numbers, with scores when ranked
   (:mod:`search.matching`);
2. the request's filters as one mask per facet group, from the version's per-document values
   (:class:`Filters`): values of one group are alternatives (OR), groups all apply (AND);
3. the total over the query's mask and every filter; each group's facet counts over the query's
   mask and the *other* groups' filters (:func:`facet_counts`), so that choosing a source leaves
   the other sources listed with the articles each would add ("disjunctive" facets);
4. only the requested page's documents put in order (:func:`page_of_documents`): by score, or by
   date; and the matches counted per year or month (:func:`timeline`).

Nothing here loops in Python over the matching documents, which is what made totals and facets
cost hundreds of milliseconds on broad queries.  Authors and tags are several values per article,
held as keyword fields: their facets read each term's posting list once per index version
(:class:`_MultiValues`); every facet counts through a :class:`~search.stories.ValueCounter`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

import numpy as np
from whoosh.util.times import datetime_to_long

from indexer.index import schema
from indexer.index.version import Category, IndexReader, IndexVersion
from search.matching import Matches
from search.request import FILTER_PARAMETERS, SearchRequest
from search.results import FacetValue, TimelineBar
from search.stories import StoryView, ValueCounter, collapse, month_numbers, story_view

# Values listed per facet group (sources, authors, tags), the largest first; chosen values are
# listed whatever their rank.  Years and languages are listed whole.
FACET_LIMIT = 20
# The timeline counts by month when the matches span at most this many calendar years (a
# month bar is then at least a 24th of the chart), by year otherwise.
MONTHS_UP_TO_YEARS = 2
# A longer span of years is not drawn: a few stray dates (a page dated 1970) would stretch it.
MAX_TIMELINE_BARS = 120
_MICROSECONDS_PER_DAY = 86_400 * 1_000_000
_MULTI_VALUE_FIELDS = {"author": schema.AUTHOR_KEY, "tag": schema.TAGS}
_CATEGORY_COLUMNS = {"source": schema.SOURCE_NAME, "lang": schema.LANGUAGE, "year": schema.YEAR}


# -- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The masks of a request's filters: one per facet group that has a choice, and the dates."""

    groups: dict[str, np.ndarray] = field(default_factory=dict)
    dates: np.ndarray | None = None

    def mask(self, *, leave_out: str | None = None) -> np.ndarray | None:
        """The documents every filter allows (but ``leave_out``'s group), None when no filter."""
        masks = [m for name, m in self.groups.items() if name != leave_out]
        if self.dates is not None:
            masks.append(self.dates)
        if not masks:
            return None
        combined = masks[0].copy()
        for other in masks[1:]:
            combined &= other
        return combined


def filters_of(reader: IndexReader, request: SearchRequest) -> Filters:
    """The masks of ``request``'s filters over ``reader``'s documents.  With stories, a source
    is any copy's outlet, and dates and years are the story's first publication."""
    values = reader.values
    view = story_view(reader)
    size = len(values.live)
    groups: dict[str, np.ndarray] = {}
    for name in FILTER_PARAMETERS:
        chosen = request.selected(name)
        if not chosen:
            continue
        if name in _MULTI_VALUE_FIELDS:
            allowed = np.zeros(size, dtype=bool)
            for value in chosen:
                allowed[reader.term_docs(_MULTI_VALUE_FIELDS[name], _key(name, value))] = True
        elif name == "source" and view is not None:
            codes = [view.outlet_code(value) for value in chosen]
            allowed = np.zeros(size, dtype=bool)
            allowed[view.pair_docs[np.isin(view.pair_outlets, codes)]] = True
        elif name == "source":
            codes = [values.source_code(value) for value in chosen]
            allowed = np.isin(values.source.codes, codes)
        else:
            category = _category(reader, view, name)
            allowed = np.isin(category.codes, [category.code_of(value) for value in chosen])
        groups[name] = allowed
    dates = None
    if request.date_from or request.date_to:
        published, dated = _dates(reader, view)
        dates = dated.copy()
        if request.date_from:
            dates &= published >= day_bound(request.date_from, end=False)
        if request.date_to:
            dates &= published <= day_bound(request.date_to, end=True)
    return Filters(groups, dates)


def _category(reader: IndexReader, view: StoryView | None, name: str) -> Category:
    """A category facet's values per document (the year of the story's date with stories)."""
    if name == "year" and view is not None:
        return view.year
    return reader.values.categories[_CATEGORY_COLUMNS[name]]


def _dates(reader: IndexReader, view: StoryView | None) -> tuple[np.ndarray, np.ndarray]:
    """Each document's date for sorting, filters and the timeline, and whether it has one: its
    story's first publication with stories, its own otherwise."""
    if view is not None:
        return view.published, view.dated
    return reader.values.published, reader.values.dated


def grouping(reader: IndexReader, request: SearchRequest) -> StoryView | None:
    """The stories to show each once, or None when results are documents (``group=none``, or
    an index without stories)."""
    return story_view(reader) if request.group == "story" else None


def shown(reader: IndexReader, matches: Matches, request: SearchRequest) -> Matches:
    """The matches as results show them: one document per story with ``group=story``."""
    view = grouping(reader, request)
    if view is None:
        return matches
    return Matches(collapse(view, matches.mask, matches.scores), matches.scores)


def filter_mask(reader: IndexReader, request: SearchRequest) -> np.ndarray | None:
    """The documents the request's filters allow, or None when it has no filters."""
    return filters_of(reader, request).mask()


def _key(name: str, value: str) -> str:
    """The indexed term of an author or tag as a user chose it (the fields ignore case)."""
    return schema.name_key(value).replace(",", " ") if name == "author" else value.lower()


def day_bound(day: str, *, end: bool) -> int:
    """Whoosh's datetime units for the start (or end) of an ISO day, for date filters."""
    value = datetime_to_long(datetime.fromisoformat(day))
    return int(value + _MICROSECONDS_PER_DAY - 1 if end else value)


# -- the page ------------------------------------------------------------------------------------


def page_of_documents(
    reader: IndexReader, matches: Matches, request: SearchRequest
) -> list[tuple[int, float]]:
    """``(docnum, score)`` for the requested page, in the requested order (``matches`` as
    :func:`shown` gives them, when stories are shown once)."""
    start = (request.page - 1) * request.per_page
    wanted = request.page * request.per_page
    if request.sort != "relevance" or matches.scores is None:
        published, dated = _dates(reader, story_view(reader))
        docs = by_date(published, dated, matches.mask, newest=request.sort != "oldest")
        return [(int(d), 0.0) for d in docs[start:wanted]]
    docs, scores = top_documents(matches.mask, matches.scores, wanted)
    return [(int(d), float(s)) for d, s in zip(docs[start:], scores[start:], strict=True)]


def top_documents(
    mask: np.ndarray, scores: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` best-scoring documents in ``mask``, best first, ties by document number."""
    docs = np.flatnonzero(mask)
    if not len(docs) or count <= 0:
        return docs[:0], scores[:0]
    doc_scores = scores[docs]
    if len(docs) > count:
        # Keep everything tied with the count-th score, then order exactly.
        threshold = np.partition(doc_scores, len(docs) - count)[len(docs) - count]
        keep = doc_scores >= threshold
        docs, doc_scores = docs[keep], doc_scores[keep]
    order = np.lexsort((docs, -doc_scores))[:count]
    return docs[order], doc_scores[order]


def by_date(
    published: np.ndarray, dated: np.ndarray, mask: np.ndarray, *, newest: bool
) -> np.ndarray:
    """Matching documents by date; undated ones last, ties by document number."""
    docs = np.flatnonzero(mask)
    when = -published[docs] if newest else published[docs]
    order = np.lexsort((docs, when, ~dated[docs]))
    return docs[order]


# -- facets --------------------------------------------------------------------------------------


def facet_counts(
    reader: IndexReader, matched: np.ndarray, filters: Filters, request: SearchRequest
) -> dict[str, tuple[FacetValue, ...]]:
    """Every facet group's values with their counts, chosen values marked.

    ``matched`` is the query's mask before filters.  A group is counted over the matches that
    every *other* group's filter (and the dates) allows, so its count for a value is what the
    results would hold with that value chosen alone in the group, and choosing one value keeps
    the others listed.  Sources, authors and tags come largest first; years in date order;
    languages largest first.
    """
    view = story_view(reader)
    stories = grouping(reader, request)
    facets: dict[str, tuple[FacetValue, ...]] = {}
    matched_docs = None  # found once for every group no other group's filter narrows
    for name in FILTER_PARAMETERS:
        allowed = filters.mask(leave_out=name)
        if allowed is None:
            mask = matched
            if matched_docs is None:
                matched_docs = np.flatnonzero(matched)
            docs = matched_docs
        else:
            mask = matched & allowed
            docs = np.flatnonzero(mask)
        chosen = request.selected(name)
        if name in _MULTI_VALUE_FIELDS:
            values = _multi_values(reader, name)
            facets[name] = values.count(reader, mask, docs, chosen, stories)
            continue
        names, counter = _category_counter(reader, view, name)
        limit = FACET_LIMIT if name == "source" else None
        counts = counter.count(mask, stories, docs)
        facets[name] = _listed(names, counts, counter.rank, chosen, limit=limit)
    facets["year"] = tuple(sorted(facets["year"], key=lambda v: v.value))
    return facets


def all_facets(reader: IndexReader) -> dict[str, tuple[FacetValue, ...]]:
    """Source and year counts over the whole index, unabridged (for statistics)."""
    view = story_view(reader)
    facets = {}
    for name in ("source", "year"):
        names, counter = _category_counter(reader, view, name)
        counts = counter.count(reader.values.live, view)
        facets[name] = _listed(names, counts, counter.rank, (), limit=None)
    return facets


def _category_counter(
    reader: IndexReader, view: StoryView | None, name: str
) -> tuple[tuple[str, ...], ValueCounter]:
    """A category facet's values and their counter: with stories, sources are every copy's
    outlet and years the story's."""
    if view is not None and name == "source":
        return view.outlets.names, view.outlet_counter
    if view is not None and name == "year":
        return view.year.names, view.year_counter
    category = reader.values.categories[_CATEGORY_COLUMNS[name]]
    counter = _per_version(reader, name, lambda: ValueCounter.of_category(category))
    return category.names, counter


def _listed(
    names: tuple[str, ...],
    counts: np.ndarray,
    rank: np.ndarray,
    chosen: tuple[str, ...] = (),
    limit: int | None = FACET_LIMIT,
) -> tuple[FacetValue, ...]:
    """A category's values with their ``counts``: chosen values (compared as
    :func:`~indexer.index.schema.name_key` does: case and spacing aside) are marked, and listed
    even when no match has them, so that they can be removed."""
    chosen_keys = {schema.name_key(value): value for value in chosen}
    chosen_codes = {
        code for code, name in enumerate(names) if schema.name_key(name) in chosen_keys
    } if chosen_keys else set()  # fmt: skip
    listed = []
    for code in sorted(set(_contenders(counts, rank, limit).tolist()) | chosen_codes):
        name = names[code]
        # (name_key only when something was chosen: most searches choose nothing)
        selected = bool(chosen_keys) and chosen_keys.pop(schema.name_key(name), None) is not None
        listed.append(FacetValue(name, int(counts[code]), selected=selected))
    listed += [FacetValue(value, 0, selected=True) for value in chosen_keys.values()]
    return _largest_first(listed, limit)


def _contenders(counts: np.ndarray, rank: np.ndarray, limit: int | None) -> np.ndarray:
    """The codes (ascending) of the ``limit`` values with the largest counts, equal counts in
    ``rank`` order, as :func:`_largest_first` orders them: the only ones worth making a
    :class:`FacetValue` for (an archive has thousands of authors, most counted once)."""
    nonzero = np.flatnonzero(counts)
    if limit is None or len(nonzero) <= limit:
        return nonzero
    # One integer per value, larger for a larger count, then for an earlier rank.
    size = len(counts)
    standing = counts[nonzero] * size + (size - 1 - rank[nonzero])
    return np.sort(nonzero[np.argpartition(-standing, limit - 1)[:limit]])


def _largest_first(listed: list[FacetValue], limit: int | None) -> tuple[FacetValue, ...]:
    ranked = sorted(listed, key=lambda value: (-value.count, value.value.casefold()))
    if limit is None or len(ranked) <= limit:
        return tuple(ranked)
    kept = ranked[:limit]
    kept += [value for value in ranked[limit:] if value.selected]
    return tuple(kept)


class _MultiValues:
    """A keyword field's values for every document, as two parallel arrays (document, value
    code), read from the field's posting lists once per index version; and the spelling to show
    for each value, looked up in a stored article the first time a value is shown."""

    def __init__(self, reader: IndexReader, name: str) -> None:
        self.name = name
        self.field = _MULTI_VALUE_FIELDS[name]
        found = reader.field_values(self.field)
        if found is not None:
            self.keys, self.docs, self.codes = found
        else:  # an index written before the value arrays: read each value's posting list
            self.keys = tuple(sorted(reader.expand(self.field, "")))
            docs = [reader.term_docs(self.field, key) for key in self.keys]
            self.docs = np.concatenate(docs) if docs else np.empty(0, dtype=np.int64)
            counts = [len(d) for d in docs]
            self.codes = np.repeat(np.arange(len(self.keys), dtype=np.int64), counts)
        self.counter = ValueCounter(self.docs, self.codes, self.keys)
        self._code_of = {key: code for code, key in enumerate(self.keys)}
        self._labels: dict[str, str] = {}
        self._lock = threading.Lock()

    def count(
        self,
        reader: IndexReader,
        mask: np.ndarray,
        docs: np.ndarray,
        chosen: tuple[str, ...],
        stories: StoryView | None = None,
    ) -> tuple[FacetValue, ...]:
        """The values among ``mask`` (whose documents are ``docs``) with their counts."""
        counts = self.counter.count(mask, stories, docs)
        chosen_keys = {_key(self.name, value): value for value in chosen}
        # Enough contenders that FACET_LIMIT remain when the chosen ones are set apart.
        contenders = _contenders(counts, self.counter.rank, FACET_LIMIT + len(chosen_keys))
        listed = [
            FacetValue(self.keys[code], int(counts[code]))
            for code in contenders.tolist()
            if self.keys[code] not in chosen_keys
        ]
        ranked = list(_largest_first(listed, FACET_LIMIT))
        for key, value in chosen_keys.items():
            code = self._code_of.get(key)
            ranked.append(FacetValue(key, int(counts[code]) if code is not None else 0, True))
            self._labels.setdefault(key, value)
        ranked = sorted(ranked, key=lambda v: (-v.count, v.value))
        return tuple(FacetValue(self.label(reader, v.value), v.count, v.selected) for v in ranked)

    def label(self, reader: IndexReader, key: str) -> str:
        """The value as articles spell it (``Clara Benton`` for the key ``clara benton``)."""
        with self._lock:
            found = self._labels.get(key)
        if found is not None:
            return found
        label = key
        docs = reader.term_docs(self.field, key)
        if len(docs):
            article = reader.article(int(docs[0]))
            names = article.authors if self.name == "author" else article.tags
            label = next((n for n in names if _key(self.name, n) == key), key)
        with self._lock:
            self._labels[key] = label
        return label


# What a version's facets and timeline count from, made on first use (it goes with the version
# when a newer one replaces it).
_PER_VERSION: weakref.WeakKeyDictionary[IndexVersion, dict[str, Any]] = weakref.WeakKeyDictionary()
_PER_VERSION_LOCK = threading.Lock()
_T = TypeVar("_T")


def _per_version(reader: IndexReader, key: str, make: Callable[[], _T]) -> _T:
    """The reader's version's ``key``, made by ``make`` the first time it is asked for."""
    with _PER_VERSION_LOCK:
        per_version = _PER_VERSION.setdefault(reader.version, {})
        found = per_version.get(key)
    if found is None:
        found = make()
        with _PER_VERSION_LOCK:
            found = per_version.setdefault(key, found)
    return cast(_T, found)


def _multi_values(reader: IndexReader, name: str) -> _MultiValues:
    """The version's :class:`_MultiValues` for ``name``."""
    return _per_version(reader, f"values:{name}", lambda: _MultiValues(reader, name))


def warm(reader: IndexReader) -> None:
    """Read the facets' values and derive what their counts need now (a server does this before
    taking requests)."""
    view = story_view(reader)
    values = reader.values
    documents = len(values.live)
    for name in _MULTI_VALUE_FIELDS:
        _multi_values(reader, name).counter.warm(view, documents)
    for name in ("source", "lang", "year"):
        _category_counter(reader, view, name)[1].warm(view, documents)
    if view is not None:
        view.warm()
    _per_version(reader, "months", lambda: month_numbers(values.published, values.dated))


# -- the timeline --------------------------------------------------------------------------------


def timeline(reader: IndexReader, mask: np.ndarray) -> tuple[TimelineBar, ...]:
    """The dated matches counted per year, or per month when they span at most
    :data:`MONTHS_UP_TO_YEARS` calendar years; every period from the first to the last, empty
    ones included (a gap in the coverage is worth seeing).  Empty when fewer than two periods.
    With stories, by their first publication (``mask`` holds one document per story when
    stories are counted)."""
    view = story_view(reader)
    if view is not None:
        all_months, dated = view.months, view.dated
    else:
        values = reader.values
        all_months = _per_version(
            reader, "months", lambda: month_numbers(values.published, values.dated)
        )
        dated = values.dated
    months = all_months[mask & dated]
    if not len(months):
        return ()
    first, last = np.datetime64(int(months.min()), "M"), np.datetime64(int(months.max()), "M")
    first_year = int(str(first)[:4])
    last_year = int(str(last)[:4])
    if last_year - first_year < MONTHS_UP_TO_YEARS:
        periods = np.arange(first, last + 1)
        counts = np.bincount(months - months.min(), minlength=len(periods))
        bars = [
            _month_bar(str(period), int(count))
            for period, count in zip(periods, counts, strict=True)
        ]
    else:
        if last_year - first_year + 1 > MAX_TIMELINE_BARS:
            first_year = last_year - MAX_TIMELINE_BARS + 1
        years = months // 12 + 1970 - first_year
        years = years[years >= 0]
        counts = np.bincount(years, minlength=last_year - first_year + 1)
        bars = [_year_bar(first_year + i, int(count)) for i, count in enumerate(counts)]
    return tuple(bars) if len(bars) > 1 else ()


def _month_bar(period: str, count: int) -> TimelineBar:
    year, month = int(period[:4]), int(period[5:7])
    following = date(year + month // 12, month % 12 + 1, 1)
    last_day = date.fromordinal(following.toordinal() - 1)
    return TimelineBar(period, "month", f"{period}-01", last_day.isoformat(), count)


def _year_bar(year: int, count: int) -> TimelineBar:
    return TimelineBar(f"{year:04d}", "year", f"{year:04d}-01-01", f"{year:04d}-12-31", count)
