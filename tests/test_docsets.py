"""Set-at-a-time matching agrees with Whoosh's own matching, and follows index updates."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.build import build_index
from indexer.index.store import IndexStore
from search.docsets import DocSets, sorted_intersection
from search.query import parse_query

CORPUS = Path(__file__).parent / "data" / "corpus"

QUERIES = [
    "korea",
    "north korea",
    "war OR election",
    "korea -war",
    "korea NOT military",
    '"quasi-state of war"',
    "pilgr*",
    "title:korea",
    "author:haddad",
    "source:metro",
    "(korea OR crane) -stampede",
    "nothingmatchesthisword",
]


@pytest.mark.parametrize("text", QUERIES)
def test_matching_documents_equal_whooshs(index_dir: Path, text: str) -> None:
    docsets = DocSets()
    parsed = parse_query(text)
    with IndexStore(index_dir).searcher() as searcher:
        ours = np.flatnonzero(docsets.matching(searcher, parsed.strict)).tolist()
        whooshs = sorted(searcher.docs_for_query(parsed.strict))
    assert ours == whooshs


def test_document_values_hold_sources_years_and_dates(index_dir: Path) -> None:
    with IndexStore(index_dir).searcher() as searcher:
        values = DocSets().values(searcher)
        assert {"Daily Planet", "Metro Times", "Wikinews"} <= set(values.source_names)
        assert "2015" in values.year_names
        assert values.dated[values.live].all()
        assert len(values.live_ids) == searcher.doc_count()


def test_cached_postings_follow_an_incremental_update(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    docsets = DocSets()
    lantern = parse_query("lantern").strict
    with IndexStore(index).searcher() as searcher:
        before = int(docsets.matching(searcher, lantern).sum())
    (corpus / "wikinews" / "lantern-festival-in-taipei.html").unlink()
    build_index(corpus, index, workers=1)
    with IndexStore(index).searcher() as searcher:
        after = int(docsets.matching(searcher, lantern).sum())
        assert after == len(list(searcher.docs_for_query(lantern)))
    assert (before, after) == (1, 0)


@given(
    st.lists(st.integers(0, 300), unique=True).map(sorted),
    st.lists(st.integers(0, 300), unique=True).map(sorted),
)
def test_sorted_intersection_equals_numpys(a: list[int], b: list[int]) -> None:
    ours = sorted_intersection(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    assert ours.tolist() == np.intersect1d(a, b).tolist()
