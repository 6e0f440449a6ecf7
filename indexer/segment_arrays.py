"""Posting lists of each index segment, also written as flat NumPy arrays.

Searching reads the postings of a query's words into arrays (``search.docsets``).  Decoding them
through Whoosh's matchers costs about 2 µs a posting, so the first query with a common word in a
fresh worker process took hundreds of milliseconds at 100,000 articles, and phrase queries,
which Whoosh checks by unpickling every candidate's word positions, took up to a second.

:class:`ArraysCodec` is Whoosh's own codec plus a tap on the postings as Whoosh writes them
(every commit and every merge writes a segment's postings exactly once, in term order).  For each
word of the text fields in at least :data:`MIN_DOC_FREQUENCY` documents of the segment it keeps:

- the document numbers (``int32``) and weights (``float32``: term frequency times field boost);
- the word's positions in each document (``uint32``, for phrases), and where each document's run
  of positions starts.

They are saved beside the segment's own files under its name, so Whoosh deletes them with the
segment, and memory-mapped by readers: every worker process shares one copy through the page
cache, and segments are immutable, so the arrays never go stale.  Rarer words (a few postings) are
still read through Whoosh, as are segments written without arrays.
"""

from __future__ import annotations

import os
import pickle
from array import array
from dataclasses import dataclass
from pickle import loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.formats import Positions

# Words in fewer documents of a segment are cheap to read through Whoosh.
MIN_DOC_FREQUENCY = 16
# The fields whose postings are tapped: those that queries score and phrases search.
TAPPED_FIELDS = frozenset({"title", "body"})
_POSITIONS_HEADER = 4  # Whoosh's Positions format: a uint32 count, then the pickled deltas

_TERMS = ".arr_terms"
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
        self._terms: dict[tuple[str, bytes], tuple[int, int]] = {}

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        # Only Whoosh's own Positions format: its value bytes are decoded below.
        self._tapping = fieldname in TAPPED_FIELDS and type(fieldobj.format) is Positions

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
        count = len(self._docs) - start
        if count >= MIN_DOC_FREQUENCY:
            self._terms[(self._fieldname, self._btext)] = (start, count)
        elif count:
            del self._deltas[self._starts[start] :]
            del self._docs[start:], self._weights[start:], self._starts[start:]

    def close(self) -> None:
        super().close()
        self._starts.append(len(self._deltas))
        folder = self._storage.folder
        name = self._segment.make_filename
        np.save(os.path.join(folder, name(_DOCS)), np.frombuffer(self._docs, dtype=np.int32))
        np.save(
            os.path.join(folder, name(_WEIGHTS)), np.frombuffer(self._weights, dtype=np.float32)
        )
        np.save(os.path.join(folder, name(_STARTS)), np.frombuffer(self._starts, dtype=np.int64))
        np.save(os.path.join(folder, name(_DELTAS)), np.frombuffer(self._deltas, dtype=np.uint32))
        # The table goes last: its presence says the arrays are complete.
        with open(os.path.join(folder, name(_TERMS)), "wb") as handle:
            pickle.dump(self._terms, handle, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True)
class SegmentArrays:
    """One segment's tapped postings, memory-mapped.  Document numbers are the segment's own."""

    terms: dict[tuple[str, bytes], tuple[int, int]]
    docs: np.ndarray
    weights: np.ndarray
    starts: np.ndarray
    deltas: np.ndarray

    @classmethod
    def load(cls, folder: str, segment: Any) -> SegmentArrays | None:
        """The arrays saved for ``segment`` in ``folder``, or None when it has none."""
        name = segment.make_filename
        try:
            with open(os.path.join(folder, name(_TERMS)), "rb") as handle:
                terms = pickle.load(handle)
            arrays = [
                np.load(os.path.join(folder, name(ext)), mmap_mode="r")
                for ext in (_DOCS, _WEIGHTS, _STARTS, _DELTAS)
            ]
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            return None
        return cls(terms, *arrays)

    def has(self, field: str, btext: bytes) -> bool:
        return (field, btext) in self.terms

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's document numbers and weights, or None when they were not tapped."""
        found = self.terms.get((field, btext))
        if found is None:
            return None
        start, count = found
        return self.docs[start : start + count], self.weights[start : start + count]

    def positions(
        self, field: str, btext: bytes, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Word positions in the documents at indexes ``which`` of the term's posting list:
        ``(flat positions, how many belong to each of those documents)``."""
        start, _ = self.terms[(field, btext)]
        first = self.starts[start + which]
        counts = (self.starts[start + which + 1] - first).astype(np.int64)
        total = int(counts.sum())
        if not total:
            return np.empty(0, dtype=np.int64), counts
        # Gather the runs [first, first + count) in one pass, then undo the delta coding per run.
        run_starts = np.repeat(np.cumsum(counts) - counts, counts)
        offsets = np.arange(total, dtype=np.int64) - run_starts + np.repeat(first, counts)
        deltas = self.deltas[offsets].astype(np.int64)
        sums = np.cumsum(deltas)
        run_first = np.cumsum(counts) - counts  # every run has at least one position
        before = np.repeat(sums[run_first] - deltas[run_first], counts)
        return sums - before, counts
