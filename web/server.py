"""Running the app under gunicorn, the production WSGI server behind `artsearch serve`.

Whoosh searches are CPU-bound pure Python, so worker processes are what use every core; threads
in each worker overlap the I/O of slow clients.  Each request opens its own searcher, so threads
never share one (DECISIONS.md rules 1 and 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from web.app import create_app


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


def run_server(index_dir: Path, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    _ArtsearchServer(
        index_dir,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
        },
    ).run()
