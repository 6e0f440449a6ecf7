"""The one module that relies on Whoosh's internals: everything here could break on an upgrade.

Whoosh's public API answers "the top ten" and looks up one term at a time.  artsearch also needs
every posting of a word at once, as arrays, and to write those arrays while Whoosh writes its own
segments.  Each reliance on something Whoosh does not promise is a function or class below, and
``tests/test_whoosh_private.py`` has a test per reliance, so a new whoosh3 release fails there,
loudly, before anywhere else:

1. :class:`TappingCodec`: Whoosh's W3 codec with its per-field posting writer and per-document
   writer subclassed, so that the postings and per-document values Whoosh writes (on every commit
   and every merge, in term order) are also handed to our own recorders
   (:mod:`indexer.index.arrays`).  It relies on the order and arguments of the writer callbacks.
2. :func:`position_deltas`: the byte layout of Whoosh's ``Positions`` posting values (a uint32
   count, then the pickled list of position deltas), read without Whoosh's per-position loop.
3. :func:`matcher_postings`: a whoosh3 block matcher's decoded block (``_ids``, ``_weights``,
   ``_i``, ``_read_ids``, ``_read_weights``, ``_next_block``), read a block at a time instead of
   two method calls per posting.  Any other matcher is read through the public API.
4. :func:`is_segment_file`: our arrays are named like Whoosh's own segment files
   (``<segment id>.<ext>``), so Whoosh's clean-up deletes them with their segment
   (``TOC._segment_pattern``).
5. :func:`byte_length`: how Whoosh quantises a field length into one byte (and back), so that
   lengths recorded at write time equal what ``reader.doc_field_length`` returns.
6. :func:`next_segment_docnum` and :func:`delete_uncommitted`: a ``SegmentWriter``'s ``docnum``,
   ``docbase`` and ``newsegment``, to delete a document the writer added and has not committed
   (``update_document`` deletes only from committed segments); the new segment's deleted set is
   saved with it in the TOC.

Everything else artsearch does with Whoosh goes through its documented API.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pickle import loads
from typing import Any, Protocol

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocWriter
from whoosh.formats import Positions
from whoosh.index import TOC
from whoosh.util.numeric import byte_to_length, length_to_byte

# Whoosh's Positions format: a uint32 count, then the pickled list of position deltas.
_POSITIONS_HEADER = 4

_BLOCK_ATTRIBUTES = ("_read_ids", "_read_weights", "_next_block", "_i", "_ids", "_weights")


# --- 1. the tapping codec ---------------------------------------------------------------------


class PostingRecorder(Protocol):
    """Receives a segment's postings as Whoosh writes them (fields by name, terms in order)."""

    def start_field(self, field: str, positions: bool) -> None: ...
    def start_term(self, btext: bytes) -> None: ...
    def add(self, docnum: int, weight: float, value: bytes) -> None: ...
    def finish_term(self) -> None: ...
    def close(self) -> None: ...


class DocumentRecorder(Protocol):
    """Receives a segment's per-document values as Whoosh writes them, document by document."""

    def start_doc(self, docnum: int) -> None: ...
    def add_length(self, field: str, length: int) -> None: ...
    def add_column_value(self, field: str, value: Any) -> None: ...
    def finish_doc(self) -> None: ...
    def cancel_doc(self) -> None: ...
    def close(self) -> None: ...


# A recorder is made per segment: (the folder the segment is written to, a function naming the
# segment's files by extension).
SegmentFiles = Callable[[str], str]


class TappingCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec whose writers also hand everything they write to recorders.

    ``postings(files)`` and ``documents(files)`` make one recorder per segment written; ``files``
    maps a file extension to the full path of the segment's file with that extension.
    """

    def __init__(
        self,
        postings: Callable[[SegmentFiles], PostingRecorder],
        documents: Callable[[SegmentFiles], DocumentRecorder],
    ) -> None:
        super().__init__()
        self._make_postings = postings
        self._make_documents = documents

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        recorder = self._make_postings(_files(storage, segment))
        return _TappedFieldWriter(self, storage, segment, recorder)

    def per_document_writer(self, storage: Any, segment: Any) -> W3PerDocWriter:
        recorder = self._make_documents(_files(storage, segment))
        return _TappedPerDocWriter(self, storage, segment, recorder)


def _files(storage: Any, segment: Any) -> SegmentFiles:
    # The arrays are files beside the segment's: only a storage in a folder (FileStorage) has a
    # place for them.  Whoosh's RamStorage has an empty folder, which would put them in the
    # current directory.
    folder = getattr(storage, "folder", "")
    if not folder:
        raise ValueError(
            f"artsearch's codec writes its arrays beside the segment files and needs an index"
            f" in a folder (a FileStorage with a path); this {type(storage).__name__} has none"
        )
    return segment_files(folder, segment)


def segment_files(folder: str, segment: Any) -> SegmentFiles:
    """Names a segment's files in ``folder`` by extension, as Whoosh names its own (so that its
    clean-up deletes them with the segment: see :func:`is_segment_file`)."""

    def path(ext: str) -> str:
        return os.path.join(folder, segment.make_filename(ext))

    return path


class _TappedFieldWriter(W3FieldWriter):  # type: ignore[misc]
    def __init__(self, codec: Any, storage: Any, segment: Any, recorder: PostingRecorder) -> None:
        super().__init__(codec, storage, segment)
        self._recorder = recorder

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        # Only Whoosh's own Positions format: its value bytes are what position_deltas reads.
        self._recorder.start_field(fieldname, type(fieldobj.format) is Positions)

    def start_term(self, btext: bytes) -> None:
        super().start_term(btext)
        self._recorder.start_term(btext)

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int) -> None:
        super().add(docnum, weight, vbytes, length)
        self._recorder.add(docnum, weight, vbytes)

    def finish_term(self) -> None:
        super().finish_term()
        self._recorder.finish_term()

    def close(self) -> None:
        super().close()
        self._recorder.close()


class _TappedPerDocWriter(W3PerDocWriter):  # type: ignore[misc]
    def __init__(self, codec: Any, storage: Any, segment: Any, recorder: DocumentRecorder) -> None:
        super().__init__(codec, storage, segment)
        self._recorder = recorder
        # Whoosh's close() calls finish_doc() once more after the last document: only the
        # documents actually started reach the recorder.
        self._recording = False

    def start_doc(self, docnum: int) -> None:
        super().start_doc(docnum)
        self._recorder.start_doc(docnum)
        self._recording = True

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            self._recorder.add_length(fieldname, length)

    def add_column_value(self, fieldname: str, columnobj: Any, value: Any) -> None:
        super().add_column_value(fieldname, columnobj, value)
        self._recorder.add_column_value(fieldname, value)

    def finish_doc(self) -> None:
        super().finish_doc()
        if self._recording:
            self._recording = False
            self._recorder.finish_doc()

    def cancel_doc(self) -> None:
        super().cancel_doc()
        self._recording = False
        self._recorder.cancel_doc()

    def close(self) -> None:
        super().close()
        self._recorder.close()


# --- 2. positions ------------------------------------------------------------------------------


def position_deltas(value: bytes) -> list[int]:
    """The position deltas of a ``Positions`` posting value (what ``decode_positions`` sums)."""
    if not value.endswith(b"."):  # values read back for a merge lack pickle's STOP opcode
        value += b"."
    deltas: list[int] = loads(value[_POSITIONS_HEADER:])
    return deltas


# --- 3. block matchers -------------------------------------------------------------------------


def matcher_postings(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All document numbers (int64) and weights (float64) of a leaf posting matcher.

    whoosh3's block matcher keeps each decoded block in ``_ids``/``_weights``; reading whole
    blocks avoids two Python method calls per posting.  Other matchers are read posting by posting.
    """
    if not all(hasattr(matcher, name) for name in _BLOCK_ATTRIBUTES):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_blocks = []
    weight_blocks = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start = matcher._i
        id_blocks.append(np.asarray(matcher._ids[start:], dtype=np.int64))
        weight_blocks.append(np.asarray(matcher._weights[start:], dtype=np.float64))
        matcher._next_block()
    if not id_blocks:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


# --- 4. file names -----------------------------------------------------------------------------


def is_segment_file(indexname: str, filename: str) -> bool:
    """Whether Whoosh's clean-up takes ``filename`` for a file of a segment of ``indexname``
    (and so deletes it when that segment is merged away)."""
    pattern: re.Pattern[str] = TOC._segment_pattern(indexname)
    return pattern.match(filename) is not None


# --- 5. field lengths --------------------------------------------------------------------------


def byte_length(length: int) -> int:
    """A field length as Whoosh stores it: one byte, from which it reads back
    :func:`length_of_byte` (exact up to 8, then within about 6 %)."""
    return int(length_to_byte(length))


def length_of_byte(code: int) -> float:
    return float(byte_to_length(code))


LENGTH_TABLE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)
"""Field lengths by byte code: ``LENGTH_TABLE[codes]`` reads a whole array of codes back."""


# --- 6. deleting what a writer has not committed -----------------------------------------------


def next_segment_docnum(writer: Any) -> int:
    """The number, within the segment the writer is writing, of the next document it adds."""
    return int(writer.docnum - writer.docbase)


def delete_uncommitted(writer: Any, segment_docnum: int) -> None:
    """Delete a document the writer added and has not committed (its number in the new
    segment, from :func:`next_segment_docnum`)."""
    writer.newsegment.delete_document(segment_docnum)
