"""Which documents match a query, and their BM25 scores, as NumPy arrays over document numbers.

Whoosh answers "the top ten" well: its collector skips posting blocks that cannot beat the current
top scores.  What it does slowly is everything that needs *every* match: the total, the facet
counts, a sort by date, and scoring a query that matches thousands of articles (one posting at a
time in Python: ~240 ms for 6,000 matches of 21,578 articles).  This module walks the query tree
once and, per node, computes

- the **mask** of matching documents: set algebra over the version's posting lists (terms),
  word positions (exact phrases, :func:`phrase_docs`), expanded words (prefixes);
- when asked, the **scores**: one vectorised BM25 per term over its postings, with Whoosh's own
  formulas and global statistics (the model's idf, the average field length, byte-quantised field
  lengths, weights that carry the field boost), summed up the tree as Whoosh's matchers sum them.
  Tests compare the scores with Whoosh's.

A node the arrays cannot reproduce (a sloppy phrase, a coordination-scaled Or, a boosted
compound) is matched by Whoosh itself; when scores were asked for, the whole query is then scored
by Whoosh's collector instead (:class:`Unscorable`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query

from indexer.index.version import IndexReader
from search.bm25 import ArticleBM25, lucene_idf

_NO_DOCS = np.empty(0, dtype=np.int64)
_NO_SCORES = np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class Matches:
    """The documents a query matched, with their scores when it was scored."""

    mask: np.ndarray
    scores: np.ndarray | None

    @property
    def total(self) -> int:
        return int(self.mask.sum())

    def within(self, allowed: np.ndarray | None) -> Matches:
        """These matches narrowed to the documents ``allowed`` (filters)."""
        return self if allowed is None else Matches(self.mask & allowed, self.scores)


class Unscorable(Exception):
    """The query has a node whose scores the arrays do not reproduce: Whoosh scores it."""


def match(reader: IndexReader, q: query.Query, weighting: ArticleBM25 | None = None) -> Matches:
    """The live documents matching ``q``, scored with ``weighting`` when one is given."""
    try:
        return match_by_arrays(reader, q, weighting)
    except Unscorable:
        assert weighting is not None
        return _scored_by_whoosh(reader, q, weighting)


def match_by_arrays(
    reader: IndexReader, q: query.Query, weighting: ArticleBM25 | None = None
) -> Matches:
    """:func:`match` without Whoosh's scoring: raises :class:`Unscorable` when scores were asked
    for and the arrays cannot give them."""
    walk = _Walk(reader, weighting)
    if weighting is not None:
        try:
            docs, scores = _SparseWalk(walk).node(q)
        except _NotSparse:
            pass
        else:
            mask = walk.of(docs)
            dense = np.zeros(walk.size, dtype=np.float64)
            dense[docs] = scores
            return Matches(mask, dense)
    mask, dense_scores = walk.node(q)
    return Matches(mask & reader.values.live, dense_scores)


def _scored_by_whoosh(reader: IndexReader, q: query.Query, weighting: ArticleBM25) -> Matches:
    """Every match of a query we cannot score ourselves (prefixes, sloppy phrases), scored by
    Whoosh in one pass.  Which documents match is still ours: whoosh3 3.54's AndNotMatcher keeps
    the first document of its positive side even when it has the excluded word."""
    mask = match_by_arrays(reader, q).mask
    searcher = reader.searcher
    searcher.weighting = weighting
    scores = np.zeros(reader.doc_count_all, dtype=np.float64)
    found = list(searcher.search(q, limit=None, terms=False, optimize=False).items())
    if found:
        docs = np.array([docnum for docnum, _ in found], dtype=np.int64)
        scores[docs] = [score or 0.0 for _, score in found]
    return Matches(mask, np.where(mask, scores, 0.0))


class _Walk:
    """One walk over a query tree: ``node(q)`` gives ``(mask, scores)``, scores None when the
    walk does not score."""

    # The node types scored over arrays, each with its handler (set below the class).
    _HANDLERS: tuple[tuple[type, Callable[[_Walk, Any], tuple[np.ndarray, np.ndarray | None]]], ...]

    def __init__(self, reader: IndexReader, weighting: ArticleBM25 | None) -> None:
        self.reader = reader
        self.weighting = weighting
        self.live = reader.values.live
        self.size = len(self.live)

    @property
    def scoring(self) -> bool:
        return self.weighting is not None

    def empty(self) -> tuple[np.ndarray, np.ndarray | None]:
        scores = np.zeros(self.size, dtype=np.float64) if self.scoring else None
        return np.zeros(self.size, dtype=bool), scores

    def of(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        return mask

    def node(self, q: query.Query) -> tuple[np.ndarray, np.ndarray | None]:
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return self.empty()
        if self.scoring and getattr(q, "boost", 1.0) != 1.0 and not isinstance(q, query.Term):
            raise Unscorable(q)
        if (words := phrase_words(self.reader, q)) is not None:
            assert isinstance(q, query.Phrase)
            return self.phrase(q.fieldname, words)
        if _is_sum(q):
            mask, scores = self.empty()
            self.add(q, mask, scores)
            return mask, scores
        for kind, handler in self._HANDLERS:
            if isinstance(q, kind):
                return handler(self, q)
        if self.scoring:
            raise Unscorable(q)
        return self.masks_only(q), None

    def and_maybe(self, q: query.AndMaybe) -> tuple[np.ndarray, np.ndarray | None]:
        """Whoosh's AndMaybeMatcher: a's matches, plus b's score where b matches too.

        b (feedback words: many, often common) is scored only over a's matches: each term's
        postings are looked up in a's mask, and only the matched ones are scored.
        """
        mask, scores = self.node(q.a)
        if scores is None:
            return mask, None
        scores = np.where(mask, scores, 0.0)
        if _is_sum(q.b) or isinstance(q.b, query.Term):
            self.add_within(q.b, mask, scores)
        else:
            _, optional = self.node(q.b)
            assert optional is not None
            scores += np.where(mask, optional, 0.0)
        return mask, scores

    def add_within(self, q: query.Query, mask: np.ndarray, scores: np.ndarray) -> None:
        """Add the scores of ``q`` (terms and plain sums of them) to ``scores``, for the
        documents in ``mask`` only."""
        if isinstance(q, query.Term):
            docs, weights = self.reader.postings(q.fieldname, q.text)
            inside = mask[docs]
            if not inside.any():
                return
            docs, weights = docs[inside], weights[inside]
            scores[docs] += self.weighted_bm25(q, docs, weights)
        elif isinstance(q, query.Or) and _is_sum(q):
            for sub in q.subqueries:
                self.add_within(sub, mask, scores)
        else:
            _, sub_scores = self.node(q)
            assert sub_scores is not None
            scores += np.where(mask, sub_scores, 0.0)

    def and_not(self, q: query.AndNot) -> tuple[np.ndarray, np.ndarray | None]:
        mask, scores = self.node(q.a)
        mask &= ~self.mask(q.b)
        return mask, None if scores is None else np.where(mask, scores, 0.0)

    def masks_only(self, q: query.Query) -> np.ndarray:
        """The matches of a node that is not scored over arrays (the walk does not score)."""
        if isinstance(q, query.Every):
            return self.live.copy()
        if isinstance(q, query.Not):
            return self.live & ~self.mask(q.query)
        if isinstance(q, query.Or) and not q.minmatch:
            return self.mask_any(q.subqueries)
        return self.by_whoosh(q)

    def mask(self, q: query.Query) -> np.ndarray:
        """Only which documents match ``q`` (the excluded part of a query, a filter)."""
        return _Walk(self.reader, None).node(q)[0]

    def mask_any(self, subqueries: Sequence[query.Query]) -> np.ndarray:
        result = np.zeros(self.size, dtype=bool)
        for sub in subqueries:
            result |= self.mask(sub)
        return result

    def conjunction(
        self, subqueries: Sequence[query.Query]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        mask = self.live.copy()
        scores = np.zeros(self.size, dtype=np.float64) if self.scoring else None
        for sub in subqueries:
            if isinstance(sub, query.Not):
                mask &= ~self.mask(sub.query)
                if scores is not None:
                    scores += 1.0  # Whoosh matches a negated clause with a matcher scoring 1
                continue
            sub_mask, sub_scores = self.node(sub)
            mask &= sub_mask
            if scores is not None:
                assert sub_scores is not None
                scores += sub_scores
        return mask, None if scores is None else np.where(mask, scores, 0.0)

    def add(self, q: query.Query, mask: np.ndarray, scores: np.ndarray | None) -> None:
        """Add the matches (and scores) of ``q``, one of an Or's summed parts, into dense arrays:
        terms go in straight from their postings, without arrays of their own."""
        if isinstance(q, query.Term):
            docs, term_scores = self.term_scores(q)
            mask[docs] = True
            if scores is not None:
                scores[docs] += term_scores
        elif isinstance(q, query.Or) and _is_sum(q):
            for sub in q.subqueries:
                self.add(sub, mask, scores)
        else:
            sub_mask, sub_scores = self.node(q)
            mask |= sub_mask
            if scores is not None:
                assert sub_scores is not None
                scores += sub_scores

    def term(self, q: query.Term) -> tuple[np.ndarray, np.ndarray | None]:
        mask, scores = self.empty()
        self.add(q, mask, scores)
        return mask, scores

    def term_scores(self, q: query.Term) -> tuple[np.ndarray, np.ndarray]:
        """The term's live documents and, when scoring, their BM25 scores."""
        reader, field = self.reader, q.fieldname
        docs, weights = reader.postings(field, q.text)
        if self.weighting is None or not len(docs):
            return docs, _NO_SCORES
        return docs, self.weighted_bm25(q, docs, weights)

    def weighted_bm25(self, q: query.Term, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The term's BM25 scores of ``docs`` (some of its postings), times its boost."""
        reader, field = self.reader, q.fieldname
        if not reader.schema[field].scorable or field not in reader.values.lengths:
            # Whoosh scores these by their weight alone, or (author:, source:) with field
            # lengths the arrays do not keep; rare in queries
            raise Unscorable(q)
        df = reader.doc_frequency(field, q.text)
        return self.bm25(field, docs, weights, df) * q.boost

    def phrase(self, field: str, words: list[bytes]) -> tuple[np.ndarray, np.ndarray | None]:
        """Whoosh scores a phrase match as the sum of its words' scores (its span matcher wraps
        the words' intersection); only documents with the words in sequence match."""
        mask, scores = self.empty()
        if not words:
            return mask, scores
        docs = phrase_docs(self.reader, field, words)
        if not len(docs):
            return mask, scores
        mask[docs] = True
        if scores is not None:
            for word in words:
                word_docs, word_scores = self.term_scores(query.Term(field, word))
                scores[word_docs] += word_scores
            scores = np.where(mask, scores, 0.0)
        return mask, scores

    def prefix(self, q: query.Prefix) -> tuple[np.ndarray, np.ndarray | None]:
        """The documents with a word starting with the prefix.  Scored as one term whose
        frequency is that of all such words in the document and whose document frequency is the
        number of such documents (Whoosh gives every match of a prefix the same score, which
        ranks them in index order)."""
        docs, weights = self.reader.prefix_postings(q.fieldname, q.text)
        frequencies = np.bincount(docs, weights=weights, minlength=self.size)
        mask = frequencies > 0
        if self.weighting is None:
            return mask, None
        matched = np.flatnonzero(mask)
        scores = np.zeros(self.size, dtype=np.float64)
        if len(matched):
            tf = frequencies[matched]
            scores[matched] = q.boost * self.bm25(q.fieldname, matched, tf, len(matched))
        return mask, scores

    def bm25(self, field: str, docs: np.ndarray, tf: np.ndarray, df: int) -> np.ndarray:
        assert self.weighting is not None
        reader = self.reader
        idf = lucene_idf(reader.doc_count_all, df)
        b, k1 = self.weighting.B, self.weighting.K1
        lengths = reader.lengths(field)[docs]
        average = reader.average_length(field)
        return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average)))

    def by_whoosh(self, q: query.Query) -> np.ndarray:
        """Sloppy phrases, wildcards and anything else: Whoosh matches (no scoring)."""
        searcher = self.reader.searcher
        matcher = q.matcher(searcher, searcher.boolean_context())
        return self.of(np.fromiter(matcher.all_ids(), dtype=np.int64)) & self.live


_Walk._HANDLERS = (
    (query.Term, _Walk.term),
    (query.Prefix, _Walk.prefix),
    (query.And, lambda walk, q: walk.conjunction(q.subqueries)),
    (query.AndMaybe, _Walk.and_maybe),
    (query.AndNot, _Walk.and_not),
)


class _NotSparse(Exception):
    """A node the sparse walk does not handle: the dense walk does the whole query."""


class _SparseWalk:
    """The scored walk for the shapes plain-word queries have (terms, plain sums, conjunctions,
    feedback's AndMaybe, exact phrases), over sorted document arrays instead of arrays as long
    as the index: a query's cost follows its postings, not the number of articles.

    Every node gives ``(docs, scores)``: ascending unique live document numbers and their
    scores, the same scores the dense walk (and Whoosh) computes.  One exception to "its cost
    follows its postings": feedback over a long posting list places it with a map as long as the
    index (:meth:`places`, made once per query).
    """

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self._places: tuple[np.ndarray, np.ndarray] | None = None

    def places(self, docs: np.ndarray) -> np.ndarray:
        """For every document number, its index in ``docs``, or -1."""
        if self._places is None or self._places[0] is not docs:
            places = np.full(self.walk.size, -1, dtype=np.int64)
            places[docs] = np.arange(len(docs), dtype=np.int64)
            self._places = (docs, places)
        return self._places[1]

    def node(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(q, query.Term):
            docs, scores = self.walk.term_scores(q)
            return docs, scores if len(docs) else _NO_SCORES
        if getattr(q, "boost", 1.0) != 1.0:
            raise _NotSparse(q)
        if isinstance(q, query.Or) and _is_sum(q):
            return _summed([self.node(sub) for sub in q.subqueries], self.walk.size)
        if isinstance(q, query.And):
            return self.conjunction(q.subqueries)
        if isinstance(q, query.AndMaybe):
            docs, scores = self.node(q.a)
            if len(docs):
                scores = scores + self.within(q.b, docs)
            return docs, scores
        if (words := phrase_words(self.walk.reader, q)) is not None:
            assert isinstance(q, query.Phrase)
            mask, dense = self.walk.phrase(q.fieldname, words)
            docs = np.flatnonzero(mask)
            return docs, (dense[docs] if dense is not None else np.zeros(len(docs)))
        raise _NotSparse(q)

    def conjunction(self, subqueries: Sequence[query.Query]) -> tuple[np.ndarray, np.ndarray]:
        if any(isinstance(sub, query.Not) for sub in subqueries):
            raise _NotSparse(subqueries)
        parts = sorted((self.node(sub) for sub in subqueries), key=lambda part: len(part[0]))
        docs, scores = parts[0]
        for other_docs, other_scores in parts[1:]:
            if not len(docs):
                break
            at = np.searchsorted(other_docs, docs)
            at[at == len(other_docs)] = 0
            keep = other_docs[at] == docs if len(other_docs) else np.zeros(len(docs), bool)
            docs, scores = docs[keep], scores[keep] + other_scores[at[keep]]
        return docs, scores

    def within(self, q: query.Query, docs: np.ndarray) -> np.ndarray:
        """The scores ``q`` adds to each of ``docs`` (0 where it does not match)."""
        if isinstance(q, query.Term):
            term_docs, weights = self.walk.reader.postings(q.fieldname, q.text)
            added = np.zeros(len(docs), dtype=np.float64)
            if not len(term_docs):
                return added
            if len(docs) * _LOOKUP_RATIO < len(term_docs):
                # Few documents against a long posting list (a feedback word in a large share
                # of the index): each document looked up in the postings.
                at = np.searchsorted(term_docs, docs)
                at[at == len(term_docs)] = 0
                inside = term_docs[at] == docs
                if inside.any():
                    added[inside] = self.walk.weighted_bm25(q, docs[inside], weights[at[inside]])
                return added
            # Otherwise each posting's place among the documents, read from a map as long as
            # the index (made once per set of documents): no binary search per posting.
            at = self.places(docs)[term_docs]
            inside = at >= 0
            if inside.any():
                added[at[inside]] = self.walk.weighted_bm25(q, term_docs[inside], weights[inside])
            return added
        if isinstance(q, query.Or) and _is_sum(q):
            added = np.zeros(len(docs), dtype=np.float64)
            for sub in q.subqueries:
                added += self.within(sub, docs)
            return added
        sub_docs, sub_scores = self.node(q)
        at = np.searchsorted(sub_docs, docs)
        at[at == len(sub_docs)] = 0
        found = sub_docs[at] == docs if len(sub_docs) else np.zeros(len(docs), bool)
        return np.where(found, sub_scores[at] if len(sub_docs) else 0.0, 0.0)


# Feedback scores a term's postings among the documents the query matched through a map as long
# as the index, unless the postings outnumber those documents this many times: then each document
# is looked up in the postings by a binary search.
_LOOKUP_RATIO = 16

# A union of postings longer than this share of the index is added up in an array as long as the
# index (linear), a shorter one by sorting (n log n): the crossing point measured at 21,578 and
# 100,000 articles.
_DENSE_UNION_SHARE = 1 / 16


def _summed(parts: list[tuple[np.ndarray, np.ndarray]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The union of sorted document arrays with their scores added up."""
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return _NO_DOCS, _NO_SCORES
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([part[0] for part in parts])
    scores = np.concatenate([part[1] for part in parts])
    if len(docs) > _DENSE_UNION_SHARE * size:
        dense = np.bincount(docs, weights=scores, minlength=size)
        present = np.zeros(size, dtype=bool)
        present[docs] = True
        unique = np.flatnonzero(present)
        return unique, dense[unique]
    unique, inverse = np.unique(docs, return_inverse=True)
    return unique, np.bincount(inverse, weights=scores, minlength=len(unique))


def _is_sum(q: query.Query) -> bool:
    """An Or whose score is the plain sum of its matching parts' scores."""
    return isinstance(q, query.Or) and not q.minmatch and not q.scale and q.boost == 1.0


# --- sets of integers ----------------------------------------------------------------------------


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted: ``numpy.unique`` by a sort and a
    comparison of neighbours, which NumPy 2's hashing ``unique`` is several times slower than on
    the few thousand values of a search (0.32 against 0.06 ms for 2,500): phrases keep their
    documents with it, facets count stories with it when a search matches few documents."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal neighbours begins (a mask): in a sorted array, the first of each
    distinct value."""
    starts = np.empty(len(values), dtype=bool)
    starts[:1] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


# --- phrases --------------------------------------------------------------------------------------


def sorted_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both sorted, duplicate-free arrays: binary searches of the shorter array's
    values in the longer one, without the sort ``numpy.intersect1d`` does."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    found = np.searchsorted(b, a)
    found[found == len(b)] = 0
    return a[b[found] == a]


def phrase_words(reader: IndexReader, q: query.Query) -> list[bytes] | None:
    """The indexed words of an exact phrase query that :func:`phrase_docs` can match (an empty
    list when some word cannot be indexed), or None when Whoosh must match ``q``."""
    if not isinstance(q, query.Phrase) or q.slop != 1 or q.fieldname not in reader.schema:
        return None
    field = reader.schema[q.fieldname]
    if not field.format or not field.format.supports("positions") or not q.words:
        return None
    try:
        return [field.to_bytes(word) for word in q.words]
    except ValueError:
        return []


def phrase_docs(reader: IndexReader, field: str, words: list[bytes]) -> np.ndarray:
    """The live documents (ascending) where ``words`` occur one right after the other in ``field``.

    Stop words were dropped before positions were counted (the analyzer renumbers them), so the
    words of an analysed phrase sit at consecutive positions.
    """
    candidates = reader.term_docs(field, words[0])
    for word in words[1:]:
        if not len(candidates):
            break
        candidates = sorted_intersection(candidates, reader.term_docs(field, word))
    if not len(candidates) or len(words) == 1:
        return candidates
    # Each occurrence as one integer: (candidate index, position of the phrase's first word).
    # Candidates and each document's positions are ascending, so every word's keys are sorted
    # and unique, and membership is a binary search rather than a sort.
    stride = np.int64(1) << 32
    common: np.ndarray | None = None
    for i, word in enumerate(words):
        positions, counts = reader.positions(field, word, candidates)
        keys = np.repeat(np.arange(len(candidates), dtype=np.int64), counts) * stride
        keys += positions + (len(words) - i)  # never negative
        common = keys if common is None else sorted_intersection(common, keys)
        if not len(common):
            break
    assert common is not None
    return candidates[distinct(common // stride)]
