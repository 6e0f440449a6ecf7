"""The application's one :class:`search.SearchService`, created on first use.

It is created lazily, not in ``create_app``, so that building the app opens nothing and an app
started before its index exists still serves the "no index yet" page and picks the index up once
it has been built.  One instance serves every request: the service checks a searcher out of the live
index version for each request (never shared by two threads, never refreshed), so it is safe to
share between threads.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from search import SearchService

_EXTENSION_KEY = "artsearch.search_service"


class _LazyService:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._service: SearchService | None = None

    def get(self) -> SearchService:
        # The lock makes two first requests on two threads agree on one instance.
        with self._lock:
            if self._service is None:
                self._service = SearchService(self.index_dir)
            return self._service

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def install_service(app: Flask) -> None:
    """Attach the (not yet created) service for ``app.config["INDEX_DIR"]`` to ``app``."""
    app.extensions[_EXTENSION_KEY] = _LazyService(Path(app.config["INDEX_DIR"]))


def current_service() -> SearchService:
    """The current app's search service; raises ``IndexNotFoundError`` if there is no index."""
    lazy: _LazyService = current_app.extensions[_EXTENSION_KEY]
    return lazy.get()


def close_service(app: Flask) -> None:
    """Release the files ``app``'s service holds open, if it was created (the next request opens
    them again).  A server's workers never need it; a program making apps one after another
    does."""
    lazy: _LazyService = app.extensions[_EXTENSION_KEY]
    lazy.close()
