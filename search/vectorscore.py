"""BM25F scores for every matching document at once, as NumPy arrays.

Whoosh scores one posting at a time in Python: a query matching 6,000 of 21,578 articles took
~240 ms even with its block-skipping collector.  For the query shapes the parser produces (terms
and exact phrases combined with And, Or, Not, AndNot and AndMaybe) this module computes the same
scores as a ``BM25F`` weighting (or a subclass with its own idf) with array arithmetic: per term
one vectorised BM25 over its posting list, then the query tree's sums over dense score arrays.  The
formulas and global statistics (the weighting's idf, average field length, byte-quantised field
lengths, weights that carry the field boost) are Whoosh's own, and tests compare our scores with
Whoosh's on real queries.

A query with any other node (prefixes, sloppy phrases, a coordination-scaled Or, a non-BM25F
weighting) returns None, and the caller lets Whoosh score it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeGuard

import numpy as np
from whoosh import query, scoring
from whoosh.searching import Searcher

from search.docsets import DocSets, phrase_docs, phrase_words


class Unsupported(Exception):
    """The query has a node whose scores this module does not reproduce."""


def score_all(
    docsets: DocSets, searcher: Searcher, q: query.Query, weighting: scoring.WeightingModel
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(mask, scores)`` over all document numbers, or None when Whoosh must score ``q``."""
    if not isinstance(weighting, scoring.BM25F):
        return None
    try:
        return _Scorer(docsets, searcher, weighting).node(q)
    except Unsupported:
        return None


class _Scorer:
    def __init__(self, docsets: DocSets, searcher: Searcher, weighting: scoring.BM25F) -> None:
        self.docsets = docsets
        self.searcher = searcher
        self.weighting = weighting
        self.values = docsets.values(searcher)
        self.size = len(self.values.live)

    def empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64)

    def node(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return self.empty()
        if getattr(q, "boost", 1.0) != 1.0 and not isinstance(q, query.Term):
            raise Unsupported(q)
        if isinstance(q, query.Term):
            return self.term(q)
        if (words := phrase_words(self.searcher, q)) is not None:
            assert isinstance(q, query.Phrase)
            return self.phrase(q.fieldname, words)
        if isinstance(q, query.And):
            return self.conjunction(q.subqueries)
        if _is_sum(q):
            mask, scores = self.empty()
            self.add(q, mask, scores)
            return mask, scores
        if isinstance(q, query.AndMaybe):
            # Whoosh's AndMaybeMatcher: a's matches, plus b's score where b matches too.
            mask, scores = self.node(q.a)
            _, optional = self.node(q.b)
            return mask, np.where(mask, scores + optional, 0.0)
        if isinstance(q, query.AndNot):
            mask, scores = self.node(q.a)
            excluded = self.docsets.matching(self.searcher, q.b)
            mask &= ~excluded
            return mask, np.where(mask, scores, 0.0)
        raise Unsupported(q)

    def conjunction(self, subqueries: Sequence[query.Query]) -> tuple[np.ndarray, np.ndarray]:
        mask = self.values.live.copy()
        scores = np.zeros(self.size, dtype=np.float64)
        for sub in subqueries:
            if isinstance(sub, query.Not):
                mask &= ~self.docsets.matching(self.searcher, sub.query)
                # Whoosh matches a negated clause with an inverse matcher whose score is 1.
                scores += 1.0
                continue
            sub_mask, sub_scores = self.node(sub)
            mask &= sub_mask
            scores += sub_scores
        return mask, np.where(mask, scores, 0.0)

    def add(self, q: query.Query, mask: np.ndarray, scores: np.ndarray) -> None:
        """Add the matches and scores of ``q`` (one of an Or's summed parts) into dense arrays:
        terms go in straight from their postings, without arrays of their own."""
        if isinstance(q, query.Term):
            docs, term_scores = self.term_scores(q)
            mask[docs] = True
            scores[docs] += term_scores
        elif _is_sum(q):
            for sub in q.subqueries:
                self.add(sub, mask, scores)
        else:
            sub_mask, sub_scores = self.node(q)
            mask |= sub_mask
            scores += sub_scores

    def term(self, q: query.Term) -> tuple[np.ndarray, np.ndarray]:
        mask, scores = self.empty()
        self.add(q, mask, scores)
        return mask, scores

    def term_scores(self, q: query.Term) -> tuple[np.ndarray, np.ndarray]:
        """The term's live documents and their scores."""
        field = q.fieldname
        if field not in self.searcher.schema:
            return _NO_DOCS, _NO_SCORES
        docs, weights = self.docsets.term_postings(self.searcher, field, q.text)
        if not len(docs):
            return _NO_DOCS, _NO_SCORES
        if not self.searcher.schema[field].scorable:
            raise Unsupported(q)  # Whoosh scores these by their weight alone; rare in queries
        lengths = self.docsets.field_lengths(self.searcher, field)[docs]
        idf = self.weighting.idf(self.searcher, field, q.text)
        avgfl = self.searcher.avg_field_length(field) or 1
        b = self.weighting._field_B.get(field, self.weighting.B)  # noqa: SLF001
        k1 = self.weighting.K1
        term_scores = idf * (
            (weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl))
        )
        return docs, term_scores * q.boost

    def phrase(self, field: str, words: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Whoosh scores a phrase match as the sum of its words' scores (its span matcher wraps
        the words' intersection); only documents with the words in sequence match."""
        mask, scores = self.empty()
        if not words:
            return mask, scores
        docs = phrase_docs(self.docsets, self.searcher, field, words)
        if not len(docs):
            return mask, scores
        mask[docs] = True
        for word in words:
            word_docs, word_scores = self.term_scores(query.Term(field, word))
            scores[word_docs] += word_scores
        return mask, np.where(mask, scores, 0.0)


_NO_DOCS = np.empty(0, dtype=np.int64)
_NO_SCORES = np.empty(0, dtype=np.float64)


def _is_sum(q: query.Query) -> TypeGuard[query.Or]:
    """An Or whose score is the plain sum of its matching parts' scores."""
    return isinstance(q, query.Or) and not q.minmatch and not q.scale and q.boost == 1.0


def top_documents(
    mask: np.ndarray, scores: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` best-scoring documents in ``mask``, best first, ties by document number."""
    docs = np.flatnonzero(mask)
    if not len(docs) or count <= 0:
        return docs[:0], scores[:0]
    doc_scores = scores[docs]
    if len(docs) > count:
        # Keep everything tied with the count-th score, then order exactly.
        threshold = np.partition(doc_scores, len(docs) - count)[len(docs) - count]
        keep = doc_scores >= threshold
        docs, doc_scores = docs[keep], doc_scores[keep]
    order = np.lexsort((docs, -doc_scores))[:count]
    return docs[order], doc_scores[order]
