"""Article index in, results out: query parsing, ranking, snippets, facets, suggestions, related.

Exceptions: :class:`SearchError` and its subclasses :class:`BadRequestError` (the request cannot be
served as asked; the message says how to fix it) and :class:`ArticleNotFoundError`.  A missing index
raises :class:`indexer.IndexNotFoundError`.
"""

from __future__ import annotations

from search.errors import ArticleNotFoundError, BadRequestError, SearchError
from search.request import MAX_QUERY_LENGTH, MAX_RELATED, SearchRequest, parse_request
from search.results import FacetValue, Hit, IndexStats, RelatedHit, SearchResults
from search.service import SearchService

__all__ = [
    "MAX_QUERY_LENGTH",
    "MAX_RELATED",
    "ArticleNotFoundError",
    "BadRequestError",
    "FacetValue",
    "Hit",
    "IndexStats",
    "RelatedHit",
    "SearchError",
    "SearchRequest",
    "SearchResults",
    "SearchService",
    "parse_request",
]
