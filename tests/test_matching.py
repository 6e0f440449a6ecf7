"""Matching and scoring over arrays (search.matching) give Whoosh's own matches and scores, from
segments with arrays and, through Whoosh, from segments without them; and follow index updates."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query

from indexer.build import build_index
from indexer.index import schema
from indexer.index.analysis import index_terms, query_terms
from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search.matching import (
    _SparseWalk,
    _Walk,
    distinct,
    match,
    match_by_arrays,
    sorted_intersection,
)
from search.query import parse_query, query_for
from search.ranking import WEIGHTING

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


def _whoosh_scores(reader: IndexReader, q: query.Query) -> dict[int, float]:
    reader.searcher.weighting = WEIGHTING
    results = reader.searcher.search(q, limit=None, terms=False)
    return {hit.docnum: hit.score for hit in results}


def _ours(reader: IndexReader, q: query.Query, *, arrays_only: bool) -> dict[int, float]:
    found = (match_by_arrays if arrays_only else match)(reader, q, WEIGHTING)
    assert found.scores is not None
    return {int(d): float(found.scores[d]) for d in np.flatnonzero(found.mask)}


@pytest.mark.parametrize("text", QUERIES)
def test_matching_documents_equal_whooshs(index_dir: Path, text: str) -> None:
    with IndexStore(index_dir).reader() as reader:
        q = query_for(parse_query(text), reader.languages)
        ours = np.flatnonzero(match(reader, q).mask).tolist()
        whooshs = sorted(reader.searcher.docs_for_query(q))
    assert ours == whooshs


SYNTHETIC_QUERIES = [
    "news",  # every article: several 128-posting blocks
    "news report",
    "harbour ferry",
    '"news report"',
    '"harbour ferry"',
    "harbour OR crane",
    "title:harbour",
    '"ferry crane"',
    "harb*",
]


@pytest.mark.parametrize("text", SYNTHETIC_QUERIES)
def test_arrays_and_whoosh_agree_on_many_block_postings(
    arrays_index: Path, plain_index: Path, text: str
) -> None:
    with IndexStore(arrays_index).reader() as tapped, IndexStore(plain_index).reader() as plain:
        q = query_for(parse_query(text), tapped.languages)
        expected = _whoosh_scores(tapped, q)
        assert expected, "every synthetic query matches something"
        assert _whoosh_scores(plain, q) == pytest.approx(expected)
        for reader in (tapped, plain):
            arrays_only = "*" not in text  # Whoosh scores prefixes
            assert _ours(reader, q, arrays_only=arrays_only) == pytest.approx(expected)
            unscored = match(reader, q)
            assert unscored.scores is None
            assert np.flatnonzero(unscored.mask).tolist() == sorted(expected)


def test_feedback_words_add_whooshs_scores_whatever_the_sizes(arrays_index: Path) -> None:
    """Feedback's shape, the query AndMaybe optional words, scored over arrays as Whoosh scores
    it: few matches against a long posting list (each match looked up in the postings) and many
    matches against shorter ones (the postings placed among the matches)."""

    def term(field: str, word: str, boost: float = 1.0) -> query.Term:
        (text,) = index_terms(word, "en")
        return query.Term(field, text, boost=boost)

    few = query.And([term(schema.TITLE, "harbour"), term(schema.TITLE, "ferry")])
    every = term(schema.BODY, "news")
    optional = query.Or([term(schema.TITLE, "harbour", 0.3), term(schema.BODY, "crane", 0.2)])
    with IndexStore(arrays_index).reader() as reader:
        matched_few = np.flatnonzero(match(reader, few).mask)
        assert 0 < len(matched_few) * 16 < len(reader.term_docs(schema.BODY, every.text))
        for q in (query.AndMaybe(few, every), query.AndMaybe(every, optional)):
            expected = _whoosh_scores(reader, q)
            assert expected
            # The sparse walk itself (match_by_arrays would fall back to the dense one).
            docs, scores = _SparseWalk(_Walk(reader, WEIGHTING)).node(q)
            ours = dict(zip(docs.tolist(), scores.tolist(), strict=True))
            assert ours == pytest.approx(expected)


def test_a_negated_word_excludes_every_document_that_has_it(arrays_index: Path) -> None:
    # Not compared with Whoosh: whoosh3 3.54's AndNotMatcher keeps the first document of its
    # positive side when that document also has the negated word (it only skips the negative
    # side forward after the first match).  The truth here is the articles' own words.
    with IndexStore(arrays_index).reader() as reader:
        q = query_for(parse_query("harbour -ferry"), reader.languages)
        for scored in (None, WEIGHTING):
            found = set(np.flatnonzero(match(reader, q, scored).mask).tolist())
            expected = set()
            for docnum in range(reader.doc_count_all):
                article = reader.article(docnum)
                words = set(index_terms(schema.indexed_body(article), article.language))
                (harbour,) = query_terms("harbour", article.language)
                (ferry,) = query_terms("ferry", article.language)
                if harbour in words and ferry not in words:
                    expected.add(docnum)
            assert found == expected and expected


PHRASES = [
    '"north korea"',
    '"quasi-state of war"',
    '"lantern festival"',
    '"said the"',  # a stop word: the phrase is the one word left
    'title:"north korea"',
    '"korea north"',
    '"festival lantern taipei nothing"',
]


@pytest.mark.parametrize("text", PHRASES)
def test_phrase_matches_and_scores_equal_whooshs(index_dir: Path, text: str) -> None:
    with IndexStore(index_dir).reader() as reader:
        q = query_for(parse_query(text), reader.languages)
        ours = _ours(reader, q, arrays_only=True)
        assert ours == pytest.approx(_whoosh_scores(reader, q))
        assert np.flatnonzero(match(reader, q).mask).tolist() == sorted(ours)


def test_phrases_find_what_they_should(index_dir: Path) -> None:
    with IndexStore(index_dir).reader() as reader:
        north_korea = query_for(parse_query('"north korea"'), reader.languages)
        hits = np.flatnonzero(match(reader, north_korea).mask)
        reversed_hits = match(
            reader, query_for(parse_query('"korea north"'), reader.languages)
        ).mask
        assert len(hits) >= 1
        for docnum in hits:
            assert "north korea" in " ".join(reader.article(int(docnum)).body.lower().split())
        assert not reversed_hits.any()


def test_document_values_hold_sources_years_and_dates(index_dir: Path) -> None:
    with IndexStore(index_dir).reader() as reader:
        values = reader.values
        assert {"Daily Planet", "Metro Times", "Wikinews"} <= set(values.source.names)
        assert "2015" in values.year.names
        assert values.dated[values.live].all()
        assert len(values.live_ids) == reader.doc_count
        assert values.source_code("  metro   TIMES ") == values.source.names.index("Metro Times")


def test_matches_follow_an_incremental_update(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    store = IndexStore(index)
    lantern = query_for(parse_query("lantern"), ("en",))
    with store.reader() as reader:
        before = match(reader, lantern).total
    (corpus / "wikinews" / "lantern-festival-in-taipei.html").unlink()
    build_index(corpus, index, workers=1)
    with store.reader() as reader:
        after = match(reader, lantern).total
        assert after == len(list(reader.searcher.docs_for_query(lantern)))
    assert (before, after) == (1, 0)
    store.close()


def test_unknown_fields_and_unindexable_words_match_nothing(index_dir: Path) -> None:
    with IndexStore(index_dir).reader() as reader:
        assert match(reader, query.Term("nofield", "korea"), WEIGHTING).total == 0
        assert match(reader, query.Term(schema.BODY, "x" * 100), WEIGHTING).total == 0


@given(
    st.lists(st.integers(0, 300), unique=True).map(sorted),
    st.lists(st.integers(0, 300), unique=True).map(sorted),
)
def test_sorted_intersection_equals_numpys(a: list[int], b: list[int]) -> None:
    ours = sorted_intersection(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    assert ours.tolist() == np.intersect1d(a, b).tolist()


def test_distinct_is_numpys_unique() -> None:
    rng = np.random.default_rng(7)
    for values in (np.array([], dtype=np.int64), np.array([5]), rng.integers(0, 50, 1000)):
        assert distinct(values).tolist() == np.unique(values).tolist()
