"""The BM25 scoring model: Whoosh's BM25F with the probabilistic (Lucene) idf.

Whoosh's own idf, ``ln(N / (df + 1)) + 1``, is so flat that the common words of a sentence-long
query outweigh its rare ones (-3.4 % mean MAP on the seven test collections of
``bench/relevance.py``); Lucene's and Anserini's ``ln(1 + (N - df + 0.5) / (df + 0.5))`` does not.

Two code paths score with it and must agree: Whoosh's matchers (for query shapes the arrays do not
cover) call :meth:`ArticleBM25.idf`, and :mod:`search.matching` computes the same formula over
posting arrays with :func:`lucene_idf` and the model's :attr:`~ArticleBM25.K1` and
:attr:`~ArticleBM25.B`.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh import scoring


class ArticleBM25(scoring.BM25F):
    """Whoosh's BM25 scorer with the probabilistic idf and one ``B`` for every field (so that the
    array scoring path needs no per-field settings)."""

    def __init__(self, *, B: float, K1: float) -> None:  # noqa: N803 - Whoosh's own names
        super().__init__(B=B, K1=K1)

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


def lucene_idf(doc_count: int, doc_frequency: int) -> float:
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))
