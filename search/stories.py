"""Stories at search time: each document's story, its dates and its copies' outlets, per version.

The index holds one document per distinct text; the build writes, beside each version of the
index, which story every text belongs to and the outlet of every copy
(:class:`~indexer.index.arrays.StoryArrays`, docs/stories.md).  :func:`story_view` maps those onto
the version's document numbers once per version, so that a search can

- filter and count sources over every copy's outlet (:attr:`StoryView.pair_docs`);
- date a document by its story's first publication (sorting, date filters, the year facet and
  the timeline all use :attr:`StoryView.published`, so they agree);
- show a story once (:func:`collapse`: the best-matching text of each story) and count stories
  rather than texts (:class:`ValueCounter`).

What a search needs beyond the arrays (the shared texts in story order, month numbers, the
outlets by document, the pairs a facet counts split by story) is derived once per view, on first
use, so that a search only gathers and counts: at 100,000 pages the facets, the timeline and the
collapse were a third of a search's time when each search derived them again.

An index written before stories has no such arrays: :func:`story_view` returns None and search
works on documents as before.
"""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

import numpy as np
from whoosh.util.times import datetime_to_long

from indexer.index import schema
from indexer.index.arrays import StoryArrays, story_arrays_path
from indexer.index.version import Category, IndexReader, IndexVersion
from search.matching import distinct, run_starts

# Whoosh stores datetimes as microseconds since 0001-01-01; NumPy counts from 1970-01-01.
_UNIX_EPOCH = datetime_to_long(datetime(1970, 1, 1))


@dataclass(frozen=True)
class StoryView:
    """One index version's stories, by document number.

    ``group`` is the document's story (a row of the story table), or, for a document without one,
    a number of its own beyond them: documents with equal ``group`` are one story.  ``shared`` marks
    documents whose story has other texts in the index (only those need collapsing).
    ``published``/``dated`` are the story's first publication (the document's own date when the
    story has none), ``last_updated`` the story's latest publication or modification; ``versions``
    how many copies the story has.  ``pair_docs``/``pair_outlets`` list every copy's outlet of
    every live document, as codes into ``outlets``.
    """

    group: np.ndarray
    shared: np.ndarray
    main: np.ndarray
    versions: np.ndarray
    texts: np.ndarray
    published: np.ndarray
    dated: np.ndarray
    last_updated: np.ndarray
    year: Category
    outlets: Category
    outlet_keys: dict[str, int]
    pair_docs: np.ndarray
    pair_outlets: np.ndarray

    def outlet_code(self, name: str) -> int:
        return self.outlet_keys.get(schema.name_key(name), -2)

    def outlets_of(self, docnum: int) -> tuple[str, ...]:
        """The outlets of a document's copies (in the order of the pairs)."""
        docs, outlets = self._pairs_by_document
        start, end = np.searchsorted(docs, [docnum, docnum + 1])
        return tuple(self.outlets.names[int(c)] for c in outlets[start:end])

    @cached_property
    def _pairs_by_document(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.pair_docs, kind="stable")
        return self.pair_docs[order], self.pair_outlets[order]

    def warm(self) -> None:
        """Derive now what searches use beyond the facets' counters, which
        :func:`search.collect.warm` warms with the others (a server does this before taking
        requests)."""
        _ = self.story_order, self.months, self._pairs_by_document

    @cached_property
    def story_order(self) -> np.ndarray:
        """The documents that share their story, story by story, each story's main text first,
        then by document number (the order :func:`collapse` breaks ties in)."""
        shared = np.flatnonzero(self.shared)
        return shared[np.lexsort((shared, ~self.main[shared], self.group[shared]))]

    @cached_property
    def months(self) -> np.ndarray:
        """The month of each document's story date (see :func:`month_numbers`)."""
        return month_numbers(self.published, self.dated)

    @cached_property
    def outlet_counter(self) -> ValueCounter:
        """Counts of every copy's outlet."""
        return ValueCounter(self.pair_docs, self.pair_outlets, self.outlets.names)

    @cached_property
    def year_counter(self) -> ValueCounter:
        """Counts of the year of the story's date."""
        return ValueCounter.of_category(self.year)

    def story_docs(self, docnum: int) -> np.ndarray:
        """Every document of ``docnum``'s story (itself included)."""
        if not self.shared[docnum]:
            return np.array([docnum], dtype=np.int64)
        return np.flatnonzero(self.group == self.group[docnum])


_VIEWS: weakref.WeakKeyDictionary[IndexVersion, tuple[int, StoryView | None]] = (
    weakref.WeakKeyDictionary()
)
_VIEWS_LOCK = threading.Lock()


def story_view(reader: IndexReader) -> StoryView | None:
    """The stories of the reader's version, or None when the index has none.  Read once per
    version (and again if a run rewrote the file for the same version)."""
    version = reader.version
    folder = getattr(version, "folder", None)
    if folder is None:
        return None
    path = story_arrays_path(folder, version.key[1])
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    with _VIEWS_LOCK:
        found = _VIEWS.get(version)
    if found is not None and found[0] == stamp:
        return found[1]
    arrays = StoryArrays.load(path)
    view = _view(reader, arrays) if arrays is not None else None
    with _VIEWS_LOCK:
        _VIEWS[version] = (stamp, view)
    return view


def _view(reader: IndexReader, arrays: StoryArrays) -> StoryView | None:
    version = reader.version
    values = reader.values
    size = len(values.live)
    parts = []
    for segment in version.segments:
        keys = segment.documents.keys if segment.documents is not None else None
        if keys is None:
            return None  # a segment written without keys: no way to join
        parts.append(keys)
    keys = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    if len(keys) != size:
        return None
    if not len(arrays.doc_keys):
        return None  # no text has a story: documents as they are
    rows = np.minimum(np.searchsorted(arrays.doc_keys, keys), len(arrays.doc_keys) - 1)
    found = values.live & (arrays.doc_keys[rows] == keys)
    story = np.where(found, arrays.doc_story[rows], -1).astype(np.int64)
    has_story = story >= 0
    row = np.where(has_story, story, 0)
    stories = len(arrays.story_ids)
    group = np.where(has_story, story, stories + np.arange(size, dtype=np.int64))

    def per_story(values_of_story: np.ndarray, otherwise: np.ndarray | int) -> np.ndarray:
        if not stories:
            return np.broadcast_to(otherwise, (size,)).copy()
        return np.where(has_story, values_of_story[row], otherwise)

    texts = per_story(arrays.story_texts, 1)
    copies = np.where(found, arrays.doc_copies[rows], 1)
    versions = per_story(arrays.story_versions, copies)
    first = per_story(arrays.story_first, 0)
    published = np.where(first > 0, first, np.where(values.dated, values.published, 0))
    dated = published > 0
    last = per_story(arrays.story_last, 0)
    last_updated = np.where(last > 0, last, published)
    main = per_story(arrays.story_main, 0) == keys
    # Every copy's outlet, by document number (a document's row: the live document with its key).
    doc_of_row = np.full(len(arrays.doc_keys), -1, dtype=np.int64)
    doc_of_row[rows[found]] = np.flatnonzero(found)
    pair_docs = doc_of_row[arrays.pair_docs] if len(arrays.pair_docs) else arrays.pair_docs
    kept = pair_docs >= 0
    outlets = Category(np.empty(0, dtype=np.int32), arrays.outlet_names)
    return StoryView(
        group=group,
        shared=has_story & (texts > 1),
        main=main,
        versions=versions.astype(np.int64),
        texts=texts.astype(np.int64),
        published=published.astype(np.int64),
        dated=dated,
        last_updated=last_updated.astype(np.int64),
        year=_years(published, dated),
        outlets=outlets,
        outlet_keys={schema.name_key(n): code for code, n in enumerate(arrays.outlet_names)},
        pair_docs=pair_docs[kept].astype(np.int64),
        pair_outlets=arrays.pair_outlets[kept].astype(np.int64),
    )


def month_numbers(published: np.ndarray, dated: np.ndarray) -> np.ndarray:
    """Each date's month as months since January 1970 (as NumPy's ``datetime64[M]`` counts
    them), 0 where undated (``dated`` tells)."""
    months = np.zeros(len(published), dtype=np.int64)
    moments = (published[dated] - _UNIX_EPOCH).astype("datetime64[us]")
    months[dated] = moments.astype("datetime64[M]").astype(np.int64)
    return months


def _years(published: np.ndarray, dated: np.ndarray) -> Category:
    """The year of each document's story date, as a category (-1: undated)."""
    years = np.full(len(published), -1, dtype=np.int64)
    if dated.any():
        moments = (published[dated] - _UNIX_EPOCH).astype("datetime64[us]")
        years[dated] = moments.astype("datetime64[Y]").astype(np.int64) + 1970
    present = np.unique(years[years >= 0])
    codes = np.where(years >= 0, np.searchsorted(present, years), -1).astype(np.int32)
    return Category(codes, tuple(f"{int(y):04d}" for y in present))


def day_of_long(value: int) -> str | None:
    """The ISO day of a Whoosh datetime value (None for 0: undated)."""
    if value <= 0:
        return None
    return (datetime(1, 1, 1) + timedelta(microseconds=int(value))).date().isoformat()


def collapse(view: StoryView, mask: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
    """``mask`` with one document per story: the best-scoring one (ties: the story's main text,
    then the first document), or without scores the main text when it matches, else the first."""
    order = view.story_order
    ordered = order[mask[order]]
    if not len(ordered):
        return mask
    collapsed = mask & ~view.shared
    groups = view.group[ordered]
    starts = np.flatnonzero(run_starts(groups))
    if scores is None:
        collapsed[ordered[starts]] = True
        return collapsed
    # Each story's first text (in story order) that has the story's best score; a score that is
    # not a number (Whoosh's fallback could pass one) ranks below every other.
    score = scores[ordered]
    score = np.where(np.isnan(score), -np.inf, score)
    best = np.maximum.reduceat(score, starts)
    candidates = np.flatnonzero(score == np.repeat(best, np.diff(np.r_[starts, len(ordered)])))
    first = run_starts(groups[candidates])
    collapsed[ordered[candidates[first]]] = True
    return collapsed


# A search's facets read the pairs of the matching documents when these are fewer than the
# pairs over this ratio, and the matching pairs off the whole list otherwise.
_FEW_DOCUMENTS_RATIO = 4


class ValueCounter:
    """A facet's counts over the documents of a search, by texts or by stories.

    Made once per index version from (document, value code) pairs (a document may have several
    values: authors, tags, its copies' outlets; code -1 is no value).  By stories, a story counts
    once under each value any of its matching texts has.

    Two ways, the cheaper for the search: a search matching few documents reads their pairs
    (kept in document order, with each document's first pair; or, when every document has one
    value at most, as a language or a year does, by one gather from each document's code); a
    broad one reads the matching pairs off the whole list, split once per view into those of
    documents alone in their story (counted as they are) and those of documents sharing one, as
    (story, value) keys in order, counted once each.
    """

    def __init__(self, docs: np.ndarray, codes: np.ndarray, names: tuple[str, ...]) -> None:
        valid = codes >= 0
        order = np.argsort(docs[valid], kind="stable")
        self.docs = docs[valid].astype(np.int64)[order]
        self.codes = codes[valid].astype(np.int64)[order]
        self.names = names
        self.size = len(names)
        self._split: tuple[StoryView, tuple[np.ndarray, ...]] | None = None
        self._first_pairs: np.ndarray | None = None
        # When no document has two values (a language, a year; any counter whose data are so),
        # a search's pairs are read by one gather from each document's code.
        self._single_valued = bool(np.all(self.docs[1:] > self.docs[:-1]))
        self._code_of_document: np.ndarray | None = None

    @classmethod
    def of_category(cls, category: Category) -> ValueCounter:
        docs = np.arange(len(category.codes), dtype=np.int64)
        return cls(docs, category.codes, category.names)

    @cached_property
    def rank(self) -> np.ndarray:
        """Each value's place in the order facets list equal counts in: by the value's
        case-folded text, then by code."""
        order = sorted(range(self.size), key=lambda code: (self.names[code].casefold(), code))
        rank = np.empty(self.size, dtype=np.int64)
        rank[order] = np.arange(self.size, dtype=np.int64)
        return rank

    def warm(self, view: StoryView | None, documents: int) -> None:
        """Derive now what a search's count over ``documents`` needs (the rank, the pairs by
        document and, with a ``view``, the split by story)."""
        _ = self.rank
        self._pairs_of(np.empty(0, dtype=np.int64), documents)
        if view is not None:
            self._split_by(view)

    def count(
        self, mask: np.ndarray, view: StoryView | None, docs: np.ndarray | None = None
    ) -> np.ndarray:
        """Each value's texts among ``mask`` (stories, with a ``view``); ``docs``, when given,
        are the documents of ``mask`` (a search counting several facets finds them once)."""
        if docs is None or len(docs) * _FEW_DOCUMENTS_RATIO > len(self.docs):
            return self._count_all(mask, view)
        pair_docs, codes = self._pairs_of(docs, len(mask))
        if view is None:
            return np.bincount(codes, minlength=self.size)
        shared = view.shared[pair_docs]
        counts = np.bincount(codes[~shared], minlength=self.size)
        if shared.any():
            width = max(self.size, 1)
            keys = view.group[pair_docs[shared]] * width + codes[shared]
            counts += np.bincount(distinct(keys) % width, minlength=self.size)
        return counts

    def _pairs_of(self, docs: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of ``docs`` (ascending document numbers): their documents and codes."""
        if self._single_valued:
            code_of = self._code_of_document
            if code_of is None or len(code_of) != size:
                code_of = np.full(size, -1, dtype=np.int64)
                inside = self.docs < size  # (as the pairs' way, documents past ``size`` are none)
                code_of[self.docs[inside]] = self.codes[inside]
                self._code_of_document = code_of
            codes = code_of[docs]
            valued = codes >= 0
            return docs[valued], codes[valued]
        first = self._first_pairs
        if first is None or len(first) != size + 1:
            first = np.searchsorted(self.docs, np.arange(size + 1, dtype=np.int64))
            self._first_pairs = first
        starts, ends = first[docs], first[docs + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        # The pair indexes: each document's run, start to end, one after the other.
        runs = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        pairs = runs + np.arange(total, dtype=np.int64)
        return self.docs[pairs], self.codes[pairs]

    def _count_all(self, mask: np.ndarray, view: StoryView | None) -> np.ndarray:
        if view is None:
            return np.bincount(self.codes[mask[self.docs]], minlength=self.size)
        alone_docs, alone_codes, shared_docs, shared_keys = self._split_by(view)
        counts = np.bincount(alone_codes[mask[alone_docs]], minlength=self.size)
        held = shared_keys[mask[shared_docs]]  # sorted: equal keys are neighbours
        if len(held):
            distinct_held = held[run_starts(held)]
            counts += np.bincount(distinct_held % max(self.size, 1), minlength=self.size)
        return counts

    def _split_by(self, view: StoryView) -> tuple[np.ndarray, ...]:
        found = self._split  # one read: another thread may replace it
        if found is not None and found[0] is view:
            return found[1]
        shared = view.shared[self.docs]
        keys = view.group[self.docs[shared]] * max(self.size, 1) + self.codes[shared]
        # In key order, the keys a search keeps are sorted: no sort per search.
        order = np.argsort(keys, kind="stable")
        split = (self.docs[~shared], self.codes[~shared], self.docs[shared][order], keys[order])
        self._split = (view, split)
        return split
