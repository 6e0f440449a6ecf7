"""The Flask application factory.

Configuration is read in layers, later ones winning: :data:`DEFAULTS`, the TOML file named by
``ARTSEARCH_CONFIG``, the ``ARTSEARCH_*`` environment variables in :data:`ENVIRONMENT_KEYS`, then
the ``config`` mapping passed to :func:`create_app` (command-line options, the tests); see
:mod:`web.config`.  Building the app opens nothing: the search service is created on the first
request that needs it (see :mod:`web.extension`).

Besides the pages and the API, the app serves ``/search.atom`` and ``/opensearch.xml``
(:mod:`web.feeds`), ``/healthz`` and ``/metrics`` (:mod:`web.metrics`).  CORS headers are sent on
``/api/`` responses only for the origins in ``CORS_ORIGINS`` (none by default).

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
from web.config import DEFAULTS, ENVIRONMENT_KEYS, config_from_environment, load_config
from web.errors import register_error_handlers
from web.extension import install_service
from web.feeds import feeds
from web.metrics import install_metrics
from web.templating import register_template_helpers
from web.ui import ui

__all__ = ["DEFAULTS", "ENVIRONMENT_KEYS", "config_from_environment", "create_app"]

logger = logging.getLogger(__name__)

# The pages use no inline script or style and no third-party resources: only our own stylesheet,
# icons and one small script file (the "/" shortcut) are allowed, so a script that slipped past
# escaping in article text would still not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# The loggers of our own packages; the level applies to all three.
_PACKAGE_LOGGERS = ("web", "search", "indexer")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the artsearch web app: the HTML UI at ``/`` and the JSON API at ``/api``."""
    app = Flask(__name__)
    app.config.update(load_config(os.environ, config))
    # Keep non-ASCII titles readable in API responses.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    _configure_logging(str(app.config["LOG_LEVEL"]))
    install_service(app)
    install_metrics(app)
    register_template_helpers(app)
    app.register_blueprint(ui)
    app.register_blueprint(api)
    app.register_blueprint(feeds)
    register_error_handlers(app)
    app.after_request(_add_security_headers)
    origins = list(app.config.get("CORS_ORIGINS") or [])
    if origins:
        from flask_cors import CORS

        # Read-only API: GET only, no credentials; "*" allows any origin.
        CORS(app, resources={r"/api/*": {"origins": origins}}, methods=["GET", "HEAD"])
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
