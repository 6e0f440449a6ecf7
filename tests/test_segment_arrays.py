"""The posting arrays saved beside each segment hold exactly Whoosh's postings, and phrase queries
matched over them (or, for rare words, through Whoosh) give Whoosh's matches and scores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import query
from whoosh.index import open_dir

from indexer.build import WRITER_OPTIONS, build_index
from indexer.index import arrays as segment_arrays
from indexer.index import schema
from indexer.index.store import IndexStore
from search import docsets as docsets_module
from search import execute
from search.docsets import DocSets
from search.docsets import segment_arrays as arrays_of
from search.query import parse_query
from search.ranking import WEIGHTING

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
    with IndexStore(index).searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            arrays = arrays_of(leaf)
            assert arrays is not None
            for field in (schema.TITLE, schema.BODY):
                for btext in leaf.lexicon(field):
                    tapped = arrays.postings(field, btext)
                    if len(btext) >= segment_arrays.KEY_BYTES:
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
    return checked


def test_arrays_hold_whooshs_postings_and_positions(tapped_index: Path) -> None:
    with IndexStore(tapped_index).searcher() as searcher:
        assert len(list(searcher.reader().leaf_readers())) == 2
    assert _check_every_tapped_term(tapped_index) > 1000


def test_arrays_of_a_merged_segment_hold_its_postings(tapped_index: Path, tmp_path: Path) -> None:
    # A merge writes postings read back from the old segments: the same arrays must come out.
    copy = tmp_path / "index"
    shutil.copytree(tapped_index, copy)
    ix = open_dir(str(IndexStore(copy).current_generation()))
    ix.writer(**WRITER_OPTIONS).commit(optimize=True)
    ix.close()
    with IndexStore(copy).searcher() as searcher:
        assert len(list(searcher.reader().leaf_readers())) == 1
    assert _check_every_tapped_term(copy) > 1000


def test_absent_and_overlong_words(tapped_index: Path) -> None:
    with IndexStore(tapped_index).searcher() as searcher:
        leaf, _ = next(iter(searcher.reader().leaf_readers()))
        arrays = arrays_of(leaf)
        assert arrays is not None
        assert arrays.span(schema.BODY, b"lantern") is not None
        assert arrays.span(schema.BODY, b"zyxwnotaword") == (0, 0)
        assert arrays.span(schema.BODY, b"x" * segment_arrays.KEY_BYTES) is None
        assert arrays.span(schema.SOURCE, b"wikinews") is None  # an untapped field
        keys = arrays.keys.tolist()
        assert keys == sorted(keys)


PHRASES = [
    '"north korea"',
    '"quasi-state of war"',
    '"lantern festival"',
    '"said the"',  # a stop word: the phrase is the one word left
    'title:"north korea"',
    '"korea north"',
    '"festival lantern taipei nothing"',
]


def _whoosh_scores(searcher: object, q: query.Query) -> dict[int, float]:
    searcher.weighting = WEIGHTING  # type: ignore[attr-defined]
    results = searcher.search(q, limit=None, terms=False)  # type: ignore[attr-defined]
    return {hit.docnum: hit.score for hit in results}


@pytest.mark.parametrize("text", PHRASES)
@pytest.mark.parametrize("which", ["arrays", "whoosh fallback"])
def test_phrase_matches_and_scores_equal_whooshs(
    tapped_index: Path, index_dir: Path, text: str, which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tapped index answers from arrays; the shared index was built by the session fixture,
    # and is read here as if it had none, through Whoosh.
    monkeypatch.setattr(execute, "DOCSETS", DocSets())
    if which == "whoosh fallback":
        monkeypatch.setattr(segment_arrays.SegmentArrays, "load", classmethod(lambda *a: None))
        monkeypatch.setattr(docsets_module, "_SEGMENT_ARRAYS", {})
    q = parse_query(text).strict
    assert any(isinstance(leaf, query.Phrase) for leaf in [q, *q.children()]) or '"' in text
    index = tapped_index if which == "arrays" else index_dir
    with IndexStore(index).searcher() as searcher:
        matches = execute.match(searcher, q, None, WEIGHTING, ranked=True)
        assert matches.scores is not None
        ours = {int(d): float(matches.scores[d]) for d in np.flatnonzero(matches.mask)}
        assert ours == pytest.approx(_whoosh_scores(searcher, q))
        unranked = execute.DOCSETS.matching(searcher, q)
        assert sorted(np.flatnonzero(unranked).tolist()) == sorted(ours)


def test_phrases_find_what_they_should(tapped_index: Path) -> None:
    with IndexStore(tapped_index).searcher() as searcher:
        docsets = DocSets()
        hits = np.flatnonzero(docsets.matching(searcher, parse_query('"north korea"').strict))
        reversed_hits = docsets.matching(searcher, parse_query('"korea north"').strict)
        assert len(hits) >= 1
        for docnum in hits:
            body = schema.from_stored(searcher.reader().stored_fields(int(docnum))).body
            assert "north korea" in " ".join(body.lower().split())
        assert not reversed_hits.any()
