"""Ranking of plain word queries: the BM25 variant, the word queries, feedback expansion, and the
vectorised scorer reproducing Whoosh's scores for all of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import query

from indexer.index import schema
from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search.bm25 import lucene_idf
from search.matching import match_by_arrays
from search.ranking import (
    WEIGHTING,
    analysed_terms,
    feedback_query,
    requires_all,
    words_query,
)


def test_idf_is_the_probabilistic_idf_and_stays_positive() -> None:
    assert lucene_idf(1000, 1) == pytest.approx(np.log(1 + 999.5 / 1.5))
    assert lucene_idf(1000, 1) > lucene_idf(1000, 100) > lucene_idf(1000, 1000) > 0


def test_one_or_two_words_are_all_required_and_more_are_not() -> None:
    assert requires_all(analysed_terms("lantern"))
    assert requires_all(analysed_terms("the lantern festival"))  # "the" is a stop word
    assert not requires_all(analysed_terms("lantern festival taipei"))


def test_a_word_scores_in_the_body_and_with_less_weight_in_the_title() -> None:
    q = words_query([{"lantern": 2.0}], require_all=True)
    boosts = {leaf.fieldname: leaf.boost for leaf in q.leaves()}
    assert boosts[schema.BODY] == 2.0
    assert 0 < boosts[schema.TITLE] < boosts[schema.BODY]


def _whoosh_scores(reader: IndexReader, q: query.Query) -> dict[int, float]:
    reader.searcher.weighting = WEIGHTING
    results = reader.searcher.search(q, limit=None, terms=False)
    return {hit.docnum: hit.score for hit in results}


def _our_scores(reader: IndexReader, q: query.Query) -> dict[int, float]:
    matches = match_by_arrays(reader, q, WEIGHTING)  # raises if the arrays cannot score q
    assert matches.scores is not None
    return {int(d): float(matches.scores[d]) for d in np.flatnonzero(matches.mask)}


QUERIES = ["lantern", "north korea", "pilgrims killed in a stampede near mecca", "korea korea war"]


@pytest.mark.parametrize("text", QUERIES)
def test_vectorised_scores_equal_whooshs_for_word_and_feedback_queries(
    index_dir: Path, text: str
) -> None:
    weights = {term: float(count) for term, count in analysed_terms(text).items()}
    with IndexStore(index_dir).reader() as reader:
        plain = words_query([weights], require_all=True)
        first = sorted(_whoosh_scores(reader, plain).items(), key=lambda item: -item[1])[:10]
        expanded = feedback_query(reader, [weights], first, require_all=True)
        assert isinstance(expanded, query.AndMaybe)
        for q in (plain, expanded):
            whooshs = _whoosh_scores(reader, q)
            ours = _our_scores(reader, q)
            assert ours.keys() == whooshs.keys()
            for docnum, score in whooshs.items():
                assert ours[docnum] == pytest.approx(score, rel=1e-6)


def test_feedback_words_reorder_but_never_add_matches(index_dir: Path) -> None:
    weights = {term: float(count) for term, count in analysed_terms("crane collapse").items()}
    with IndexStore(index_dir).reader() as reader:
        plain = words_query([weights], require_all=True)
        first = sorted(_whoosh_scores(reader, plain).items(), key=lambda item: -item[1])
        expanded = feedback_query(reader, [weights], first, require_all=True)
        feedback_words = {leaf.text for leaf in expanded.leaves()} - set(weights)
        assert feedback_words, "the crane story has words of its own to add"
        assert _our_scores(reader, expanded).keys() == _our_scores(reader, plain).keys()


def test_without_first_pass_results_feedback_adds_nothing(index_dir: Path) -> None:
    weights = {"lantern": 1.0}
    with IndexStore(index_dir).reader() as reader:
        assert feedback_query(reader, [weights], [], require_all=True) == words_query(
            [weights], require_all=True
        )
