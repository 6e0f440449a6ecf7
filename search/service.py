"""The search service: what the web app, the API and the CLI call.

Each public method reads the live index version through an
:class:`~indexer.index.version.IndexReader` from the store, so one :class:`SearchService` can be
shared by every thread of a process, and an index updated or swapped in by a build is picked up
by the next call.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
from whoosh import query

from indexer.article import Article
from indexer.errors import IndexNotFoundError
from indexer.index import schema
from indexer.index.manifest import Manifest
from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search import collect
from search.errors import ArticleNotFoundError, BadRequestError
from search.matching import Matches, match
from search.query import ParsedQuery, parse_query
from search.ranking import FEEDBACK_DOCS, WEIGHTING, feedback_query, requires_all, words_query
from search.related import MIN_STANDOUT, find_related
from search.request import SearchRequest
from search.results import Hit, IndexStats, RelatedHit, SearchResults
from search.snippets import highlight, make_snippet
from search.suggest import corrects_only_unmatched_words, suggest

log = logging.getLogger(__name__)


class SearchService:
    """Searches, article look-ups, related articles and statistics over one index folder."""

    def __init__(self, index_dir: Path | str) -> None:
        self.store = IndexStore(index_dir)

    def close(self) -> None:
        """Release the live version's searchers and caches (the next call opens them again)."""
        self.store.close()

    # -- warming -----------------------------------------------------------------------------

    def warm(self) -> None:
        """Open the live version, if there is one: its per-document values, field lengths and
        memory-mapped arrays.  A server calls this in each worker before it accepts requests, so
        no client waits for them.  Without an index there is nothing to load (requests get the
        "no index yet" answer), so that is not an error.
        """
        try:
            with self.store.reader() as reader:
                collect.warm(reader)
        except IndexNotFoundError:
            log.info("no index at %s yet: nothing to warm", self.store.root)

    # -- search ------------------------------------------------------------------------------

    def search(self, request: SearchRequest, *, facets: bool = True) -> SearchResults:
        """One page of results.  A query that finds nothing while its corrected spelling does is
        answered with the corrected query's results (``results.searched`` says so), unless the
        request is ``verbatim``.  ``facets=False`` leaves the facet counts out (a caller that
        shows none, such as the command line, saves reading the author and tag values)."""
        parsed = parse_query(request.q)
        with self.store.reader() as reader:
            results = _search(reader, request, parsed, facets=facets)
            correction = _autocorrection(reader, request, results)
            if correction is not None:
                corrected = _search(
                    reader,
                    dataclasses.replace(request, q=correction),
                    parse_query(correction),
                    offer_suggestion=False,
                    facets=facets,
                )
                if corrected.total:
                    results = dataclasses.replace(corrected, request=request, searched=correction)
        # Checked on the results shown: page 10 of a correction exists even when the query as
        # typed (which matched fewer articles) has only 9 pages.
        if request.page > results.page_count:
            raise BadRequestError(
                f"page {request.page} is past the last page of results ({results.page_count}); "
                f"use a page from 1 to {results.page_count}"
            )
        return results

    def marked_terms(self, q: str) -> frozenset[str]:
        """The analysed words of a query that its results mark (for highlighting an article)."""
        parsed = parse_query(q)
        if parsed.is_empty:
            return frozenset()
        if parsed.is_plain:
            return frozenset(term for term, _ in parsed.terms)
        with self.store.reader() as reader:
            return _highlight_terms(reader, parsed.strict)

    # -- articles ----------------------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        with self.store.reader() as reader:
            return _load(reader, article_id)[1]

    def related(
        self, article_id: str, limit: int = 5, *, min_standout: float | None = MIN_STANDOUT
    ) -> tuple[RelatedHit, ...]:
        """Up to ``limit`` related articles that stand out by ``min_standout`` (see
        :data:`search.related.MIN_STANDOUT`; None: no floor)."""
        with self.store.reader() as reader:
            docnum, article = _load(reader, article_id)
            return find_related(reader, docnum, article, limit, min_standout=min_standout)

    # -- statistics --------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        with self.store.reader() as reader:
            facets = collect.all_facets(reader)
            sources = facets["source"]
            years = tuple(sorted(facets["year"], key=lambda v: v.value))
            articles = reader.doc_count
        manifest = Manifest(self.store.manifest_path())
        try:
            meta = manifest.meta()
        finally:
            manifest.close()
        return IndexStats(
            path=str(self.store.root),
            articles=articles,
            sources=sources,
            years=years,
            size_bytes=self.store.size_bytes(),
            built_at=meta.get("built_at"),
            corpus=meta.get("corpus"),
        )


def _autocorrection(
    reader: IndexReader, request: SearchRequest, results: SearchResults
) -> str | None:
    """The corrected query to search instead of the one typed, or None.

    Unless the request asks for its query verbatim, a suggestion is used straight away when the
    query as typed found nothing, or when the words it corrects match nothing as typed (they
    added nothing to the results: "scientolgy church" found only "church").  Measured on the
    seeded typos of bench/relevance.py: see docs/decisions.md.
    """
    suggestion = results.suggestion
    if request.verbatim or not suggestion:
        return None
    if results.total == 0 or corrects_only_unmatched_words(reader, request.q, suggestion):
        return suggestion
    return None


def _search(
    reader: IndexReader,
    request: SearchRequest,
    parsed: ParsedQuery,
    *,
    offer_suggestion: bool = True,
    facets: bool = True,
) -> SearchResults:
    filters = collect.filters_of(reader, request)
    allowed = filters.mask()
    ranked = request.sort == "relevance" and bool(request.q)
    weighting = WEIGHTING if ranked else None
    if not request.q:
        matched = match(reader, query.Every())
        terms: frozenset[str] = frozenset()
    elif parsed.is_plain:
        matched = _plain_words(reader, parsed, allowed, ranked=ranked)
        terms = frozenset(term for term, _ in parsed.terms)
    else:
        matched = match(reader, parsed.strict, weighting)
        terms = _highlight_terms(reader, parsed.strict)
    matches = matched.within(allowed)
    total = matches.total
    hits = tuple(
        _hit(reader.article(docnum), score, terms)
        for docnum, score in collect.page_of_documents(reader, matches, request)
    )
    counts = collect.facet_counts(reader, matched.mask, filters, request) if facets else {}
    suggestion = None
    if offer_suggestion and request.q and not parsed.is_empty:
        suggestion = suggest(reader, parsed, allowed)
    timeline = collect.timeline(reader, matches.mask)
    return SearchResults(request, total, hits, counts, suggestion, timeline=timeline)


def _plain_words(
    reader: IndexReader, parsed: ParsedQuery, allowed: np.ndarray | None, *, ranked: bool
) -> Matches:
    """Match and rank a query of plain words as :mod:`search.ranking` describes: all words (or,
    when no article the filters allow has them all, any) of a short query, any word of a long
    one; ranked by BM25 and then again with the words that characterise the best first-pass
    results.  The matches are not narrowed to ``allowed`` (facets count outside the filters)."""
    weighting = WEIGHTING if ranked else None
    weights = parsed.term_weights()
    require_all = requires_all(weights)
    matches = match(reader, words_query(weights, require_all=require_all), weighting)
    if require_all and len(weights) > 1 and matches.within(allowed).total == 0:
        require_all = False
        matches = match(reader, words_query(weights, require_all=False), weighting)
    if not ranked or matches.within(allowed).total == 0:
        return matches
    best = SearchRequest(q=parsed.text, per_page=FEEDBACK_DOCS)
    first = collect.page_of_documents(reader, matches.within(allowed), best)
    expanded = feedback_query(reader, weights, first, require_all=require_all)
    # The feedback words only reorder: an AndMaybe matches what the user's words match.
    return match(reader, expanded, WEIGHTING)


def _load(reader: IndexReader, article_id: str) -> tuple[int, Article]:
    docnum = reader.document_number(article_id)
    if docnum is None:
        raise ArticleNotFoundError(f"no article with id {article_id!r}")
    return docnum, reader.article(docnum)


def _hit(article: Article, score: float | None, terms: frozenset[str]) -> Hit:
    return Hit(
        article,
        float(score or 0.0),
        make_snippet(article.body, terms),
        highlight(article.title, terms),
    )


def _highlight_terms(reader: IndexReader, main: query.Query) -> frozenset[str]:
    """The analysed title/body terms of a query, prefixes and wildcards expanded on the index.

    Leaf by leaf on purpose: whoosh3 3.54's ``Query.existing_terms`` reuses its ``fieldname``
    argument as a loop variable and so drops every term after the first field it sees.
    """
    wanted = {schema.TITLE, schema.BODY}
    whoosh_reader = reader.searcher.reader()
    terms = set()
    for leaf in main.leaves():
        if leaf.field() not in wanted:
            continue
        for _, text in leaf.expanded_terms(whoosh_reader, phrases=True):
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return frozenset(terms)
