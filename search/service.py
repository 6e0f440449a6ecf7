"""The search service: what the web app, the API and the CLI call.

Each public method takes the calling thread's searcher from the index store (a searcher is never
shared between threads nor refreshed: DECISIONS.md rules 1 and 2), so one :class:`SearchService`
can be shared by every thread of a process, and an index updated or swapped in by a build is
picked up by the next call.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from indexer.article import Article
from indexer.errors import IndexNotFoundError
from indexer.index import schema
from indexer.index.manifest import Manifest
from indexer.index.store import IndexStore
from search import execute
from search.docsets import segment_arrays
from search.errors import ArticleNotFoundError, BadRequestError
from search.query import ParsedQuery, parse_query
from search.ranking import FEEDBACK_DOCS, WEIGHTING, feedback_query, requires_all, words_query
from search.related import find_related
from search.results import (
    Hit,
    IndexStats,
    RelatedHit,
    SearchRequest,
    SearchResults,
)
from search.snippets import make_snippet
from search.suggest import suggest

log = logging.getLogger(__name__)


class SearchService:
    """Searches, article look-ups, related articles and statistics over one index folder."""

    def __init__(self, index_dir: Path | str) -> None:
        self.store = IndexStore(index_dir)

    # -- warming -----------------------------------------------------------------------------

    def warm(self) -> None:
        """Load this process's per-version caches for the live index, if there is one.

        The first search in a process otherwise pays for them: at 100,000 articles, reading the
        per-document values and the body/title lengths takes ~2.8 s.  A server calls this in each
        worker before it accepts requests.  Without an index there is nothing to load (requests get
        the "no index yet" answer), so that is not an error.
        """
        try:
            with self.store.searcher() as raw:
                searcher: Searcher = raw  # type: ignore[assignment]
                execute.DOCSETS.values(searcher)
                for field in (schema.BODY, schema.TITLE):
                    execute.DOCSETS.field_lengths(searcher, field)
                for leaf, _ in searcher.reader().leaf_readers():
                    segment_arrays(leaf)  # maps each segment's posting arrays
        except IndexNotFoundError:
            log.info("no index at %s yet: nothing to warm", self.store.root)

    # -- search ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        parsed = parse_query(request.q)
        with self.store.searcher() as raw:
            searcher: Searcher = raw  # type: ignore[assignment]
            searcher.weighting = WEIGHTING
            return self._search(searcher, request, parsed)

    def _search(
        self, searcher: Searcher, request: SearchRequest, parsed: ParsedQuery
    ) -> SearchResults:
        allowed = execute.filter_mask(searcher, request)
        ranked = request.sort == "relevance" and bool(request.q)
        if not request.q:
            main: query.Query = query.Every()
            matches = execute.match(searcher, main, allowed, WEIGHTING, ranked=False)
            terms: frozenset[str] = frozenset()
        elif parsed.is_plain:
            main, matches = _plain_words(searcher, request, parsed, allowed)
            terms = frozenset(term for term, _ in parsed.terms)
        else:
            main = parsed.strict
            matches = execute.match(searcher, main, allowed, WEIGHTING, ranked=ranked)
            terms = _highlight_terms(searcher, main)
        total = matches.total
        last_page = max(1, -(-total // request.per_page))
        if request.page > last_page:
            raise BadRequestError(
                f"page {request.page} is past the last page of results ({last_page}); "
                f"use a page from 1 to {last_page}"
            )
        reader = searcher.reader()
        hits = tuple(
            _hit(reader.stored_fields(docnum), score, terms)
            for docnum, score in execute.page_of_documents(
                searcher, main, matches, request, WEIGHTING
            )
        )
        facets = execute.facet_counts(searcher, matches.mask)
        suggestion = None
        if request.q and not parsed.is_empty:
            suggestion = suggest(searcher, parsed, allowed)
        return SearchResults(request, total, hits, facets, suggestion)

    # -- articles ----------------------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        with self.store.searcher() as raw:
            searcher: Searcher = raw  # type: ignore[assignment]
            return _load(searcher, article_id)[1]

    def related(self, article_id: str, limit: int = 5) -> tuple[RelatedHit, ...]:
        with self.store.searcher() as raw:
            searcher: Searcher = raw  # type: ignore[assignment]
            searcher.weighting = WEIGHTING
            docnum, article = _load(searcher, article_id)
            return find_related(searcher, docnum, article, limit)

    # -- statistics --------------------------------------------------------------------------

    def stats(self) -> IndexStats:
        with self.store.searcher() as raw:
            searcher: Searcher = raw  # type: ignore[assignment]
            facets = execute.all_facets(searcher)
            sources = facets["source"]
            years = tuple(sorted(facets["year"], key=lambda v: v.value))
            articles = searcher.doc_count()
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


def _plain_words(
    searcher: Searcher, request: SearchRequest, parsed: ParsedQuery, allowed: np.ndarray | None
) -> tuple[query.Query, execute.Matches]:
    """Match and rank a query of plain words as :mod:`search.ranking` describes: all words (or,
    when no article has them all, any) of a short query, any word of a long one; ranked by BM25
    and then again with the words that characterise the best first-pass results."""
    ranked = request.sort == "relevance"
    weights = parsed.term_weights()
    require_all = requires_all(weights)
    matching = words_query(weights, require_all=require_all)
    matches = execute.match(searcher, matching, allowed, WEIGHTING, ranked=ranked)
    if require_all and len(weights) > 1 and matches.total == 0:
        require_all = False
        matching = words_query(weights, require_all=False)
        matches = execute.match(searcher, matching, allowed, WEIGHTING, ranked=ranked)
    if not ranked or matches.total == 0:
        return matching, matches
    best = replace(request, page=1, per_page=FEEDBACK_DOCS)
    first = execute.page_of_documents(searcher, matching, matches, best, WEIGHTING)
    expanded = feedback_query(searcher, weights, first, require_all=require_all)
    # The feedback words only reorder: an AndMaybe matches what the user's words match.
    return expanded, execute.match(searcher, expanded, allowed, WEIGHTING, ranked=True)


def _load(searcher: Searcher, article_id: str) -> tuple[int, Article]:
    docnum = searcher.document_number(**{schema.ID: article_id}) if article_id else None
    if docnum is None:
        raise ArticleNotFoundError(f"no article with id {article_id!r}")
    return docnum, schema.from_stored(searcher.reader().stored_fields(docnum))


def _hit(stored: dict[str, Any], score: float | None, terms: frozenset[str]) -> Hit:
    article = schema.from_stored(stored)
    return Hit(article, float(score or 0.0), make_snippet(article.body, terms))


def _highlight_terms(searcher: Searcher, main: query.Query) -> frozenset[str]:
    """The analysed title/body terms of a query, prefixes and wildcards expanded on the index.

    Leaf by leaf on purpose: whoosh3 3.54's ``Query.existing_terms`` reuses its ``fieldname``
    argument as a loop variable and so drops every term after the first field it sees.
    """
    wanted = {schema.TITLE, schema.BODY}
    reader = searcher.reader()
    terms = set()
    for leaf in main.leaves():
        if leaf.field() not in wanted:
            continue
        for _, text in leaf.expanded_terms(reader, phrases=True):
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return frozenset(terms)
