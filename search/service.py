"""The search service: what the web app, the API and the CLI call.

Each public method reads the live index version through an
:class:`~indexer.index.version.IndexReader` from the store, so one :class:`SearchService` can be
shared by every thread of a process, and an index updated or swapped in by a build is picked up
by the next call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from whoosh import query

from indexer.article import Article
from indexer.errors import IndexNotFoundError
from indexer.index import schema
from indexer.index.manifest import Manifest, read_copies_printed_by, read_story
from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search import collect
from search.errors import ArticleNotFoundError
from search.matching import Matches, match
from search.query import ParsedQuery, localize, parse_query
from search.ranking import (
    FEEDBACK_DOCS,
    WEIGHTING,
    Branch,
    complete_stems,
    feedback_query,
    query_branches,
    requires_all,
    word_terms,
    words_query,
)
from search.related import MIN_STANDOUT, find_related
from search.request import SearchRequest
from search.results import (
    AllMatches,
    Hit,
    IndexStats,
    RelatedHit,
    SearchResults,
    StorySummary,
)
from search.snippets import highlight, make_snippet
from search.stories import StoryView, day_of_long, story_view
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
            manifest = self.store.manifest_path()
            results = _search(reader, request, parsed, facets=facets, manifest=manifest)
            correction = _autocorrection(reader, request, results)
            if correction is not None:
                corrected = _search(
                    reader,
                    dataclasses.replace(request, q=correction),
                    parse_query(correction),
                    offer_suggestion=False,
                    facets=facets,
                    manifest=manifest,
                )
                if corrected.total:
                    results = dataclasses.replace(corrected, request=request, searched=correction)
        # A page past the last one has no hits but still the total (as Elasticsearch answers),
        # so a client paging on while articles are removed sees where the results end.
        return results

    def all_matches(self, request: SearchRequest, *, limit: int | None = None) -> AllMatches:
        """Every article the request matches, in its order (``page`` and ``per_page`` are not
        used), at most ``limit``: what exports, feeds and notebooks iterate over.

        The total is counted at once; the articles are read one at a time as they are iterated,
        from the index version the total was counted on (it stays open until the iteration ends
        or :meth:`AllMatches.close` is called).
        """
        parsed = parse_query(request.q)
        stack = contextlib.ExitStack()
        try:
            reader = stack.enter_context(self.store.reader())
            matched, _ = _matches(reader, request, parsed)
            matches = collect.shown(
                reader, matched.within(collect.filters_of(reader, request).mask()), request
            )
            count = matches.total if limit is None else min(limit, matches.total)
            everything = dataclasses.replace(request, page=1, per_page=max(1, count))
            docs = [docnum for docnum, _ in collect.page_of_documents(reader, matches, everything)]
        except BaseException:
            stack.close()
            raise
        return AllMatches(request, matches.total, _ArticleReader(reader, docs[:count], stack))

    def marked_terms(self, q: str) -> frozenset[str]:
        """The analysed words of a query that its results mark (for highlighting an article)."""
        parsed = parse_query(q)
        if parsed.is_empty:
            return frozenset()
        with self.store.reader() as reader:
            if parsed.is_plain:
                branches = query_branches(parsed.plain, reader.languages)
                return _branch_terms(complete_stems(reader, branches))
            return _highlight_terms(reader, localize(parsed.strict, reader.languages))

    # -- articles ----------------------------------------------------------------------------

    def article(self, article_id: str) -> Article:
        """The article with every version of its story (:attr:`Article.story`, read from the
        manifest; None for an index without stories)."""
        with self.store.reader() as reader:
            article = _load(reader, article_id)[1]
        story = read_story(self.store.manifest_path(), article_id)
        if story is None:
            return article
        copies = tuple(v for v in story.versions if v.article_id == article_id)
        return dataclasses.replace(article, versions=copies, story=story)

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
            view = story_view(reader)
            stories = None if view is None else len(np.unique(view.group[reader.values.live]))
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
            stories=stories,
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


class _ArticleReader(Iterator[Article]):
    """Reads the articles of a list of documents one at a time, then checks the index version
    back in (also when closed early, or dropped unread)."""

    def __init__(self, reader: IndexReader, docs: list[int], stack: contextlib.ExitStack) -> None:
        self._reader = reader
        self._docs = iter(docs)
        self._stack = stack

    def __next__(self) -> Article:
        docnum = next(self._docs, None)
        if docnum is None:
            self.close()
            raise StopIteration
        return self._reader.article(docnum)

    def close(self) -> None:
        self._docs = iter(())
        self._stack.close()

    def __del__(self) -> None:
        self.close()


def _matches(
    reader: IndexReader, request: SearchRequest, parsed: ParsedQuery
) -> tuple[Matches, frozenset[str]]:
    """The documents the query matches, not narrowed by the filters (facets count beyond them),
    with scores when ranked, and the terms to highlight."""
    allowed = collect.filters_of(reader, request).mask()
    ranked = request.sort == "relevance" and bool(request.q)
    weighting = WEIGHTING if ranked else None
    if not request.q:
        return match(reader, query.Every()), frozenset()
    if parsed.is_plain:
        branches = complete_stems(reader, query_branches(parsed.plain, reader.languages))
        return _plain_words(reader, branches, allowed, ranked=ranked), _branch_terms(branches)
    localized = localize(parsed.strict, reader.languages)
    return match(reader, localized, weighting), _highlight_terms(reader, localized)


def _branch_terms(branches: list[Branch]) -> frozenset[str]:
    return frozenset(term for branch in branches for word in branch for term in word_terms(word))


def _search(
    reader: IndexReader,
    request: SearchRequest,
    parsed: ParsedQuery,
    *,
    offer_suggestion: bool = True,
    facets: bool = True,
    manifest: Path | None = None,
) -> SearchResults:
    filters = collect.filters_of(reader, request)
    allowed = filters.mask()
    matched, terms = _matches(reader, request, parsed)
    matches = matched.within(allowed)
    documents = matches.total
    listed = collect.shown(reader, matches, request)
    view = story_view(reader)
    page = [
        (reader.article(docnum), score, docnum)
        for docnum, score in collect.page_of_documents(reader, listed, request)
    ]
    if request.sources and manifest is not None:
        page = _as_printed_by(page, request.sources, manifest)
    hits = tuple(
        _hit(article, score, terms, _summary(view, docnum)) for article, score, docnum in page
    )
    counts = collect.facet_counts(reader, matched.mask, filters, request) if facets else {}
    suggestion = None
    if offer_suggestion and request.q and not parsed.is_empty:
        suggestion = suggest(reader, parsed, allowed)
    timeline = collect.timeline(reader, listed.mask)
    grouped = collect.grouping(reader, request) is not None
    return SearchResults(
        request,
        listed.total if grouped else documents,
        hits,
        counts,
        suggestion,
        timeline=timeline,
        total_documents=documents,
        counts="stories" if grouped else "documents",
    )


def _as_printed_by(
    page: list[tuple[Article, float, int]], outlets: tuple[str, ...], manifest: Path
) -> list[tuple[Article, float, int]]:
    """The page's articles as the chosen ``outlets`` printed them.  A text several outlets
    printed is one document, stored as its preferred copy; the source filter found it through
    another copy, so the result shows that copy's outlet, title, link and date (the text, and so
    the snippet, is the same)."""
    keys = {schema.name_key(outlet) for outlet in outlets}
    others = [a.id for a, _, _ in page if schema.name_key(a.source or "") not in keys]
    if not others:
        return page
    copies = read_copies_printed_by(manifest, others, outlets)
    return [(copies.get(a.id, a), score, docnum) for a, score, docnum in page]


def _summary(view: StoryView | None, docnum: int) -> StorySummary | None:
    """What a result says of its story (None for an index without stories)."""
    if view is None:
        return None
    return StorySummary(
        versions=int(view.versions[docnum]),
        texts=int(view.texts[docnum]),
        outlets=view.outlets_of(docnum),
        first_published=day_of_long(int(view.published[docnum])),
        last_updated=day_of_long(int(view.last_updated[docnum])),
    )


def _plain_words(
    reader: IndexReader, branches: list[Branch], allowed: np.ndarray | None, *, ranked: bool
) -> Matches:
    """Match and rank a query of plain words as :mod:`search.ranking` describes: all words (or,
    when no article the filters allow has them all, any) of a short query, any word of a long
    one, in any of the index's languages; ranked by BM25 and then again with the words that
    characterise the best first-pass results.  The matches are not narrowed to ``allowed``
    (facets count outside the filters)."""
    weighting = WEIGHTING if ranked else None
    if not branches:
        return match(reader, query.NullQuery)
    require_all = True
    matches = match(reader, words_query(branches, require_all=True), weighting)
    if matches.within(allowed).total == 0 and any(len(b) > 1 and requires_all(b) for b in branches):
        require_all = False
        matches = match(reader, words_query(branches, require_all=False), weighting)
    if not ranked or matches.within(allowed).total == 0:
        return matches
    best = SearchRequest(q="", per_page=FEEDBACK_DOCS)
    first = collect.page_of_documents(reader, matches.within(allowed), best)
    expanded = feedback_query(reader, branches, first, require_all=require_all)
    # The feedback words only reorder: an AndMaybe matches what the user's words match.
    return match(reader, expanded, WEIGHTING)


def _load(reader: IndexReader, article_id: str) -> tuple[int, Article]:
    docnum = reader.document_number(article_id)
    if docnum is None:
        raise ArticleNotFoundError(f"no article with id {article_id!r}")
    return docnum, reader.article(docnum)


def _hit(
    article: Article,
    score: float | None,
    terms: frozenset[str],
    story: StorySummary | None = None,
) -> Hit:
    return Hit(
        article,
        float(score or 0.0),
        make_snippet(article.body, terms, language=article.language),
        highlight(article.title, terms, language=article.language),
        story,
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
        field = leaf.field()
        if field is None or field not in wanted:
            continue
        if type(leaf) is query.Prefix:
            # From the posting arrays' sorted words: Whoosh's expansion walks its term files
            # (~4 ms for a short prefix at 21,578 articles, a third of the query).
            terms.update(reader.expand(field, leaf.text))
            continue
        for _, text in leaf.expanded_terms(whoosh_reader, phrases=True):
            terms.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return frozenset(terms)
