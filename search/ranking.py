"""Relevance ranking for plain word queries: BM25 with a headline bonus and feedback expansion.

How a query of plain words is matched and scored.  ``bench/relevance.py`` measures the result on
seven classic test collections; the figures in brackets are the change in mean MAP there when
the choice is undone (other settings as shipped).

- **Scoring**: BM25 (:class:`ArticleBM25`) over ``body`` (headline and text, see
  :mod:`indexer.schema`) plus :data:`TITLE_WEIGHT` times BM25 over the headline alone (without
  the bonus -2.4%; a separate title field with a weight of 1 instead of the headline in the body,
  -3.5%).  The idf is the one Lucene and Anserini use; Whoosh's own, ``ln(N / (df + 1)) + 1``, is
  so flat that the common words of a sentence-long query outweigh its rare ones (-3.4%).  A word
  typed twice counts twice: long descriptions repeat their key words (-1.6% without).
- **Matching**: a query of up to :data:`ALL_WORDS_UP_TO` words needs all of them (what a reader
  expects of "hajj stampede"); if nothing has them all, it needs any of them.  A longer query
  needs any of its words, and BM25's sum over the words ranks articles that have more of them,
  and rarer ones, first.  Requiring a share of a long query's words throws away the articles that
  answer a question in other words (a quarter of them: -17%), and a coordination factor does not
  help either (score times the square root of the share of words matched: -1%).
- **Feedback** (RM3-style pseudo-relevance feedback): the words that characterise the best
  :data:`FEEDBACK_DOCS` results of a first pass, weighted by how sure that pass is of each
  result, are added to the query with :data:`FEEDBACK_SHARE` of the weight (-4.2% without).  They
  only reorder what the query's own words matched, so every result still contains a word the
  user typed (letting them bring in new articles gained about 1% more).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import partial

from whoosh import query

from indexer.index import schema
from indexer.index.analysis import (
    STOP_WORDS,
    language_analysis,
    query_terms,
    query_words,
    term_counts,
)
from indexer.index.version import IndexReader
from search.bm25 import ArticleBM25, lucene_idf

K1 = 1.2
# Length normalisation: 0.6 rather than the textbook 0.75 (-0.8%), which only the collections
# of short abstracts preferred.
B = 0.6
# A headline match adds this much of a body match's score (on top of the headline's words also
# counting in the body field).  Weights of 1 and more lost MAP on most collections.
TITLE_WEIGHT = 0.4
# A query of at most this many distinct words (after stop words) requires all of them; with 3,
# MAP fell 1.5% (three-word queries lost the articles that use two of the words).
ALL_WORDS_UP_TO = 2

# A stem of a language other than English with at least this many letters also matches the index
# terms that continue it by at most COMPLETION_EXTRA_CHARS (Snowball leaves some inflections
# apart: French "bloquer" is "bloqu", "bloquent" stays "bloquent").  Shorter stems would reach
# unrelated words.
COMPLETION_MIN_CHARS = 5
COMPLETION_EXTRA_CHARS = 3
COMPLETION_LIMIT = 8

# Five: with results weighted by exp(score) the first few decide; ten gave the same MAP for
# twice the reading.
FEEDBACK_DOCS = 5
FEEDBACK_TERMS = 20
# The share of the expanded query's weight that goes to the feedback words.
FEEDBACK_SHARE = 0.3
# Feedback reads the headline and the first part of each result: the lead says what an article
# is about, and a long article must not make the query slow.
FEEDBACK_CHARS = 3000
# Words in fewer documents than this are typos and oddities, not topics.
FEEDBACK_MIN_DF = 2
# Only this many of the feedback model's likeliest words have their idf looked up (one lookup
# each); on the test collections the choice of words was the same as looking up all of them.
FEEDBACK_CANDIDATES = 100

WEIGHTING = ArticleBM25(B=B, K1=K1)


# A query word: one term; the consecutive terms a CJK run of three or more characters becomes
# (its bigrams, matched as a phrase); or a term and its completions (any of them matches).
Word = str | tuple[str, ...] | frozenset[str]
# One language's reading of a query: its words with how often each was typed.
Branch = dict[Word, float]


def analysed_terms(text: str, language: str | None = None) -> Counter[str]:
    """The index terms of plain text in ``language``, with how often each occurs."""
    return term_counts(text, language)


def query_branches(text: str, languages: Sequence[str]) -> list[Branch]:
    """A plain query read in each language of ``languages`` (English and unknown read alike):
    one :data:`Branch` per language whose reading keeps a word.

    A word that is an English stop word is left out of every language's reading too: queries are
    typed in the interface's language as often as in the articles'.
    """
    branches: list[Branch] = []
    seen: set[str] = set()
    for code in languages:
        rules = language_analysis(code)
        if rules.namespace in seen:
            continue
        seen.add(rules.namespace)
        branch: Counter[Word] = Counter()
        for word, _, _ in query_words(text):
            if rules.code != "en" and word in STOP_WORDS:
                continue
            terms = query_terms(word, code)
            if terms:
                branch[terms[0] if len(terms) == 1 else tuple(terms)] += 1
        if branch:
            branches.append({word: float(count) for word, count in branch.items()})
    return branches


def complete_stems(reader: IndexReader, branches: Sequence[Branch]) -> list[Branch]:
    """The branches with each long stem of a language other than English widened to the index
    terms that continue it by a short ending (see :data:`COMPLETION_MIN_CHARS`)."""
    completed = []
    for branch in branches:
        widened: Branch = {}
        for word, weight in branch.items():
            widened[_completed(reader, word)] = weight
        completed.append(widened)
    return completed


def _completed(reader: IndexReader, word: Word) -> Word:
    if not isinstance(word, str) or ":" not in word:
        return word
    code, stem = word.split(":", 1)
    if len(stem) < COMPLETION_MIN_CHARS or not language_analysis(code).stemmed:
        return word
    longest = len(word) + COMPLETION_EXTRA_CHARS
    continuations = [
        term for term in reader.expand(schema.BODY, word) if term != word and len(term) <= longest
    ]
    if not continuations:
        return word
    return frozenset([word, *continuations[:COMPLETION_LIMIT]])


def requires_all(branch: Mapping[Word, float]) -> bool:
    return len(branch) <= ALL_WORDS_UP_TO


def _word(word: Word, weight: float) -> query.Query:
    """One word, scored in the body and, with a smaller weight, in the headline.

    The weights sit on the terms (not on the Or) because ``search.matching`` scores term
    boosts and plain compound nodes.
    """
    if isinstance(word, frozenset):
        return query.Or([_word(alternative, weight) for alternative in sorted(word)])
    if isinstance(word, tuple):
        return query.Or(
            [
                query.Phrase(schema.TITLE, list(word), boost=TITLE_WEIGHT * weight),
                query.Phrase(schema.BODY, list(word), boost=weight),
            ]
        )
    return query.Or(
        [
            query.Term(schema.TITLE, word, boost=TITLE_WEIGHT * weight),
            query.Term(schema.BODY, word, boost=weight),
        ]
    )


def _branch_query(branch: Mapping[Word, float], *, require_all: bool) -> query.Query:
    words = [_word(word, weight) for word, weight in sorted(branch.items(), key=_word_order)]
    if len(words) == 1:
        return words[0]
    return query.And(words) if require_all else query.Or(words)


def _word_order(item: tuple[Word, float]) -> tuple[str, ...]:
    return word_terms(item[0])


def word_terms(word: Word) -> tuple[str, ...]:
    """Every term a query word stands for."""
    if isinstance(word, frozenset):
        return tuple(sorted(word))
    return word if isinstance(word, tuple) else (word,)


def words_query(branches: Sequence[Mapping[Word, float]], *, require_all: bool) -> query.Query:
    """A query for weighted words, read in one or more languages: in each reading all of the
    words are required (when ``require_all`` and the reading has at most
    :data:`ALL_WORDS_UP_TO` words) or any of them; a document matches when one reading does."""
    queries = [
        _branch_query(branch, require_all=require_all and requires_all(branch))
        for branch in branches
        if branch
    ]
    if not queries:
        return query.NullQuery
    return queries[0] if len(queries) == 1 else query.Or(queries)


def _heaviest(weights: dict[str, float], count: int) -> list[tuple[str, float]]:
    """The ``count`` heaviest items, heaviest first (ties: alphabetical).  The cut-off weight is
    found by sorting the bare floats (a query's model holds thousands of words), so only the
    items that can make it are sorted with the tie-breaking key."""
    if len(weights) > count > 0:
        cut = sorted(weights.values(), reverse=True)[count - 1]
        weights = {term: weight for term, weight in weights.items() if weight >= cut}
    return sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:count]


def _feedback_terms(reader: IndexReader, docnum: int) -> Counter[str]:
    """The terms a document gives feedback from, counted (the start of its indexed body)."""
    article = reader.article(docnum)
    return analysed_terms(schema.indexed_body(article)[:FEEDBACK_CHARS], article.language)


def feedback_query(
    reader: IndexReader,
    branches: Sequence[Mapping[Word, float]],
    first: Sequence[tuple[int, float]],
    *,
    require_all: bool,
) -> query.Query:
    """The query for ``branches`` with feedback words added as optional scoring (RM3-style).

    ``first`` holds the first pass's best ``(docnum, score)`` results.  Each gives its words (in
    its own language) in proportion to their frequency in it, weighted by ``exp(score)``
    normalised over the results (a clear winner speaks loudest); each word's total is multiplied
    by its idf so that words common everywhere do not take over, and the :data:`FEEDBACK_TERMS`
    best are added.  The query's own words keep ``1 - FEEDBACK_SHARE`` of the weight.  The
    result is an ``AndMaybe``: it matches exactly what ``words_query(branches)`` matches.
    """
    if not first:
        return words_query(branches, require_all=require_all)
    top = max(score for _, score in first)
    doc_weights = [math.exp(score - top) for _, score in first]
    total_weight = sum(doc_weights)
    model: dict[str, float] = {}
    for (docnum, _), doc_weight in zip(first, doc_weights, strict=True):
        counts = reader.document_value(
            "feedback terms", docnum, partial(_feedback_terms, reader, docnum), len
        )
        length = sum(counts.values()) or 1
        for term, count in counts.items():
            model[term] = model.get(term, 0.0) + (count / length) * (doc_weight / total_weight)
    doc_count = reader.doc_count_all
    likeliest = _heaviest(model, FEEDBACK_CANDIDATES)
    weighted: dict[str, float] = {}
    for term, weight in likeliest:
        frequency = reader.doc_frequency(schema.BODY, term)
        if frequency >= FEEDBACK_MIN_DF:
            weighted[term] = weight * lucene_idf(doc_count, frequency)
    chosen = _heaviest(weighted, FEEDBACK_TERMS)
    chosen_total = sum(weight for _, weight in chosen) or 1.0
    owns: list[Branch] = []
    for branch in branches:
        query_total = sum(branch.values())
        owns.append(
            {w: (1 - FEEDBACK_SHARE) * weight / query_total for w, weight in branch.items()}
        )
    added: Branch = {}
    for term, weight in chosen:
        share = FEEDBACK_SHARE * weight / chosen_total
        holders = [own for own in owns if term in own]
        for own in holders:
            own[term] += share
        if not holders:
            added[term] = share
    required = words_query(owns, require_all=require_all)
    if not added:
        return required
    return query.AndMaybe(required, words_query([added], require_all=False))
