"""The arrays saved beside each segment (indexer.index.arrays) hold exactly what Whoosh holds:
every posting and position of the scored fields, and every document's values and lengths."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh.index import open_dir

from indexer.build import WRITER_OPTIONS, build_index
from indexer.index import schema
from indexer.index.arrays import KEY_BYTES
from indexer.index.store import IndexStore
from indexer.index.version import IndexVersion

CORPUS = Path(__file__).parent / "data" / "corpus"


@pytest.fixture(scope="module")
def tapped_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The test corpus indexed in two segments."""
    root = tmp_path_factory.mktemp("tapped")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    kept = corpus / "kept-aside"
    shutil.move(corpus / "wikinews", kept)
    index = root / "index"
    build_index(corpus, index, workers=1)
    shutil.move(kept, corpus / "wikinews")
    build_index(corpus, index, workers=1)  # a second segment (small ones are not merged)
    yield index


def _whoosh_postings(leaf: object, field: str, btext: bytes) -> tuple[list[int], list[float]]:
    matcher = leaf.postings(field, btext)  # type: ignore[attr-defined]
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _check_every_tapped_term(index: Path) -> int:
    checked = 0
    store = IndexStore(index)
    version = store.live_version()
    with store.searcher() as searcher:
        leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
        for leaf, segment in zip(leaves, version.segments, strict=True):
            arrays = segment.postings
            assert arrays is not None
            for field in (schema.TITLE, schema.BODY):
                for btext in leaf.lexicon(field):
                    tapped = arrays.postings(field, btext)
                    if len(btext) >= KEY_BYTES:
                        assert tapped is None  # too long for a key: left to Whoosh
                        continue
                    assert tapped is not None, (field, btext)
                    # Whoosh's matchers skip deleted documents; the arrays keep them.
                    live = np.array([not leaf.is_deleted(d) for d in tapped[0]], dtype=bool)
                    ids, weights = _whoosh_postings(leaf, field, btext)
                    assert tapped[0][live].tolist() == ids
                    assert tapped[1][live].tolist() == pytest.approx(weights)
                    flat, counts = arrays.positions(field, btext, np.flatnonzero(live))
                    matcher = leaf.postings(field, btext)
                    expected: list[int] = []
                    for _ in ids:
                        expected.extend(matcher.value_as("positions"))
                        matcher.next()
                    assert flat.tolist() == expected
                    assert counts.sum() == len(expected)
                    checked += 1
    store.close()
    return checked


def test_arrays_hold_whooshs_postings_and_positions(tapped_index: Path) -> None:
    assert len(IndexStore(tapped_index).live_version().segments) == 2
    assert _check_every_tapped_term(tapped_index) > 1000


def test_arrays_of_a_merged_segment_hold_its_postings(tapped_index: Path, tmp_path: Path) -> None:
    # A merge writes postings read back from the old segments: the same arrays must come out.
    copy = tmp_path / "index"
    shutil.copytree(tapped_index, copy)
    ix = open_dir(str(IndexStore(copy).current_generation()))
    ix.writer(**WRITER_OPTIONS).commit(optimize=True)
    ix.close()
    assert len(IndexStore(copy).live_version().segments) == 1
    assert _check_every_tapped_term(copy) > 1000


def test_absent_and_overlong_words(tapped_index: Path) -> None:
    arrays = IndexStore(tapped_index).live_version().segments[0].postings
    assert arrays is not None
    assert arrays.span(schema.BODY, b"lantern") is not None
    assert arrays.span(schema.BODY, b"zyxwnotaword") == (0, 0)
    assert arrays.span(schema.BODY, b"x" * KEY_BYTES) is None
    assert arrays.span(schema.SOURCE, b"wikinews") is None  # a field without arrays
    keys = arrays.keys.tolist()
    assert keys == sorted(keys)


def _values_through_whoosh(index: Path) -> dict[str, list[object]]:
    """Per-document values as Whoosh's own columns and length readers give them."""
    with IndexStore(index).searcher() as searcher:
        reader = searcher.reader()
        count = reader.doc_count_all()
        found: dict[str, list[object]] = {}
        for field in schema.CATEGORY_COLUMNS:
            column = list(reader.column_reader(field)) if reader.has_column(field) else []
            found[field] = [v or "" for v in column] or [""] * count
        dated = [v == "1" for v in reader.column_reader(schema.DATED)]
        raw = list(reader.column_reader(schema.PUBLISHED, translate=False))
        found["published"] = [int(v) if d else 0 for v, d in zip(raw, dated, strict=True)]
        found["dated"] = dated
        for field in schema.LENGTH_FIELDS:
            found[field] = [float(reader.doc_field_length(d, field) or 0) for d in range(count)]
    return found


def _values_from_arrays(version: IndexVersion) -> dict[str, list[object]]:
    values = version.values
    found: dict[str, list[object]] = {
        field: [category.names[c] if c >= 0 else "" for c in category.codes]
        for field, category in values.categories.items()
    }
    found["published"] = values.published.tolist()
    found["dated"] = values.dated.tolist()
    for field in schema.LENGTH_FIELDS:
        found[field] = values.lengths[field].tolist()
    return found


@pytest.mark.parametrize("which", ["tapped", "synthetic"])
def test_document_arrays_hold_whooshs_columns_and_lengths(
    which: str, tapped_index: Path, arrays_index: Path
) -> None:
    index = tapped_index if which == "tapped" else arrays_index
    version = IndexStore(index).live_version()
    assert all(segment.documents is not None for segment in version.segments)
    assert _values_from_arrays(version) == _values_through_whoosh(index)


def test_an_index_without_arrays_reads_the_same_values_through_whoosh(
    arrays_index: Path, plain_index: Path
) -> None:
    store = IndexStore(plain_index)
    assert not list(store.current_generation().glob("*.arr_*"))
    plain = store.live_version()
    assert all(segment.postings is None for segment in plain.segments)
    assert _values_from_arrays(plain) == _values_from_arrays(
        IndexStore(arrays_index).live_version()
    )


def test_the_codec_refuses_a_storage_without_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoosh's RamStorage has no folder: the arrays would land in the current directory."""
    from whoosh.filedb.filestore import RamStorage

    from indexer.index.arrays import arrays_codec

    monkeypatch.chdir(tmp_path)
    ix = RamStorage().create_index(schema.SCHEMA)
    with pytest.raises(ValueError, match="needs an index in a folder"):
        ix.writer(codec=arrays_codec())
    assert list(tmp_path.iterdir()) == []
