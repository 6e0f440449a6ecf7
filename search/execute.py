"""Running one query on one searcher: which documents match, in what order, with what counts.

The plan for every search:

1. the matching documents as a boolean mask over document numbers, with BM25F scores for all of
   them computed as arrays (:mod:`search.vectorscore`) when the query is made of terms and
   exact phrases, or by Whoosh's own collector otherwise (prefixes, sloppy phrases);
2. filters (source, author, dates) as masks from per-document value arrays (:mod:`search.docsets`);
3. the total and the source/year facets counted over the final mask;
4. only the requested page's documents ordered exactly (by score, or by date).

Nothing here loops in Python over the matching documents, which is what made totals and facets
cost hundreds of milliseconds on broad queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query, scoring
from whoosh.searching import Searcher

from indexer.index import schema
from search.docsets import DocSets, DocValues, day_bound
from search.results import FacetValue, SearchRequest
from search.vectorscore import score_all, top_documents

FACET_LIMIT = 20

# One per process: the caches are keyed by index version and shared by all threads.
DOCSETS = DocSets()


@dataclass(frozen=True)
class Matches:
    """The documents a query matched after filters, with scores when it was ranked."""

    mask: np.ndarray
    scores: np.ndarray | None  # None: not scored by us (date sort, or Whoosh scores the page)

    @property
    def total(self) -> int:
        return int(self.mask.sum())


def filter_mask(searcher: Searcher, request: SearchRequest) -> np.ndarray | None:
    """The documents the request's filters allow, or None when it has no filters."""
    values = DOCSETS.values(searcher)
    mask: np.ndarray | None = None

    def narrow(allowed: np.ndarray) -> None:
        nonlocal mask
        mask = allowed if mask is None else mask & allowed

    if request.source:
        code = values.source_keys.get(schema.name_key(request.source), -2)
        narrow(values.source_codes == code)
    if request.author:
        term = query.Term(schema.AUTHOR_KEY, schema.name_key(request.author))
        narrow(DOCSETS.matching(searcher, term))
    if request.date_from or request.date_to:
        allowed = values.dated.copy()
        if request.date_from:
            allowed &= values.published >= day_bound(request.date_from, end=False)
        if request.date_to:
            allowed &= values.published <= day_bound(request.date_to, end=True)
        narrow(allowed)
    return mask


def match(
    searcher: Searcher,
    q: query.Query,
    allowed: np.ndarray | None,
    weighting: scoring.WeightingModel,
    *,
    ranked: bool,
) -> Matches:
    """The documents matching ``q`` within ``allowed``, scored when ``ranked`` and possible."""
    scores = None
    scored = score_all(DOCSETS, searcher, q, weighting) if ranked else None
    if scored is not None:
        mask, scores = scored
    elif ranked:
        mask, scores = _scored_by_whoosh(searcher, q, weighting)
    else:
        mask = DOCSETS.matching(searcher, q)
    if allowed is not None:
        mask = mask & allowed
    return Matches(mask, scores)


def _scored_by_whoosh(
    searcher: Searcher, q: query.Query, weighting: scoring.WeightingModel
) -> tuple[np.ndarray, np.ndarray]:
    """Every match of a query we cannot score ourselves (prefixes, sloppy phrases), scored by
    Whoosh in one pass: matching and scoring a phrase both check word positions, so doing them
    separately cost twice as much."""
    searcher.weighting = weighting
    size = len(DOCSETS.values(searcher).live)
    mask = np.zeros(size, dtype=bool)
    scores = np.zeros(size, dtype=np.float64)
    results = searcher.search(q, limit=None, terms=False, optimize=False)
    if results.top_n:
        found = np.array([docnum for _, docnum in results.top_n], dtype=np.int64)
        mask[found] = True
        scores[found] = [score for score, _ in results.top_n]
    return mask & DOCSETS.values(searcher).live, scores


def page_of_documents(
    searcher: Searcher,
    q: query.Query,
    matches: Matches,
    request: SearchRequest,
    weighting: scoring.WeightingModel,
) -> list[tuple[int, float]]:
    """``(docnum, score)`` for the requested page, in the requested order."""
    start = (request.page - 1) * request.per_page
    wanted = request.page * request.per_page
    if request.sort != "relevance" or not request.q:
        docs = _by_date(DOCSETS.values(searcher), matches.mask, newest=request.sort != "oldest")
        return [(int(d), 0.0) for d in docs[start:wanted]]
    if matches.scores is not None:
        docs, scores = top_documents(matches.mask, matches.scores, wanted)
        return [(int(d), float(s)) for d, s in zip(docs[start:], scores[start:], strict=True)]
    # Unreachable for ranked searches (match() always scores them); kept as a safe fallback.
    docs = np.flatnonzero(matches.mask)[start:wanted]
    return [(int(d), 0.0) for d in docs]


def _by_date(values: DocValues, mask: np.ndarray, *, newest: bool) -> np.ndarray:
    """Matching documents by publication date; undated ones last, ties by document number."""
    docs = np.flatnonzero(mask)
    published = values.published[docs]
    when = -published if newest else published
    order = np.lexsort((docs, when, ~values.dated[docs]))
    return docs[order]


def facet_counts(searcher: Searcher, mask: np.ndarray) -> dict[str, tuple[FacetValue, ...]]:
    values = DOCSETS.values(searcher)
    return {
        "source": _count(values.source_codes[mask], values.source_names),
        "year": _count(values.year_codes[mask], values.year_names),
    }


def _count(
    codes: np.ndarray, names: tuple[str, ...], limit: int | None = FACET_LIMIT
) -> tuple[FacetValue, ...]:
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    ranked = sorted(
        (FacetValue(names[code], int(count)) for code, count in enumerate(counts) if count),
        key=lambda value: (-value.count, value.value),
    )
    return tuple(ranked if limit is None else ranked[:limit])


def all_facets(searcher: Searcher) -> dict[str, tuple[FacetValue, ...]]:
    """Source and year counts over the whole index, unabridged (for statistics)."""
    values = DOCSETS.values(searcher)
    return {
        "source": _count(values.source_codes[values.live], values.source_names, limit=None),
        "year": _count(values.year_codes[values.live], values.year_names, limit=None),
    }
