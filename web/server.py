"""Running the app under gunicorn, the production WSGI server behind `artsearch serve`.

Whoosh searches are CPU-bound pure Python, so worker processes are what use every core; threads
in each worker overlap the I/O of slow clients.  Each request checks out a searcher of its own, so
threads never share one (docs/decisions.md, Whoosh rules 1 and 2).  Each worker opens the live
index version before it accepts requests (see :func:`warm_worker`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from web.app import create_app
from web.extension import current_service

log = logging.getLogger(__name__)


class _ArtsearchServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, index_dir: Path, options: dict[str, Any]) -> None:
        self.index_dir = index_dir
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Built in each worker after the fork, so no worker inherits open files from the parent.
        return create_app({"INDEX_DIR": str(self.index_dir)})


def warm_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init`` hook: warm the worker's search caches.

    It runs in each worker after the app is loaded and before the worker accepts a request, so no
    client waits for the caches each process loads on its first search (~2.8 s at 100,000
    articles).  A failure is logged and the worker serves anyway: the caches then load on the
    first request, as they would without warming.
    """
    app = worker.wsgi
    if not isinstance(app, Flask):
        return  # the app failed to load; gunicorn serves its error app, nothing to warm
    started = time.perf_counter()
    try:
        with app.app_context():
            current_service().warm()
    except Exception:  # a cold cache is slow, not fatal: keep the worker
        log.exception("warming the search caches failed; the first request will load them")
        return
    elapsed = time.perf_counter() - started
    log.info("worker %s warmed its search caches in %.2f s", worker.pid, elapsed)


def server_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings `artsearch serve` runs with."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "post_worker_init": warm_worker,
    }


def run_server(index_dir: Path, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    options = server_options(host=host, port=port, workers=workers, threads=threads)
    _ArtsearchServer(index_dir, options).run()
