"""The Flask application factory.

Configuration is read in three layers, later ones winning: :data:`DEFAULTS`, then the
``ARTSEARCH_*`` environment variables in :data:`ENVIRONMENT_KEYS`, then the ``config`` mapping
passed to :func:`create_app` (what the tests use).  Building the app opens nothing: the search
service is created on the first request that needs it (see :mod:`web.extension`).

Run it with gunicorn, one worker per core (Whoosh searches are CPU-bound pure Python)::

    ARTSEARCH_INDEX=var/index gunicorn --workers 2 "web.app:create_app()"
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from web.api import api
from web.errors import register_error_handlers
from web.extension import install_service
from web.templating import register_template_helpers
from web.ui import ui

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": "var/index",
    "CORPUS_DIR": None,
    "LOG_LEVEL": "INFO",
}

# Environment variable -> config key.
ENVIRONMENT_KEYS = {
    "ARTSEARCH_INDEX": "INDEX_DIR",
    "ARTSEARCH_CORPUS": "CORPUS_DIR",
    "ARTSEARCH_LOG_LEVEL": "LOG_LEVEL",
}

# The pages use no inline script or style and no third-party resources: only our own stylesheet,
# icons and one small script file (the "/" shortcut) are allowed, so a script that slipped past
# escaping in article text would still not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# The loggers of our own packages; the level applies to all three.
_PACKAGE_LOGGERS = ("web", "search", "indexer")


def config_from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The config keys set by ``ARTSEARCH_*`` variables in ``environ`` (empty values ignored)."""
    return {key: environ[name] for name, key in ENVIRONMENT_KEYS.items() if environ.get(name)}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the artsearch web app: the HTML UI at ``/`` and the JSON API at ``/api``."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config_from_environment(os.environ))
    if config:
        app.config.update(config)
    # Keep non-ASCII titles readable in API responses.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    _configure_logging(str(app.config["LOG_LEVEL"]))
    install_service(app)
    register_template_helpers(app)
    app.register_blueprint(ui)
    app.register_blueprint(api)
    register_error_handlers(app)
    app.after_request(_add_security_headers)
    logger.info("artsearch web app serving the index at %s", app.config["INDEX_DIR"])
    return app


def _configure_logging(level: str) -> None:
    # Only add a handler when nobody configured logging yet (gunicorn, pytest and the CLI do).
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in _PACKAGE_LOGGERS:
        logging.getLogger(name).setLevel(level.upper())


def _add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
