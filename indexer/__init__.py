"""HTML in, Article out, index built.

Exceptions (all subclasses of :class:`IndexerError`):

- :class:`ExtractionError` -- a page cannot yield an article; its message is the skip reason.
- :class:`IndexNotFoundError` -- no index where one was expected; the message says how to build one.
- :class:`IndexBusyError` -- another process is writing the index.
"""

from __future__ import annotations

from indexer.article import Article
from indexer.errors import ExtractionError, IndexBusyError, IndexerError, IndexNotFoundError

__all__ = [
    "Article",
    "ExtractionError",
    "IndexBusyError",
    "IndexNotFoundError",
    "IndexerError",
]
