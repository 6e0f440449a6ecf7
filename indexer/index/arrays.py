"""Arrays written beside each Whoosh segment: its postings and its per-document values.

Searching needs things Whoosh's API gives one at a time: every posting of a word (to score all
matches at once, count totals and facets), word positions (phrases), and per-document values
(source, year, date, language, field lengths) for filters, facets and scoring.  Decoding postings
through Whoosh's matchers costs about 2 µs a posting, and building per-document values from its
columns ~2.8 s per worker at 100,000 articles.  So while Whoosh writes a segment (every commit
and every merge writes each segment exactly once), the :class:`~indexer.index.whoosh_private.
TappingCodec` hands what it writes to the two recorders here, which save it as NumPy files named
after the segment (so Whoosh deletes them with the segment), and readers map them:

Postings, for the fields in :data:`~indexer.index.schema.POSTING_ARRAY_FIELDS`:

- ``.arr_docs.npy`` (int32) and ``.arr_weights.npy`` (float32: term frequency times the field's
  boost), every word's postings one after the other, words in key order;
- ``.arr_starts.npy`` (int64, one more than postings) and ``.arr_deltas.npy`` (uint32): where
  each posting's word positions start, and the positions delta-coded per posting;
- ``.arr_keys.npy`` (fixed-width byte strings: a field code byte, then the word's UTF-8) and
  ``.arr_spans.npy`` (int64 pairs: first posting, count) per word; written last, so their
  presence says the postings are complete.  Words longer than :data:`KEY_BYTES` are left to
  Whoosh.

Per document (``.arr_documents.npz``): each length field's length as Whoosh's one-byte code,
each category column as codes into a table of its distinct values, the date column in Whoosh's
datetime units (microseconds), whether the document is dated, and its key
(:func:`~indexer.index.schema.document_key` of its id).

A segment written by another codec has none of these: readers then fall back to Whoosh.

Per run, beside the segments: :class:`StoryArrays` (``stories-<toc>.npz``, one per Whoosh
table-of-contents generation), what search needs of each document's story and copies, keyed by
document key rather than document number (numbers change when segments merge, and a document's
story changes without the document being written again).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.index import schema
from indexer.index.whoosh_private import (
    LENGTH_TABLE,
    SegmentFiles,
    TappingCodec,
    byte_length,
    position_deltas,
)

# A key is the field's code and the word's bytes; longer words (rare: "1,000,000,000", run-together
# URLs) are left to Whoosh.
KEY_BYTES = 32
# The byte standing for each field at the start of a key, in the order Whoosh writes fields (by
# name), so keys sort as Whoosh writes them.
_FIELD_CODES = {
    name: bytes([code]) for code, name in enumerate(sorted(schema.POSTING_ARRAY_FIELDS), 1)
}

_WORDS = ".arr_words.npy"
_WORD_COUNTS = ".arr_word_counts.npy"
_KEYS = ".arr_keys.npy"
_SPANS = ".arr_spans.npy"
_DOCS = ".arr_docs.npy"
_WEIGHTS = ".arr_weights.npy"
_STARTS = ".arr_starts.npy"
_DELTAS = ".arr_deltas.npy"
_DOCUMENTS = ".arr_documents.npz"
_VALUES = ".arr_values.npz"
ARRAY_EXTENSIONS = (
    _WORDS, _WORD_COUNTS, _KEYS, _SPANS, _DOCS, _WEIGHTS, _STARTS, _DELTAS, _DOCUMENTS, _VALUES,
)  # fmt: skip


# --- writing -----------------------------------------------------------------------------------


class PostingArraysRecorder:
    """Collects a segment's postings of :data:`~indexer.index.schema.POSTING_ARRAY_FIELDS` as
    Whoosh writes them, and saves them as arrays when the segment is closed."""

    def __init__(self, files: SegmentFiles) -> None:
        self._files = files
        self._code: bytes | None = None  # the current field's code, None when not recorded
        self._btext = b""
        self._docs = array("i")
        self._weights = array("f")
        # Per posting, where its positions start in _deltas (one more entry closes the last).
        self._starts = array("q")
        self._deltas = array("I")
        self._term_start = 0
        self._keys: list[bytes] = []
        self._spans = array("q")  # per key: start, count

        # The spelling field's words and in how many documents each occurs ("did you mean").
        self._spelling = False
        self._words: list[bytes] = []
        self._word_counts = array("i")

        # The values of VALUE_ARRAY_FIELDS: per field, its terms, how many documents have each
        # and those documents, one term after the other.
        self._values: _ValuePostings | None = None
        self._value_postings = {field: _ValuePostings() for field in schema.VALUE_ARRAY_FIELDS}

    def start_field(self, field: str, positions: bool) -> None:
        self._code = _FIELD_CODES.get(field) if positions else None
        self._spelling = field == schema.SPELLING_FIELD
        self._values = self._value_postings.get(field)

    def start_term(self, btext: bytes) -> None:
        self._btext = btext
        self._term_start = len(self._docs)
        if self._spelling and len(btext) <= KEY_BYTES:
            self._words.append(btext)
            self._word_counts.append(0)
        if self._values is not None:
            self._values.terms.append(btext)
            self._values.counts.append(0)

    def add(self, docnum: int, weight: float, value: bytes) -> None:
        if self._spelling and self._words and self._words[-1] == self._btext:
            self._word_counts[-1] += 1
        if self._values is not None:
            self._values.counts[-1] += 1
            self._values.docs.append(docnum)
        if self._code is not None:
            self._docs.append(docnum)
            self._weights.append(weight)
            self._starts.append(len(self._deltas))
            self._deltas.extend(position_deltas(value))

    def finish_term(self) -> None:
        if self._code is None:
            return
        start = self._term_start
        key = self._code + self._btext
        if len(key) <= KEY_BYTES:
            self._keys.append(key)
            self._spans.extend((start, len(self._docs) - start))
        else:
            del self._deltas[self._starts[start] :]
            del self._docs[start:], self._weights[start:], self._starts[start:]

    def close(self) -> None:
        self._starts.append(len(self._deltas))
        keys = np.array(self._keys, dtype=f"S{KEY_BYTES}")
        spans = np.frombuffer(self._spans, dtype=np.int64).reshape(-1, 2)
        order = np.argsort(keys, kind="stable")  # already sorted as Whoosh writes; made sure
        arrays: dict[str, np.ndarray] = {
            _DOCS: np.frombuffer(self._docs, dtype=np.int32),
            _WEIGHTS: np.frombuffer(self._weights, dtype=np.float32),
            _STARTS: np.frombuffer(self._starts, dtype=np.int64),
            _DELTAS: np.frombuffer(self._deltas, dtype=np.uint32),
            # The table goes last: its presence says the arrays are complete.
            _SPANS: spans[order],
            _KEYS: keys[order],
        }
        words = np.array(self._words, dtype=f"S{KEY_BYTES}")
        order = np.argsort(words, kind="stable")
        np.save(self._files(_WORD_COUNTS), np.frombuffer(self._word_counts, dtype=np.int32)[order])
        np.save(self._files(_WORDS), words[order])
        values: dict[str, np.ndarray] = {}
        for field, postings in self._value_postings.items():
            # Whoosh writes a field's terms in order: the arrays are sorted.
            values[f"names:{field}"] = np.array([t.decode("utf-8") for t in postings.terms], str)
            values[f"counts:{field}"] = np.frombuffer(postings.counts, dtype=np.int32)
            values[f"docs:{field}"] = np.frombuffer(postings.docs, dtype=np.int32)
        with open(self._files(_VALUES), "wb") as handle:
            np.savez(handle, **values)  # type: ignore[arg-type]
        for ext, values_array in arrays.items():
            np.save(self._files(ext), values_array)


class _ValuePostings:
    """One keyword field's terms, how many documents have each, and those documents."""

    def __init__(self) -> None:
        self.terms: list[bytes] = []
        self.counts = array("i")
        self.docs = array("i")


class DocumentArraysRecorder:
    """Collects a segment's per-document values as Whoosh writes them (lengths of
    :data:`~indexer.index.schema.LENGTH_FIELDS`, the :data:`~indexer.index.schema.CATEGORY_COLUMNS`,
    the date column and the dated flag), and saves them when the segment is closed."""

    def __init__(self, files: SegmentFiles) -> None:
        self._files = files
        self._count = 0
        self._lengths = {field: array("B") for field in schema.LENGTH_FIELDS}
        self._categories: dict[str, list[str]] = {f: [] for f in schema.CATEGORY_COLUMNS}
        self._dates = array("q")
        self._dated = array("B")
        self._keys = array("q")
        self._doc: dict[str, Any] = {}

    def start_doc(self, docnum: int) -> None:
        self._doc = {}

    def add_length(self, field: str, length: int) -> None:
        if field in self._lengths:
            self._doc[field] = byte_length(length)

    def add_column_value(self, field: str, value: Any) -> None:
        self._doc[field] = value

    def cancel_doc(self) -> None:
        self._doc = {}

    def finish_doc(self) -> None:
        doc = self._doc
        for field, lengths in self._lengths.items():
            lengths.append(doc.get(field, 0))
        for field, values in self._categories.items():
            value = doc.get(field) or b""
            values.append(value.decode("utf-8") if isinstance(value, bytes) else str(value))
        dated = doc.get(schema.DATED) in (b"1", "1")
        self._dated.append(dated)
        # Whoosh keeps a sentinel beyond int64 for undated documents: recorded as 0.
        self._dates.append(int(doc.get(schema.PUBLISHED) or 0) if dated else 0)
        identifier = doc.get(schema.ID) or b""
        if isinstance(identifier, bytes):
            identifier = identifier.decode("utf-8")
        self._keys.append(schema.document_key(str(identifier)))
        self._count += 1

    def close(self) -> None:
        arrays: dict[str, np.ndarray] = {
            "dates": np.frombuffer(self._dates, dtype=np.int64),
            "dated": np.frombuffer(self._dated, dtype=np.uint8).astype(bool),
            "keys": np.frombuffer(self._keys, dtype=np.int64),
        }
        for field, lengths in self._lengths.items():
            arrays[f"length:{field}"] = np.frombuffer(lengths, dtype=np.uint8)
        for field, values in self._categories.items():
            names, codes = np.unique(np.array(values, dtype=str), return_inverse=True)
            arrays[f"names:{field}"] = names
            arrays[f"codes:{field}"] = codes.astype(np.int32)
        with open(self._files(_DOCUMENTS), "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]


def arrays_codec() -> TappingCodec:
    """The codec every artsearch writer uses: Whoosh's own, plus the arrays of this module."""
    return TappingCodec(PostingArraysRecorder, DocumentArraysRecorder)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingArrays:
    """One segment's postings, memory-mapped.  Document numbers are the segment's own."""

    keys: np.ndarray
    spans: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    starts: np.ndarray
    deltas: np.ndarray
    words: np.ndarray  # the spelling field's words, sorted
    word_counts: np.ndarray  # in how many documents each occurs (deleted ones included)
    # Per field of VALUE_ARRAY_FIELDS: its values (sorted), how many documents have each, and
    # those documents one value after the other (none for segments written before these were).
    values: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    @classmethod
    def load(cls, files: SegmentFiles) -> PostingArrays | None:
        """The postings saved for a segment, or None when it has none."""
        try:
            # Plain arrays over the mapped memory: slicing numpy's memmap subclass costs several
            # times more, and a search slices thousands of times.
            keys, spans, docs, weights, starts, deltas, words, word_counts = (
                np.load(files(ext), mmap_mode="r").view(np.ndarray)
                for ext in (_KEYS, _SPANS, _DOCS, _WEIGHTS, _STARTS, _DELTAS, _WORDS, _WORD_COUNTS)
            )
        except (OSError, ValueError):
            return None
        return cls(
            keys, spans, docs, weights, starts, deltas, words, word_counts, _load_values(files)
        )

    def frequency(self, field: str, btext: bytes) -> int | None:
        """In how many of the segment's documents the term occurs (deleted ones included, as
        Whoosh counts), or None when the arrays cannot tell."""
        found = self.span(field, btext)
        return None if found is None else found[1]

    def frequencies(self, field: str, btexts: Sequence[bytes]) -> np.ndarray | None:
        """:meth:`frequency` of many terms at once (one binary search for all), or None when the
        arrays cannot tell for some of them."""
        code = _FIELD_CODES.get(field)
        if code is None or any(len(code) + len(btext) > KEY_BYTES for btext in btexts):
            return None
        if not len(self.keys) or not btexts:
            return np.zeros(len(btexts), dtype=np.int64)
        keys = np.array([code + btext for btext in btexts], dtype=self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[at] == keys, self.spans[at, 1], 0).astype(np.int64)

    def words_starting(self, field: str, prefix: bytes) -> list[bytes] | None:
        """The segment's words of ``field`` that start with ``prefix`` (None: ask Whoosh)."""
        code = _FIELD_CODES.get(field)
        if code is None:
            return None
        low = code + prefix
        high = low + b"\xff"
        first, last = np.searchsorted(self.keys, [low, high])
        return [bytes(key)[1:] for key in self.keys[first:last]]

    def prefix_postings(self, field: str, prefix: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The postings of every word of ``field`` that starts with ``prefix``, one after the
        other (a document appears once per such word it has), or None when the arrays cannot
        tell.  Words are stored in key order, so they are one slice."""
        code = _FIELD_CODES.get(field)
        if code is None or len(code + prefix) > KEY_BYTES:
            return None
        first, last = np.searchsorted(self.keys, [code + prefix, code + prefix + b"\xff"])
        if first == last:
            return self.docs[:0], self.weights[:0]
        start = int(self.spans[first][0])
        end = int(self.spans[last - 1][0] + self.spans[last - 1][1])
        return self.docs[start:end], self.weights[start:end]

    def spelling_counts(self, words: np.ndarray) -> np.ndarray:
        """For each of ``words`` (an ``S32`` array), in how many documents it occurs."""
        if not len(self.words):
            return np.zeros(len(words), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.words, words), len(self.words) - 1)
        return np.where(self.words[at] == words, self.word_counts[at], 0).astype(np.int64)

    def span(self, field: str, btext: bytes) -> tuple[int, int] | None:
        """Where the term's postings are: ``(start, count)``, a count of 0 when the segment does
        not have the term, or None when the arrays cannot tell (ask Whoosh)."""
        code = _FIELD_CODES.get(field)
        if code is None or len(key := code + btext) > KEY_BYTES:
            return None
        # numpy strips trailing NUL bytes from keys; words never end with one.
        index = int(np.searchsorted(self.keys, key))
        if index < len(self.keys) and self.keys[index] == key:
            start, count = self.spans[index]
            return int(start), int(count)
        return 0, 0

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's document numbers and weights (empty when the segment does not have it), or
        None when the arrays cannot tell."""
        found = self.span(field, btext)
        if found is None:
            return None
        start, count = found
        return self.docs[start : start + count], self.weights[start : start + count]

    def positions(
        self, field: str, btext: bytes, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Word positions in the documents at indexes ``which`` of the term's posting list:
        ``(flat positions, how many belong to each of those documents)``."""
        found = self.span(field, btext)
        if found is None:
            raise ValueError(f"the arrays do not hold the term {btext!r} of {field}")
        start = found[0]
        first = self.starts[start + which]
        counts = (self.starts[start + which + 1] - first).astype(np.int64)
        total = int(counts.sum())
        if not total:
            return np.empty(0, dtype=np.int64), counts
        # Gather the runs [first, first + count) in one pass, then undo the delta coding per run.
        run_first = np.cumsum(counts) - counts  # every run has at least one position
        offsets = np.arange(total, dtype=np.int64) + np.repeat(first - run_first, counts)
        deltas = self.deltas[offsets].astype(np.int64)
        sums = np.cumsum(deltas)
        before = np.repeat(sums[run_first] - deltas[run_first], counts)
        return sums - before, counts


def _load_values(
    files: SegmentFiles,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    try:
        with np.load(files(_VALUES), allow_pickle=False) as saved:
            return {
                f: (saved[f"names:{f}"], saved[f"counts:{f}"], saved[f"docs:{f}"])
                for f in schema.VALUE_ARRAY_FIELDS
            }
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class DocumentArrays:
    """One segment's per-document values.  ``lengths`` are field lengths as Whoosh reads them
    back; ``categories`` map a column to (distinct values, per-document codes into them)."""

    lengths: dict[str, np.ndarray]
    categories: dict[str, tuple[tuple[str, ...], np.ndarray]]
    dates: np.ndarray
    dated: np.ndarray
    # int64 document keys (schema.document_key); None for a segment read through Whoosh.
    keys: np.ndarray | None = None

    @classmethod
    def load(cls, files: SegmentFiles) -> DocumentArrays | None:
        """The values saved for a segment, or None when it has none."""
        path = files(_DOCUMENTS)
        if not os.path.exists(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                lengths = {f: LENGTH_TABLE[saved[f"length:{f}"]] for f in schema.LENGTH_FIELDS}
                categories = {
                    f: (tuple(str(n) for n in saved[f"names:{f}"]), saved[f"codes:{f}"])
                    for f in schema.CATEGORY_COLUMNS
                }
                return cls(lengths, categories, saved["dates"], saved["dated"], saved["keys"])
        except (OSError, ValueError, KeyError):
            return None


# --- per run: stories ----------------------------------------------------------------------------

STORY_ARRAYS_PREFIX = "stories-"
_STORY_ARRAYS_SUFFIX = ".npz"


def story_arrays_path(folder: str | os.PathLike[str], toc: int) -> str:
    """Where the story arrays of a generation folder's table of contents ``toc`` are."""
    return os.path.join(folder, f"{STORY_ARRAYS_PREFIX}{toc}{_STORY_ARRAYS_SUFFIX}")


@dataclass(frozen=True)
class StoryArrays:
    """Each document's story and the outlets of its copies, for one version of the index.

    Documents are rows sorted by key (:func:`~indexer.index.schema.document_key`): ``doc_story``
    is a row of the story table (-1: none), ``doc_copies`` how many copies of the text the corpus
    has; ``pair_docs``/``pair_outlets`` list each document's distinct outlets as codes into
    ``outlet_names`` (display names, as the first copy in the manifest spells them).  Stories
    are rows sorted by the grouping's story id: their first publication and last update in
    Whoosh's datetime units (0: none), how many versions and indexed texts they have, and the
    key of their main text's document.
    """

    doc_keys: np.ndarray
    doc_story: np.ndarray
    doc_copies: np.ndarray
    outlet_names: tuple[str, ...]
    pair_docs: np.ndarray
    pair_outlets: np.ndarray
    story_ids: np.ndarray
    story_first: np.ndarray
    story_last: np.ndarray
    story_versions: np.ndarray
    story_texts: np.ndarray
    story_main: np.ndarray

    @classmethod
    def build(
        cls,
        documents: list[tuple[int, int, int]],
        stories: list[tuple[int, int, int, int, int, int]],
        outlet_names: list[str],
        pairs: list[tuple[int, int]],
    ) -> StoryArrays:
        """The arrays from ``documents`` (key, the grouping's story id or -1, copies; in any
        order), ``stories`` (story id, first publication, last update, versions, texts, main
        text's key; sorted by story id) and ``pairs`` (a row of ``documents``, an outlet code)."""
        docs = np.array(documents, dtype=np.int64).reshape(-1, 3)
        table = np.array(stories, dtype=np.int64).reshape(-1, 6)
        keys = docs[:, 0]
        order = np.argsort(keys, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        ids = table[:, 0]
        doc_story = np.full(len(docs), -1, dtype=np.int32)
        if len(ids):
            rows = np.minimum(np.searchsorted(ids, docs[:, 1]), len(ids) - 1)
            doc_story = np.where(ids[rows] == docs[:, 1], rows, -1).astype(np.int32)
        pair_array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return cls(
            doc_keys=keys[order],
            doc_story=doc_story[order],
            doc_copies=docs[order, 2].astype(np.int32),
            outlet_names=tuple(outlet_names),
            pair_docs=rank[pair_array[:, 0]].astype(np.int32),
            pair_outlets=pair_array[:, 1].astype(np.int32),
            story_ids=ids,
            story_first=table[:, 1],
            story_last=table[:, 2],
            story_versions=table[:, 3].astype(np.int32),
            story_texts=table[:, 4].astype(np.int32),
            story_main=table[:, 5],
        )

    def save(self, path: str) -> None:
        """Write the arrays to ``path`` atomically (a reader never sees half a file)."""
        temporary = path + ".tmp"
        arrays = {name: getattr(self, name) for name in self.__dataclass_fields__}
        arrays["outlet_names"] = np.array(self.outlet_names, dtype=str)
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: str) -> StoryArrays | None:
        """The arrays saved at ``path``, or None when there are none (or they cannot be read)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                found = {name: saved[name] for name in cls.__dataclass_fields__}
        except (OSError, ValueError, KeyError):
            return None
        found["outlet_names"] = tuple(str(name) for name in found["outlet_names"])
        return cls(**found)
