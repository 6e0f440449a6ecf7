"""From matches to one page of results: filters, order, the page, facet counts.

A search is planned as:

1. the matching documents as a mask over document numbers, with scores when ranked
   (:mod:`search.matching`);
2. the request's filters (source, author, dates) as masks from the version's per-document values
   (:func:`filter_mask`);
3. the total and the facets counted over the final mask (:func:`facet_counts`);
4. only the requested page's documents put in order (:func:`page_of_documents`): by score, or by
   date.

Nothing here loops in Python over the matching documents, which is what made totals and facets
cost hundreds of milliseconds on broad queries.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from whoosh.util.times import datetime_to_long

from indexer.index import schema
from indexer.index.version import Category, DocValues, IndexReader
from search.matching import Matches
from search.request import SearchRequest
from search.results import FacetValue

FACET_LIMIT = 20
_MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def filter_mask(reader: IndexReader, request: SearchRequest) -> np.ndarray | None:
    """The documents the request's filters allow, or None when it has no filters."""
    values = reader.values
    mask: np.ndarray | None = None

    def narrow(allowed: np.ndarray) -> None:
        nonlocal mask
        mask = allowed if mask is None else mask & allowed

    if request.source:
        narrow(values.source.codes == values.source_code(request.source))
    if request.author:
        docs = reader.term_docs(schema.AUTHOR_KEY, schema.name_key(request.author))
        allowed = np.zeros(len(values.live), dtype=bool)
        allowed[docs] = True
        narrow(allowed)
    if request.date_from or request.date_to:
        allowed = values.dated.copy()
        if request.date_from:
            allowed &= values.published >= day_bound(request.date_from, end=False)
        if request.date_to:
            allowed &= values.published <= day_bound(request.date_to, end=True)
        narrow(allowed)
    return mask


def day_bound(day: str, *, end: bool) -> int:
    """Whoosh's datetime units for the start (or end) of an ISO day, for date filters."""
    value = datetime_to_long(datetime.fromisoformat(day))
    return int(value + _MICROSECONDS_PER_DAY - 1 if end else value)


def page_of_documents(
    reader: IndexReader, matches: Matches, request: SearchRequest
) -> list[tuple[int, float]]:
    """``(docnum, score)`` for the requested page, in the requested order."""
    start = (request.page - 1) * request.per_page
    wanted = request.page * request.per_page
    if request.sort != "relevance" or matches.scores is None:
        docs = by_date(reader.values, matches.mask, newest=request.sort != "oldest")
        return [(int(d), 0.0) for d in docs[start:wanted]]
    docs, scores = top_documents(matches.mask, matches.scores, wanted)
    return [(int(d), float(s)) for d, s in zip(docs[start:], scores[start:], strict=True)]


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


def by_date(values: DocValues, mask: np.ndarray, *, newest: bool) -> np.ndarray:
    """Matching documents by publication date; undated ones last, ties by document number."""
    docs = np.flatnonzero(mask)
    published = values.published[docs]
    when = -published if newest else published
    order = np.lexsort((docs, when, ~values.dated[docs]))
    return docs[order]


def facet_counts(reader: IndexReader, mask: np.ndarray) -> dict[str, tuple[FacetValue, ...]]:
    """The source and year facets of the matching documents, the largest first."""
    values = reader.values
    return {
        "source": _count(values.source, mask),
        "year": _count(values.year, mask),
    }


def all_facets(reader: IndexReader) -> dict[str, tuple[FacetValue, ...]]:
    """Source and year counts over the whole index, unabridged (for statistics)."""
    values = reader.values
    return {
        "source": _count(values.source, values.live, limit=None),
        "year": _count(values.year, values.live, limit=None),
    }


def _count(
    category: Category, mask: np.ndarray, limit: int | None = FACET_LIMIT
) -> tuple[FacetValue, ...]:
    codes = category.codes[mask]
    counts = np.bincount(codes[codes >= 0], minlength=len(category.names))
    ranked = sorted(
        (
            FacetValue(category.names[code], int(count))
            for code, count in enumerate(counts)
            if count
        ),
        key=lambda value: (-value.count, value.value),
    )
    return tuple(ranked if limit is None else ranked[:limit])
