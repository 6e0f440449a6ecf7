"""Posting lists of each index segment, also written as flat NumPy arrays.

Searching reads the postings of a query's words into arrays (``search.docsets``).  Decoding them
through Whoosh's matchers costs about 2 µs a posting, so the first query with a common word in a
fresh worker process took hundreds of milliseconds at 100,000 articles, and phrase queries,
which Whoosh checks by unpickling every candidate's word positions, took up to a second.

:class:`ArraysCodec` is Whoosh's own codec plus a tap on the postings as Whoosh writes them
(every commit and every merge writes a segment's postings exactly once, in term order).  For each
word of the text fields it keeps:

- the document numbers (``int32``) and weights (``float32``: term frequency times field boost);
- the word's positions in each document (``uint32``, for phrases), and where each document's run
  of positions starts.

The words themselves are a sorted array of fixed-width keys, looked up by binary search: no
Python object per word, so a process can map every segment's table.  Everything is saved beside
the segment's own files under its name, so Whoosh deletes it with the segment, and memory-mapped
by readers: every worker process shares one copy through the page cache, and segments are
immutable, so the arrays never go stale.  Words too long for a key (over :data:`KEY_BYTES` bytes
with the field's code) are still read through Whoosh, as are segments written without arrays.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass
from pickle import loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.formats import Positions

# The fields whose postings are tapped (those that queries score and phrases search), and the byte
# that stands for each at the start of a key: in the order Whoosh writes fields (by name).
TAPPED_FIELDS = ("body", "title")
_FIELD_CODES = {name: bytes([code]) for code, name in enumerate(TAPPED_FIELDS, 1)}
# A key is the field's code and the word's bytes; longer words (rare: "1,000,000,000",
# run-together URLs) are left to Whoosh.
KEY_BYTES = 32
_POSITIONS_HEADER = 4  # Whoosh's Positions format: a uint32 count, then the pickled deltas

_KEYS = ".arr_keys.npy"
_SPANS = ".arr_spans.npy"
_DOCS = ".arr_docs.npy"
_WEIGHTS = ".arr_weights.npy"
_STARTS = ".arr_starts.npy"
_DELTAS = ".arr_deltas.npy"


class ArraysCodec(W3Codec):
    """Whoosh's W3 codec; its field writer also saves the postings as arrays."""

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _TappedFieldWriter(self, storage, segment)


class _TappedFieldWriter(W3FieldWriter):  # type: ignore[misc]
    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._tapping = False
        self._docs = array("i")
        self._weights = array("f")
        # Per posting, where its positions start in _deltas (one more entry closes the last).
        self._starts = array("q")
        self._deltas = array("I")
        self._term_start = 0
        self._keys: list[bytes] = []
        self._spans = array("q")  # per key: start, count

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        # Only Whoosh's own Positions format: its value bytes are decoded below.
        self._tapping = fieldname in _FIELD_CODES and type(fieldobj.format) is Positions

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        self._term_start = len(self._docs)

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int) -> None:
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        if self._tapping:
            self._docs.append(docnum)
            self._weights.append(weight)
            self._starts.append(len(self._deltas))
            if not vbytes.endswith(b"."):  # postings read back for a merge lack pickle's STOP
                vbytes += b"."
            self._deltas.extend(loads(vbytes[_POSITIONS_HEADER:]))

    def finish_term(self) -> None:
        super().finish_term()
        if not self._tapping:
            return
        start = self._term_start
        key = _FIELD_CODES[self._fieldname] + self._btext
        if len(key) <= KEY_BYTES:
            self._keys.append(key)
            self._spans.extend((start, len(self._docs) - start))
        else:
            del self._deltas[self._starts[start] :]
            del self._docs[start:], self._weights[start:], self._starts[start:]

    def close(self) -> None:
        super().close()
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
        for ext, values in arrays.items():
            np.save(os.path.join(self._storage.folder, self._segment.make_filename(ext)), values)


@dataclass(frozen=True)
class SegmentArrays:
    """One segment's tapped postings, memory-mapped.  Document numbers are the segment's own."""

    keys: np.ndarray
    spans: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    starts: np.ndarray
    deltas: np.ndarray

    @classmethod
    def load(cls, folder: str, segment: Any) -> SegmentArrays | None:
        """The arrays saved for ``segment`` in ``folder``, or None when it has none."""
        try:
            # Plain arrays over the mapped memory: slicing numpy's memmap subclass costs several
            # times more, and a search slices thousands of times.
            keys, spans, *arrays = (
                np.load(os.path.join(folder, segment.make_filename(ext)), mmap_mode="r").view(
                    np.ndarray
                )
                for ext in (_KEYS, _SPANS, _DOCS, _WEIGHTS, _STARTS, _DELTAS)
            )
        except (OSError, ValueError):
            return None
        return cls(keys, spans, *arrays)

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
        assert found is not None, "positions of a term the arrays do not hold"
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
