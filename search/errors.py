"""The search package's exceptions; the web app maps them to HTTP statuses."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of everything the search package raises on purpose."""


class BadRequestError(SearchError):
    """A request that cannot be served as asked; the message says how to fix it (HTTP 400)."""


class ArticleNotFoundError(SearchError):
    """No article with the given id in the index (HTTP 404)."""
