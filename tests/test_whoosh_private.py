"""One test per Whoosh internal that indexer.index.whoosh_private relies on: a whoosh3 upgrade that
changes one of them fails here first, naming it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SYNTHETIC_ARTICLES
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Positions
from whoosh.index import create_in, open_dir

from indexer.index import schema
from indexer.index.arrays import ARRAY_EXTENSIONS, arrays_codec
from indexer.index.store import IndexStore
from indexer.index.whoosh_private import (
    _BLOCK_ATTRIBUTES,
    LENGTH_TABLE,
    TappingCodec,
    byte_length,
    delete_uncommitted,
    is_segment_file,
    matcher_postings,
    next_segment_docnum,
    position_deltas,
)


class _Postings:
    """Records what the codec hands over."""

    def __init__(self, files: Any) -> None:
        self.terms: dict[tuple[str, bytes], list[tuple[int, float, bytes]]] = {}
        self.field = ""
        self.key: tuple[str, bytes] = ("", b"")
        _RECORDED.append(self)

    def start_field(self, field: str, positions: bool) -> None:
        self.field = field

    def start_term(self, btext: bytes) -> None:
        self.key = (self.field, btext)
        self.terms[self.key] = []

    def add(self, docnum: int, weight: float, value: bytes) -> None:
        self.terms[self.key].append((docnum, weight, value))

    def finish_term(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Documents:
    def __init__(self, files: Any) -> None:
        self.docs: list[dict[str, Any]] = []
        self.current: dict[str, Any] = {}
        _RECORDED.append(self)

    def start_doc(self, docnum: int) -> None:
        assert docnum == len(self.docs)
        self.current = {}

    def add_length(self, field: str, length: int) -> None:
        self.current[("length", field)] = length

    def add_column_value(self, field: str, value: Any) -> None:
        self.current[field] = value

    def finish_doc(self) -> None:
        self.docs.append(self.current)

    def cancel_doc(self) -> None:
        self.current = {}

    def close(self) -> None:
        pass


_RECORDED: list[Any] = []


def _write(folder: Path, codec: Any, texts: list[str]) -> Any:
    schema_ = fields.Schema(
        body=fields.TEXT(phrase=True), year=fields.ID(sortable=True, stored=True)
    )
    ix = create_in(str(folder), schema_)
    writer = ix.writer(codec=codec, compound=False)
    for number, text in enumerate(texts):
        writer.add_document(body=text, year=str(2000 + number))
    writer.commit()
    return ix


def test_the_codec_hands_over_every_posting_and_document_whoosh_writes(tmp_path: Path) -> None:
    _RECORDED.clear()
    texts = ["red fish blue fish", "one fish", "red sky at night", ""]
    ix = _write(tmp_path, TappingCodec(_Postings, _Documents), texts)
    postings = next(r for r in _RECORDED if isinstance(r, _Postings))
    documents = next(r for r in _RECORDED if isinstance(r, _Documents))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for btext in reader.lexicon("body"):
            matcher = reader.postings("body", btext)
            expected = []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            assert postings.terms[("body", btext)] == expected
        # One record per document (Whoosh's close() calls finish_doc once more: not recorded).
        assert len(documents.docs) == len(texts) == reader.doc_count_all()
        for docnum, doc in enumerate(documents.docs):
            assert doc["year"] == str(2000 + docnum).encode()
            length = doc.get(("length", "body"), 0)
            assert LENGTH_TABLE[byte_length(length)] == (
                reader.doc_field_length(docnum, "body") or 0
            )


def test_a_merge_hands_over_the_merged_segments_documents(tmp_path: Path) -> None:
    _RECORDED.clear()
    ix = _write(tmp_path, TappingCodec(_Postings, _Documents), ["red fish", "blue sky"])
    writer = ix.writer(codec=TappingCodec(_Postings, _Documents))
    writer.add_document(body="green hill", year="2010")
    writer.delete_by_term("body", "blue")
    writer.commit(optimize=True)
    merged = [r for r in _RECORDED if isinstance(r, _Documents)][-1]
    # The merged segment's documents, the deleted one left out, in the new numbering.
    with ix.searcher() as searcher:
        stored = [searcher.stored_fields(d)["year"] for d in range(searcher.doc_count_all())]
    assert [doc["year"].decode() for doc in merged.docs] == stored
    assert sorted(stored) == ["2000", "2010"]


def test_position_deltas_are_what_decode_positions_sums() -> None:
    positions = Positions()
    for found in ([0], [3, 4, 10], list(range(0, 3000, 7))):
        value = positions.encode(found)
        assert np.cumsum(position_deltas(value)).tolist() == positions.decode_positions(value)
        # Values read back for a merge lack pickle's STOP opcode.
        assert position_deltas(value.rstrip(b".")) == position_deltas(value)


def test_block_matchers_are_read_a_block_at_a_time_across_many_blocks(plain_index: Path) -> None:
    with IndexStore(plain_index).searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            matcher = leaf.postings(schema.BODY, b"news")
            assert all(hasattr(matcher, name) for name in _BLOCK_ATTRIBUTES)
            ids, weights = matcher_postings(matcher)
            assert len(ids) > 128  # several blocks
            public = leaf.postings(schema.BODY, b"news")
            expected_ids, expected_weights = [], []
            while public.is_active():
                expected_ids.append(public.id())
                expected_weights.append(public.weight())
                public.next()
            assert ids.tolist() == expected_ids
            assert weights.tolist() == pytest.approx(expected_weights)


def test_our_array_files_are_deleted_with_their_segment(tmp_path: Path) -> None:
    ix = _write(tmp_path, arrays_codec(), ["one two", "three four"])
    names = [n for n in os.listdir(tmp_path) if ".arr_" in n]
    assert {name[name.index(".") :] for name in names} == set(ARRAY_EXTENSIONS)
    assert all(is_segment_file(ix.indexname, name) for name in names)
    writer = ix.writer(codec=arrays_codec(), compound=False)
    writer.add_document(body="five six", year="2020")
    writer.commit(optimize=True)  # merges: the old segment's files go
    remaining = set(os.listdir(tmp_path))
    assert not remaining & set(names)
    assert len([n for n in remaining if n.endswith(".arr_documents.npz")]) == 1


def test_field_lengths_are_quantised_as_whoosh_reads_them_back(plain_index: Path) -> None:
    with IndexStore(plain_index).searcher() as searcher:
        reader = searcher.reader()
        for docnum in range(0, SYNTHETIC_ARTICLES, 37):
            stored = reader.doc_field_length(docnum, schema.BODY)
            # Whoosh stores the byte of the true length; reading back the byte's table value.
            assert LENGTH_TABLE[byte_length(int(stored))] == stored
    assert LENGTH_TABLE[byte_length(5)] == 5 and LENGTH_TABLE[0] == 0


def test_plain_whoosh_codec_still_reads_our_indexes(arrays_index: Path, tmp_path: Path) -> None:
    # The arrays are extra files: Whoosh itself reads an index we wrote, arrays or not.
    copy = tmp_path / "index"
    shutil.copytree(arrays_index, copy)
    ix = open_dir(str(IndexStore(copy).current_generation()))
    with ix.searcher() as searcher:
        assert searcher.doc_count() == SYNTHETIC_ARTICLES
    writer = ix.writer(codec=W3Codec())
    writer.commit(optimize=True)
    ix.close()


def test_a_document_the_writer_has_not_committed_can_be_deleted(tmp_path: Path) -> None:
    ix = create_in(str(tmp_path), fields.Schema(id=fields.ID(stored=True, unique=True)))
    writer = ix.writer()
    writer.add_document(id="a")
    writer.commit()
    writer = ix.writer()
    numbers = {}
    for name in ("b", "c", "d"):
        numbers[name] = next_segment_docnum(writer)
        writer.add_document(id=name)
    assert numbers == {"b": 0, "c": 1, "d": 2}  # numbered within the new segment
    delete_uncommitted(writer, numbers["c"])
    writer.commit(merge=False)
    reopened = open_dir(str(tmp_path))
    with reopened.searcher() as searcher:
        assert sorted(f["id"] for f in searcher.all_stored_fields()) == ["a", "b", "d"]
        assert searcher.doc_count() == 3
