"""One version of the index and what reading it needs: the engine object search runs on.

An index *version* is one generation folder at one Whoosh table-of-contents generation: a fixed
list of segments, so fixed document numbers.  :class:`IndexVersion` owns everything derived from
it that search reuses across requests:

- the per-document values (live documents, source, year, language, publication date) and the
  field lengths, assembled from each segment's arrays (:mod:`indexer.index.arrays`) when the
  version is opened;
- a cache of decoded posting lists (live documents only) and of document frequencies;
- a cache of what is read or derived from one document's stored fields (its :class:`Article`,
  the term counts feedback reads): the same documents head the results of many queries;
- a pool of Whoosh searchers on the version.  A searcher is used by one request at a time,
  never by two threads at once (docs/decisions.md, Whoosh rule 2), and never refreshed (rule 1):
  when the index changes, a new version with new searchers replaces this one.

The store (:mod:`indexer.index.store`) creates a version when it first sees it, hands requests an
:class:`IndexReader` (the version plus one checked-out searcher), and retires the version when a
newer one appears: its idle searchers are closed at once, the others when their request ends, and
its caches and memory maps go with the last reference, so a long-running worker frees the files
of merged segments and swapped generations.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from whoosh.searching import Searcher

from indexer.article import Article
from indexer.index import schema
from indexer.index.arrays import KEY_BYTES, DocumentArrays, PostingArrays
from indexer.index.whoosh_private import matcher_postings

log = logging.getLogger(__name__)

# (generation folder name, Whoosh table-of-contents generation): versions only move forward, and
# generation names sort by the time they were made.
VersionKey = tuple[str, int]

# Postings kept per version, decoded and without deleted documents: 16 bytes each (an int64
# document number and a float64 weight), so ~128 MB at most.  Words refill from the memory-mapped
# arrays, but a query's common words are best kept ready.
POSTINGS_CACHE_ENTRIES = 8_000_000
# Document frequencies remembered per version: a term lookup costs ~50 microseconds on a
# segmented index, and one search looks up a hundred or more, mostly the same ones every time.
FREQUENCY_CACHE_ENTRIES = 200_000
# Characters of documents (articles and what is derived from them) kept per version: ~4,000
# typical news articles, ~50 MB of a worker's memory.  Reading a stored document costs ~1 ms
# (decompressing and decoding its fields) and feedback analyses each of a query's top ten, which
# are largely the same documents for queries on the same subject.
DOCUMENT_CACHE_CHARS = 16_000_000
# Idle searchers kept per version (one per serving thread is enough).
IDLE_SEARCHERS = 8

_EMPTY_DOCS = np.empty(0, dtype=np.int64)
_Value = TypeVar("_Value")
_EMPTY_WEIGHTS = np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class Segment:
    """One segment of a version: its Whoosh segment, first document number and arrays."""

    whoosh: Any
    offset: int
    postings: PostingArrays | None
    documents: DocumentArrays | None


@dataclass(frozen=True)
class Category:
    """A per-document category (source, year, language): codes into ``names`` (-1: none)."""

    codes: np.ndarray
    names: tuple[str, ...]

    def code_of(self, name: str) -> int:
        """The code of ``name``, or -2 (matching no document) when no document has it."""
        try:
            return self.names.index(name)
        except ValueError:
            return -2


@dataclass(frozen=True)
class DocValues:
    """Per-document values of one version, indexed by document number."""

    live: np.ndarray  # bool: not deleted
    live_ids: np.ndarray  # the live document numbers, ascending
    categories: dict[str, Category]  # by column name (schema.CATEGORY_COLUMNS)
    published: np.ndarray  # int64 Whoosh datetime units (microseconds); 0 where undated
    dated: np.ndarray  # bool
    lengths: dict[str, np.ndarray]  # float64 field lengths as Whoosh reads them
    source_keys: dict[str, int]  # schema.name_key(source) -> its code

    @property
    def source(self) -> Category:
        return self.categories[schema.SOURCE_NAME]

    @property
    def year(self) -> Category:
        return self.categories[schema.YEAR]

    @property
    def language(self) -> Category:
        return self.categories[schema.LANGUAGE]

    def source_code(self, name: str) -> int:
        """The code of a source given in any case and spacing (-2 when no article has it)."""
        return self.source_keys.get(schema.name_key(name), -2)


class _Lru:
    """A thread-safe least-recently-used map with a size budget (each entry has a cost)."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._size = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any, cost: int = 1) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, cost)
            self._size += cost
            while self._size > self._budget and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._size -= evicted


class IndexVersion:
    """One version of the index with its caches and searcher pool (see the module docstring)."""

    def __init__(
        self,
        key: VersionKey,
        searcher: Searcher,
        load_segment: Callable[[Any], tuple[PostingArrays | None, DocumentArrays | None]],
        *,
        postings_budget: int = POSTINGS_CACHE_ENTRIES,
        folder: str | None = None,
    ) -> None:
        """``searcher`` is a searcher on the version, read to open it (its caller then
        adopts it); ``load_segment`` gives a segment's arrays (the store shares them
        between versions); ``folder`` is the generation folder (where the per-run arrays
        beside the segments are, such as the stories')."""
        self.key = key
        self.folder = folder
        self._lock = threading.Lock()
        self._idle: list[Searcher] = []
        self._out = 0
        self._retired = False
        reader = searcher.reader()
        self.doc_count_all = int(reader.doc_count_all())
        self.doc_count = int(reader.doc_count())
        segments = []
        for leaf, offset in reader.leaf_readers():
            whoosh_segment = leaf.segment()
            if whoosh_segment is None:
                continue  # an index with no documents has one empty reader and no segment
            postings, documents = load_segment(whoosh_segment)
            if documents is None:
                documents = _documents_from_columns(leaf)
            segments.append(Segment(whoosh_segment, offset, postings, documents))
        self.segments: tuple[Segment, ...] = tuple(segments)
        self.values = _assemble_values(self.segments, self.doc_count_all)
        self.languages = _languages(self.values)
        self._postings = _Lru(postings_budget)
        self._frequencies = _Lru(FREQUENCY_CACHE_ENTRIES)
        self._documents = _Lru(DOCUMENT_CACHE_CHARS)
        self._average_lengths = {
            field: float(searcher.avg_field_length(field) or 1.0) for field in schema.LENGTH_FIELDS
        }

    # -- the searcher pool -------------------------------------------------------------------

    def checkout(self) -> Searcher | None:
        """An idle searcher on this version for one request, or None when none is idle."""
        with self._lock:
            if self._retired or not self._idle:
                return None
            self._out += 1
            return self._idle.pop()

    def adopt(self, searcher: Searcher) -> None:
        """Count a searcher opened on this version as checked out."""
        with self._lock:
            self._out += 1

    def checkin(self, searcher: Searcher) -> None:
        """Return a searcher after its request: kept for the next one, or closed when the version
        has been retired (or enough are idle)."""
        with self._lock:
            self._out -= 1
            keep = not self._retired and len(self._idle) < IDLE_SEARCHERS
            if keep:
                self._idle.append(searcher)
        if not keep:
            searcher.close()

    def retire(self) -> None:
        """A newer version replaces this one: close idle searchers now, the rest on checkin."""
        with self._lock:
            self._retired = True
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()

    @property
    def retired(self) -> bool:
        return self._retired

    # -- documents ---------------------------------------------------------------------------

    def document_value(
        self, kind: str, docnum: int, compute: Callable[[], _Value], size: Callable[[_Value], int]
    ) -> _Value:
        """What ``compute`` reads or derives from document ``docnum`` (``kind`` names it), computed
        once per version while the cache holds it; ``size`` gives its cost in characters.  The
        value is shared between requests and threads: it must never be changed."""
        key = (kind, docnum)
        cached = self._documents.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        value = compute()
        self._documents.put(key, value, cost=size(value) + 100)
        return value

    # -- postings ----------------------------------------------------------------------------

    def postings(
        self, searcher: Searcher, field: str, btext: bytes
    ) -> tuple[np.ndarray, np.ndarray]:
        """The term's live postings: ascending document numbers (int64) and weights (float64:
        term frequency times the field's boost, as Whoosh stores it)."""
        key = (field, btext)
        cached = self._postings.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        docs, weights = self._read_postings(searcher, field, btext)
        if len(docs):
            keep = self.values.live[docs]
            docs, weights = docs[keep], weights[keep]
        entry = (docs, weights)
        self._postings.put(key, entry, cost=len(docs) + 16)
        return entry

    def _read_postings(
        self, searcher: Searcher, field: str, btext: bytes
    ) -> tuple[np.ndarray, np.ndarray]:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        leaves = None
        for number, segment in enumerate(self.segments):
            tapped = segment.postings.postings(field, btext) if segment.postings else None
            if tapped is not None:
                if not len(tapped[0]):
                    continue
                leaf_ids, leaf_weights = tapped[0].astype(np.int64), tapped[1].astype(np.float64)
            else:
                leaves = leaves or [leaf for leaf, _ in searcher.reader().leaf_readers()]
                leaf = leaves[number]
                if (field, btext) not in leaf:
                    continue
                leaf_ids, leaf_weights = matcher_postings(leaf.postings(field, btext))
            ids.append(leaf_ids + segment.offset)
            weights.append(leaf_weights)
        if not ids:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        if len(ids) == 1:
            return ids[0], weights[0]
        return np.concatenate(ids), np.concatenate(weights)

    def prefix_postings(
        self, searcher: Searcher, field: str, prefix: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """The live postings of every word of ``field`` starting with ``prefix``: document numbers
        (a document once per such word it has, not sorted) and weights."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        btext = prefix.encode("utf-8")
        leaves = None
        for number, segment in enumerate(self.segments):
            found = segment.postings.prefix_postings(field, btext) if segment.postings else None
            if found is None:
                leaves = leaves or [leaf for leaf, _ in searcher.reader().leaf_readers()]
                leaf = leaves[number]
                parts = [matcher_postings(leaf.postings(field, w))
                         for w in leaf.expand_prefix(field, prefix)]  # fmt: skip
                found = (
                    np.concatenate([p[0] for p in parts]) if parts else _EMPTY_DOCS,
                    np.concatenate([p[1] for p in parts]) if parts else _EMPTY_WEIGHTS,
                )
            docs = found[0].astype(np.int64) + segment.offset
            keep = self.values.live[docs]
            ids.append(docs[keep])
            weights.append(found[1][keep].astype(np.float64))
        if not ids:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        return np.concatenate(ids), np.concatenate(weights)

    def positions(
        self, searcher: Searcher, field: str, btext: bytes, docs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The word's positions in each of ``docs`` (ascending document numbers that all contain
        it): ``(flat positions, how many belong to each document)``."""
        positions: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        leaves = None
        for number, segment in enumerate(self.segments):
            end = segment.offset + int(segment.whoosh.doc_count_all())
            low, high = np.searchsorted(docs, [segment.offset, end])
            if low == high:
                continue
            local = docs[low:high] - segment.offset
            tapped = segment.postings.postings(field, btext) if segment.postings else None
            if tapped is not None:
                assert segment.postings is not None
                which = np.searchsorted(tapped[0], local)
                found = segment.postings.positions(field, btext, which)
            else:
                leaves = leaves or [leaf for leaf, _ in searcher.reader().leaf_readers()]
                found = _whoosh_positions(leaves[number], field, btext, local)
            positions.append(found[0])
            counts.append(found[1])
        if not positions:
            return np.empty(0, dtype=np.int64), np.zeros(len(docs), dtype=np.int64)
        return np.concatenate(positions), np.concatenate(counts)

    def doc_frequency(self, searcher: Searcher, field: str, text: str | bytes) -> int:
        """In how many documents the term occurs (Whoosh's count: deleted ones included)."""
        key = (field, text)
        cached = self._frequencies.get(key)
        if cached is not None:
            return int(cached)
        btext = text if isinstance(text, bytes) else text.encode("utf-8")
        counts = [s.postings.frequency(field, btext) if s.postings else None for s in self.segments]
        if all(count is not None for count in counts):
            frequency = sum(count for count in counts if count is not None)
        else:
            frequency = int(searcher.reader().doc_frequency(field, text))
        self._frequencies.put(key, frequency)
        return frequency

    def doc_frequencies(self, searcher: Searcher, field: str, texts: Sequence[str]) -> np.ndarray:
        """:meth:`doc_frequency` of many terms: one binary search per segment for all of them
        (related articles weigh hundreds of terms per request), Whoosh's look-ups when a
        segment's arrays cannot tell."""
        encoded = [text.encode("utf-8") for text in texts]
        total = np.zeros(len(texts), dtype=np.int64)
        for segment in self.segments:
            counts = segment.postings.frequencies(field, encoded) if segment.postings else None
            if counts is None:
                return np.array(
                    [self.doc_frequency(searcher, field, text) for text in texts], dtype=np.int64
                )
            total += counts
        return total

    def spelling_frequencies(self, searcher: Searcher, words: list[str]) -> np.ndarray:
        """For each word, in how many documents the spelling field has it (one binary search per
        segment for all the words, where a look-up each took ~50 µs)."""
        encoded = [word.encode("utf-8") for word in words]
        keys = np.array(encoded, dtype=f"S{KEY_BYTES}")
        if (
            len(words)
            and all(s.postings is not None for s in self.segments)
            and all(len(word) <= KEY_BYTES for word in encoded)
        ):
            total = np.zeros(len(words), dtype=np.int64)
            for segment in self.segments:
                assert segment.postings is not None
                total += segment.postings.spelling_counts(keys)
            return total
        reader = searcher.reader()
        return np.array(
            [reader.doc_frequency(schema.SPELLING_FIELD, word) for word in encoded], dtype=np.int64
        )

    def field_values(self, field: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
        """Every value of a keyword field of :data:`~indexer.index.schema.VALUE_ARRAY_FIELDS`,
        sorted, with the live documents that have each: ``(values, docs, codes)``, ``codes[i]``
        the value of ``docs[i]``; None when a segment has no value arrays (read the terms
        instead).  Built from the arrays in a few vectorised steps, where reading each value's
        posting list through Whoosh took ~0.1 ms a value."""
        parts = []
        for segment in self.segments:
            values = segment.postings.values if segment.postings else None
            if values is None or field not in values:
                return None
            names, counts, docs = values[field]
            parts.append((names, counts, docs.astype(np.int64) + segment.offset))
        if not parts:
            return (), _EMPTY_DOCS, _EMPTY_DOCS
        everything = np.unique(np.concatenate([names for names, _, _ in parts]))
        all_docs, all_codes = [], []
        for names, counts, docs in parts:
            codes = np.repeat(np.searchsorted(everything, names), counts)
            live = self.values.live[docs]
            all_docs.append(docs[live])
            all_codes.append(codes[live])
        return (
            tuple(str(name) for name in everything),
            np.concatenate(all_docs),
            np.concatenate(all_codes).astype(np.int64),
        )

    def words_starting(self, searcher: Searcher, field: str, prefix: str) -> list[str]:
        """The index's words of ``field`` that start with ``prefix``, sorted."""
        btext = prefix.encode("utf-8")
        found: set[bytes] = set()
        for segment in self.segments:
            words = segment.postings.words_starting(field, btext) if segment.postings else None
            if words is None:
                found = set(searcher.reader().expand_prefix(field, prefix))
                break
            found.update(words)
        return sorted(w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in found)

    def average_length(self, field: str) -> float:
        return self._average_lengths.get(field, 1.0)


def _languages(values: DocValues) -> tuple[str, ...]:
    """The languages of the version's live articles (those of unknown language count as
    English, whose analysis they get), English first."""
    codes = values.language.codes[values.live]
    present = {values.language.names[code] for code in np.unique(codes[codes >= 0])}
    if (codes < 0).any() or not present:
        present.add("en")
    return tuple(sorted(present, key=lambda code: (code != "en", code)))


class IndexReader:
    """What one request reads: a version and the searcher it checked out for this request.

    Search code takes one of these instead of a bare Whoosh searcher, so every cache it uses is
    the version's.  ``searcher`` is still there for what only Whoosh does (parsing against the
    schema, matching query shapes the arrays do not cover, stored fields).
    """

    def __init__(self, version: IndexVersion, searcher: Searcher) -> None:
        self.version = version
        self.searcher = searcher
        self.values = version.values
        self.schema = searcher.schema

    @property
    def doc_count(self) -> int:
        return self.version.doc_count

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the index's articles, English (and unknown) first: a query is read
        in each of them."""
        return self.version.languages

    @property
    def doc_count_all(self) -> int:
        return self.version.doc_count_all

    def to_bytes(self, field: str, text: str | bytes) -> bytes:
        return text if isinstance(text, bytes) else self.schema[field].to_bytes(text)

    def postings(self, field: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
        if field not in self.schema:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        return self.version.postings(self.searcher, field, self.to_bytes(field, text))

    def term_docs(self, field: str, text: str | bytes) -> np.ndarray:
        return self.postings(field, text)[0]

    def prefix_postings(self, field: str, prefix: str) -> tuple[np.ndarray, np.ndarray]:
        if field not in self.schema:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        return self.version.prefix_postings(self.searcher, field, prefix)

    def positions(
        self, field: str, text: str | bytes, docs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.version.positions(self.searcher, field, self.to_bytes(field, text), docs)

    def doc_frequency(self, field: str, text: str | bytes) -> int:
        return self.version.doc_frequency(self.searcher, field, text)

    def doc_frequencies(self, field: str, texts: Sequence[str]) -> np.ndarray:
        """For each term, in how many documents ``field`` has it (deleted ones included)."""
        if field not in self.schema:
            return np.zeros(len(texts), dtype=np.int64)
        return self.version.doc_frequencies(self.searcher, field, texts)

    def lengths(self, field: str) -> np.ndarray:
        return self.values.lengths[field]

    def average_length(self, field: str) -> float:
        return self.version.average_length(field)

    def stored(self, docnum: int) -> dict[str, Any]:
        return dict(self.searcher.reader().stored_fields(docnum))

    def article(self, docnum: int) -> Article:
        """The article of document ``docnum`` (shared through the version's document cache)."""
        return self.version.document_value(
            "article", docnum, lambda: schema.from_stored(self.stored(docnum)), _article_size
        )

    def document_value(
        self, kind: str, docnum: int, compute: Callable[[], _Value], size: Callable[[_Value], int]
    ) -> _Value:
        """See :meth:`IndexVersion.document_value`."""
        return self.version.document_value(kind, docnum, compute, size)

    def document_number(self, article_id: str) -> int | None:
        if not article_id:
            return None
        found = self.searcher.document_number(**{schema.ID: article_id})
        return None if found is None else int(found)

    def expand(self, field: str, prefix: str) -> list[str]:
        """The index words of ``field`` that start with ``prefix``, sorted."""
        return self.version.words_starting(self.searcher, field, prefix)

    def field_values(self, field: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
        """See :meth:`IndexVersion.field_values`."""
        return self.version.field_values(field)

    def spelling_frequencies(self, words: list[str]) -> np.ndarray:
        """For each word, in how many documents it occurs as written ("did you mean")."""
        return self.version.spelling_frequencies(self.searcher, words)


def _article_size(article: Article) -> int:
    return len(article.body) + len(article.title)


# --- assembling per-document values ---------------------------------------------------------------


def _assemble_values(segments: Sequence[Segment], size: int) -> DocValues:
    live = np.ones(size, dtype=bool)
    for segment in segments:
        deleted = np.fromiter(segment.whoosh.deleted_docs(), dtype=np.int64)
        live[deleted + segment.offset] = False
    documents = [s.documents for s in segments if s.documents is not None]
    categories = {}
    for column in schema.CATEGORY_COLUMNS:
        names = sorted({n for d in documents for n in d.categories[column][0] if n})
        table = {name: code for code, name in enumerate(names)}
        parts = []
        for document in documents:
            segment_names, codes = document.categories[column]
            remap = np.array([table.get(n, -1) for n in segment_names] or [-1], dtype=np.int32)
            parts.append(remap[codes] if len(codes) else codes.astype(np.int32))
        codes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
        categories[column] = Category(codes, tuple(names))

    def joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(arrays).astype(dtype) if arrays else np.empty(0, dtype=dtype)

    dated = joined([d.dated for d in documents], bool)
    return DocValues(
        live=live,
        live_ids=np.flatnonzero(live).astype(np.int64),
        categories=categories,
        published=np.where(dated, joined([d.dates for d in documents], np.int64), 0),
        dated=dated,
        lengths={
            field: joined([d.lengths[field] for d in documents], np.float64)
            for field in schema.LENGTH_FIELDS
        },
        source_keys={
            schema.name_key(name): code
            for code, name in enumerate(categories[schema.SOURCE_NAME].names)
        },
    )


def _documents_from_columns(leaf: Any) -> DocumentArrays:
    """A segment's per-document values read through Whoosh, for a segment written without them
    (slow: seconds per 100,000 documents)."""
    count = int(leaf.doc_count_all())

    def column(field: str, translate: bool = True) -> list[Any]:
        if not leaf.has_column(field):
            return [None] * count
        return list(leaf.column_reader(field, translate=translate))

    categories = {}
    for field in schema.CATEGORY_COLUMNS:
        values = [v or "" for v in column(field)]
        names, codes = np.unique(np.array(values, dtype=str), return_inverse=True)
        categories[field] = (tuple(str(n) for n in names), codes.astype(np.int32))
    dated = np.array([v == "1" for v in column(schema.DATED)], dtype=bool)
    raw = np.array([v or 0 for v in column(schema.PUBLISHED, translate=False)], dtype=np.uint64)
    # Undated documents hold a sentinel beyond int64 in the column: zeroed.
    dates = np.where(dated, raw, 0).astype(np.int64)
    lengths = {
        field: np.fromiter(
            (leaf.doc_field_length(d, field) or 0 for d in range(count)),
            dtype=np.float64,
            count=count,
        )
        for field in schema.LENGTH_FIELDS
    }
    return DocumentArrays(lengths, categories, dates, dated)


def _whoosh_positions(
    leaf: Any, field: str, btext: bytes, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions read through Whoosh's matcher (long words, segments without arrays)."""
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
