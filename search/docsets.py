"""Which documents match a query, and their per-document values, as NumPy arrays.

Whoosh answers "the top ten" well: its collector skips posting blocks that cannot beat the current
top scores.  What it does slowly is everything that needs *every* match: the total count and the
source/year facet counts made it score and group each matching document in Python, which cost
hundreds of milliseconds on broad queries over 21,578 articles.  This module answers those parts
with set algebra over sorted document-number arrays:

- a term's posting list comes from the segment's memory-mapped posting arrays
  (:mod:`indexer.segment_arrays`), or for rare words block by block from Whoosh, and is cached
  per index version;
- ``And``/``Or``/``Not``/``AndNot`` become intersections, unions and differences; an exact phrase
  is matched over the words' position arrays (:func:`phrase_docs`); other query shapes without a
  cheap set form are matched by Whoosh itself;
- per-document values (source, year, publication day) are read once per index version from Whoosh's
  sortable columns, so filters are array masks and facets are ``numpy.bincount``.

Everything is keyed by the index version (generation folder plus Whoosh's table-of-contents
generation), so an incremental commit or a swap is picked up by the next searcher without ever
mixing document numbers of two versions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from indexer.index import schema
from indexer.index.arrays import SegmentArrays

_DOCNUM = np.int64
# Postings kept per process, decoded and without deleted documents: 16 bytes each (an int64
# document number and a float64 weight), so ~128 MB at most.  Words refill from the memory-mapped
# segment arrays (indexer.segment_arrays), but a query's common words are best kept ready.
POSTINGS_CACHE_ENTRIES = 8_000_000
_MICROSECONDS_PER_DAY = 86_400 * 1_000_000
VERSIONS_KEPT = 4
_EMPTY = np.empty(0, dtype=_DOCNUM)


def version_key(searcher: Searcher) -> tuple[tuple[str, int], ...]:
    """Identifies the exact index version a searcher reads (docnums are only valid within it).

    Segment ids are unique names, and the deleted counts change with every commit that deletes,
    so two searchers share a key only when they read the same documents under the same numbers.
    A searcher reads one version all its life (it is never refreshed), so the key is kept on it.
    """
    cached = getattr(searcher, _VERSION_ATTRIBUTE, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    key = []
    for leaf, _ in searcher.reader().leaf_readers():
        segment = leaf.segment()
        if segment is not None:
            key.append((segment.segment_id(), segment.deleted_count()))
    version = tuple(key)
    setattr(searcher, _VERSION_ATTRIBUTE, version)
    return version


_VERSION_ATTRIBUTE = "_artsearch_version_key"


@dataclass(frozen=True)
class DocValues:
    """Per-document arrays for one index version, indexed by document number."""

    live: np.ndarray  # bool: not deleted
    live_ids: np.ndarray  # the live document numbers, sorted
    source_codes: np.ndarray  # int: index into source_names, -1 when unknown
    source_names: tuple[str, ...]
    source_keys: dict[str, int]  # name_key(source) -> code
    year_codes: np.ndarray
    year_names: tuple[str, ...]
    published: np.ndarray  # int64 Whoosh datetime longs (microseconds); 0 where undated
    dated: np.ndarray  # bool


def _codes(values: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    names = sorted({v for v in values if v})
    index = {name: code for code, name in enumerate(names)}
    return np.array([index.get(v, -1) for v in values], dtype=np.int32), tuple(names)


def _load_values(searcher: Searcher) -> DocValues:
    reader = searcher.reader()
    count = reader.doc_count_all()
    live = np.zeros(count, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=_DOCNUM)] = True

    def column(field: str, translate: bool = True) -> list[Any]:
        if not reader.has_column(field):
            return [None] * count
        return list(reader.column_reader(field, translate=translate))

    sources = [v or "" for v in column(schema.SOURCE_NAME)]
    source_codes, source_names = _codes(sources)
    year_codes, year_names = _codes([v or "" for v in column(schema.YEAR)])
    dated = np.array([v == "1" for v in column(schema.DATED)], dtype=bool)
    raw_published = np.array(
        [v or 0 for v in column(schema.PUBLISHED, translate=False)], dtype=np.uint64
    )
    # Undated documents hold a sentinel beyond int64 in the column: zero them out.
    published = np.where(dated, raw_published, 0).astype(np.int64)
    return DocValues(
        live=live,
        live_ids=np.flatnonzero(live).astype(_DOCNUM),
        source_codes=source_codes,
        source_names=source_names,
        source_keys={schema.name_key(name): code for code, name in enumerate(source_names)},
        year_codes=year_codes,
        year_names=year_names,
        published=published,
        dated=dated,
    )


class DocSets:
    """Per-process caches of document values and posting arrays, for every index version seen."""

    def __init__(self, postings_budget: int = POSTINGS_CACHE_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[Any, ...], DocValues] = OrderedDict()
        self._postings: OrderedDict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lengths: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._postings_size = 0
        self._budget = postings_budget

    # -- document values ---------------------------------------------------------------------

    def values(self, searcher: Searcher) -> DocValues:
        key = version_key(searcher)
        with self._lock:
            cached = self._values.get(key)
        if cached is not None:
            return cached
        loaded = _load_values(searcher)
        with self._lock:
            # A few versions at most are in use at once (the live one, one being swapped out).
            self._values[key] = loaded
            while len(self._values) > VERSIONS_KEPT:
                self._values.popitem(last=False)
        return loaded

    # -- postings ----------------------------------------------------------------------------

    def term_docs(self, searcher: Searcher, field: str, text: str | bytes) -> np.ndarray:
        """Sorted live document numbers containing the term."""
        return self.term_postings(searcher, field, text)[0]

    def term_postings(
        self, searcher: Searcher, field: str, text: str | bytes
    ) -> tuple[np.ndarray, np.ndarray]:
        """The term's live postings: sorted document numbers and their weights (term frequency
        times the field's boost, as Whoosh stores it)."""
        btext = text if isinstance(text, bytes) else searcher.schema[field].to_bytes(text)
        key = (version_key(searcher), field, btext)
        with self._lock:
            cached = self._postings.get(key)
            if cached is not None:
                self._postings.move_to_end(key)
                return cached
        docs, weights = _read_postings(searcher, field, btext)
        if len(docs):
            keep = self.values(searcher).live[docs]
            docs, weights = docs[keep], weights[keep]
        entry = (docs, weights)
        with self._lock:
            self._postings[key] = entry
            self._postings_size += len(docs) + 16
            while self._postings_size > self._budget and self._postings:
                _, (evicted, _) = self._postings.popitem(last=False)
                self._postings_size -= len(evicted) + 16
        return entry

    def field_lengths(self, searcher: Searcher, field: str) -> np.ndarray:
        """Every document's length in ``field``, as Whoosh stores it (byte-quantised)."""
        key = (version_key(searcher), "#length", field)
        with self._lock:
            cached = self._lengths.get(key)
        if cached is not None:
            return cached
        reader = searcher.reader()
        lengths = np.fromiter(
            (reader.doc_field_length(d, field, 0) for d in range(reader.doc_count_all())),
            dtype=np.float64,
            count=reader.doc_count_all(),
        )
        with self._lock:
            self._lengths[key] = lengths
            while len(self._lengths) > VERSIONS_KEPT * 8:
                self._lengths.popitem(last=False)
        return lengths

    # -- queries -----------------------------------------------------------------------------

    def matching(self, searcher: Searcher, q: query.Query) -> np.ndarray:
        """A boolean mask over document numbers: the live documents matching ``q``.

        Scores are not computed: this is for totals, facets and filters.
        """
        return _Evaluator(self, searcher).mask(q)


def _read_postings(searcher: Searcher, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    reader = searcher.reader()
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for leaf, offset in reader.leaf_readers():
        arrays = segment_arrays(leaf)
        tapped = arrays.postings(field, btext) if arrays is not None else None
        if tapped is not None:
            if not len(tapped[0]):
                continue
            leaf_ids, leaf_weights = tapped[0].astype(_DOCNUM), tapped[1].astype(np.float64)
        elif (field, btext) in leaf:
            leaf_ids, leaf_weights = _leaf_postings(leaf.postings(field, btext))
        else:
            continue
        ids.append(leaf_ids + offset)
        weights.append(leaf_weights)
    if not ids:
        return _EMPTY, np.empty(0, dtype=np.float64)
    if len(ids) == 1:
        return ids[0], weights[0]
    return np.concatenate(ids), np.concatenate(weights)


_SEGMENT_ARRAYS: dict[tuple[str, str], SegmentArrays | None] = {}
_SEGMENT_ARRAYS_LOCK = threading.Lock()


def segment_arrays(leaf: Any) -> SegmentArrays | None:
    """The memory-mapped posting arrays of a leaf reader's segment (None when it has none).

    Segments never change once written, so the arrays are loaded once per process and shared by
    every index version that includes the segment.
    """
    segment = leaf.segment()
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    if segment is None or folder is None:
        return None
    key = (folder, segment.segment_id())
    with _SEGMENT_ARRAYS_LOCK:
        if key in _SEGMENT_ARRAYS:
            return _SEGMENT_ARRAYS[key]
    loaded = SegmentArrays.load(folder, segment)
    with _SEGMENT_ARRAYS_LOCK:
        _SEGMENT_ARRAYS[key] = loaded
    return loaded


def term_positions(
    searcher: Searcher, field: str, btext: bytes, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The word's positions in each of ``docs`` (sorted document numbers that all contain it):
    ``(flat positions, how many belong to each document)``."""
    positions: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for leaf, offset in searcher.reader().leaf_readers():
        low, high = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
        if low == high:
            continue
        local = docs[low:high] - offset
        arrays = segment_arrays(leaf)
        tapped = arrays.postings(field, btext) if arrays is not None else None
        if tapped is not None:
            which = np.searchsorted(tapped[0], local)
            leaf_positions, leaf_counts = arrays.positions(field, btext, which)  # type: ignore[union-attr]
        else:
            leaf_positions, leaf_counts = _whoosh_positions(leaf, field, btext, local)
        positions.append(leaf_positions)
        counts.append(leaf_counts)
    if not positions:
        return np.empty(0, dtype=np.int64), np.zeros(len(docs), dtype=np.int64)
    return np.concatenate(positions), np.concatenate(counts)


def _whoosh_positions(
    leaf: Any, field: str, btext: bytes, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions read through Whoosh's matcher (rare words, segments without arrays)."""
    matcher = leaf.postings(field, btext)
    positions: list[int] = []
    counts = np.zeros(len(docs), dtype=np.int64)
    for i, doc in enumerate(docs.tolist()):
        matcher.skip_to(doc)
        if matcher.is_active() and matcher.id() == doc:
            found = matcher.value_as("positions")
            positions.extend(found)
            counts[i] = len(found)
    return np.array(positions, dtype=np.int64), counts


def sorted_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both sorted, duplicate-free arrays: binary searches of the shorter array's
    values in the longer one, without the sort ``numpy.intersect1d`` does."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    found = np.searchsorted(b, a)
    found[found == len(b)] = 0
    return a[b[found] == a]


def phrase_words(searcher: Searcher, q: query.Query) -> list[bytes] | None:
    """The indexed words of an exact phrase query that :func:`phrase_docs` can match (an empty
    list when some word cannot be indexed), or None when Whoosh must match ``q``."""
    if not isinstance(q, query.Phrase) or q.slop != 1 or q.fieldname not in searcher.schema:
        return None
    field = searcher.schema[q.fieldname]
    if not field.format or not field.format.supports("positions") or not q.words:
        return None
    try:
        return [field.to_bytes(word) for word in q.words]
    except ValueError:
        return []


def phrase_docs(docsets: DocSets, searcher: Searcher, field: str, words: list[bytes]) -> np.ndarray:
    """The live documents (sorted) where ``words`` occur one right after the other in ``field``.

    Stop words were dropped before positions were counted (Whoosh renumbers them), so the words
    of an analysed phrase sit at consecutive positions.
    """
    candidates = docsets.term_docs(searcher, field, words[0])
    for word in words[1:]:
        if not len(candidates):
            break
        candidates = sorted_intersection(candidates, docsets.term_docs(searcher, field, word))
    if not len(candidates) or len(words) == 1:
        return candidates
    # Each occurrence as one integer: (candidate index, position of the phrase's first word).
    # Candidates and each document's positions are ascending, so every word's keys are sorted
    # and unique, and membership is a binary search rather than a sort.
    stride = np.int64(1) << 32
    common: np.ndarray | None = None
    for i, word in enumerate(words):
        positions, counts = term_positions(searcher, field, word, candidates)
        keys = np.repeat(np.arange(len(candidates), dtype=np.int64), counts) * stride
        keys += positions + (len(words) - i)  # never negative
        common = keys if common is None else sorted_intersection(common, keys)
        if not len(common):
            break
    assert common is not None
    return candidates[np.unique(common // stride)]


def _leaf_postings(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All document numbers and weights of a leaf posting matcher, a block at a time.

    whoosh3's block matcher keeps each decoded block in ``_ids``/``_weights``; reading whole blocks
    avoids several Python method calls per posting.  Other matchers are read posting by posting.
    """
    needed = ("_read_ids", "_read_weights", "_next_block", "_i", "_ids", "_weights")
    if not all(hasattr(matcher, name) for name in needed):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=_DOCNUM), np.array(weights, dtype=np.float64)
    ids_chunks = []
    weight_chunks = []
    while matcher.is_active():
        if matcher._ids is None:  # noqa: SLF001
            matcher._read_ids()  # noqa: SLF001
        if matcher._weights is None:  # noqa: SLF001
            matcher._read_weights()  # noqa: SLF001
        start = matcher._i  # noqa: SLF001
        ids_chunks.append(np.asarray(matcher._ids[start:], dtype=_DOCNUM))  # noqa: SLF001
        weight_chunks.append(np.asarray(matcher._weights[start:], dtype=np.float64))  # noqa: SLF001
        matcher._next_block()  # noqa: SLF001
    if not ids_chunks:
        return _EMPTY, np.empty(0, dtype=np.float64)
    return np.concatenate(ids_chunks), np.concatenate(weight_chunks)


class _Evaluator:
    """Evaluates a query tree to a boolean mask over document numbers.

    Dense masks rather than sorted-array set operations: every operation is one vectorised pass
    over N booleans (100,000 articles: 100 KB), however many documents a term matches.
    """

    def __init__(self, docsets: DocSets, searcher: Searcher) -> None:
        self.docsets = docsets
        self.searcher = searcher
        self.values = docsets.values(searcher)

    def docs(self, q: query.Query) -> np.ndarray:
        return np.flatnonzero(self.mask(q)).astype(_DOCNUM)

    def _of(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self.values.live), dtype=bool)
        mask[docs] = True
        return mask

    def mask(self, q: query.Query) -> np.ndarray:
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return np.zeros(len(self.values.live), dtype=bool)
        if isinstance(q, query.Every):
            return self.values.live
        if isinstance(q, query.Term):
            return self._of(self.docsets.term_docs(self.searcher, q.fieldname, q.text))
        if isinstance(q, query.AndNot):
            return self.mask(q.a) & ~self.mask(q.b)
        if isinstance(q, query.AndMaybe):
            return self.mask(q.a)
        if isinstance(q, query.Not):
            return self.values.live & ~self.mask(q.query)
        if isinstance(q, query.And):
            result = self.values.live.copy()
            for sub in q.subqueries:
                result &= self.mask(sub)
            return result
        if isinstance(q, query.Or) and not q.minmatch:
            result = np.zeros(len(self.values.live), dtype=bool)
            for sub in q.subqueries:
                result |= self.mask(sub)
            return result
        if isinstance(q, query.Prefix | query.Wildcard):
            result = np.zeros(len(self.values.live), dtype=bool)
            for btext in q._btexts(self.searcher.reader()):  # noqa: SLF001
                result[self.docsets.term_docs(self.searcher, q.fieldname, btext)] = True
            return result
        if (words := phrase_words(self.searcher, q)) is not None:
            assert isinstance(q, query.Phrase)
            if not words:
                return np.zeros(len(self.values.live), dtype=bool)
            return self._of(phrase_docs(self.docsets, self.searcher, q.fieldname, words))
        return self._by_whoosh(q)

    def _by_whoosh(self, q: query.Query) -> np.ndarray:
        """Sloppy phrases and anything else: let Whoosh match (no scoring), collect the ids."""
        matcher = q.matcher(self.searcher, self.searcher.boolean_context())
        docs = np.fromiter(matcher.all_ids(), dtype=_DOCNUM)
        return self._of(docs) & self.values.live


def day_bound(day: str, *, end: bool) -> int:
    """A Whoosh datetime long for the start (or end) of an ISO day, for publication filters."""
    moment = datetime.fromisoformat(day)
    value = datetime_to_long(moment)
    return value + _MICROSECONDS_PER_DAY - 1 if end else value
