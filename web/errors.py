"""One error shape for the JSON API, HTML error pages for everything else.

Every failure leaves the app as a deliberate status: bad parameters or query syntax 400, unknown
article ids and URLs 404, wrong method 405, no index yet 503.  Handlers are registered on the app,
not on the ``api`` blueprint, because a URL that matches no route belongs to no blueprint: only an
app-level handler can answer an unknown ``/api/...`` URL with JSON.

The JSON shape is ``{"error": {"status": N, "message": "..."}}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer import IndexNotFoundError
from search import ArticleNotFoundError, BadRequestError

logger = logging.getLogger(__name__)

API_PREFIX = "/api"

_NO_INDEX_HINT = "run `artsearch index CORPUS` to build it"


def is_api_request() -> bool:
    """True when the current URL is under ``/api``, whether or not a route matched it."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def json_error(status: int, message: str) -> Response:
    """The API's error response: ``{"error": {"status": ..., "message": ...}}``."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, message=message), status


def _http_error_message(error: HTTPException) -> str:
    # Werkzeug's stock texts talk about "the server"; an API client is better served by a
    # message that names what it asked for and where the list of routes is.
    if is_api_request() and request.url_rule is None and error.code == 404:
        return f"no API route {request.path}: see {API_PREFIX}/openapi.json for the routes"
    if error.code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or ()))
        return f"method {request.method} is not allowed on {request.path}; allowed: {allowed}"
    return error.description or error.name


def _handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    message = _http_error_message(error)
    if is_api_request():
        response = json_error(status, message)
    else:
        response = current_app.make_response(_error_page(status, error.name, message))
    # Keep headers such as 405's Allow, but not werkzeug's HTML content type.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_bad_request(error: BadRequestError) -> Response | tuple[str, int]:
    logger.info("400 %s: %s", request.path, error)
    if is_api_request():
        return json_error(400, str(error))
    return _error_page(400, "Bad request", str(error))


def _handle_article_not_found(error: ArticleNotFoundError) -> Response | tuple[str, int]:
    logger.info("404 %s: %s", request.path, error)
    if is_api_request():
        return json_error(404, str(error) or "no such article")
    return _error_page(404, "Article not found", str(error) or "There is no article with this id.")


def no_index_message(error: IndexNotFoundError) -> str:
    """The error's own message (it says how to fix it), or a fallback that does."""
    message = str(error)
    if message:
        return message
    return f"no index at {current_app.config['INDEX_DIR']}: {_NO_INDEX_HINT}"


def _handle_index_not_found(error: IndexNotFoundError) -> Response | tuple[str, int]:
    message = no_index_message(error)
    # A warning, not an error: the app is healthy, the operator has not built an index yet.
    logger.warning("503 %s: %s", request.path, message)
    if is_api_request():
        return json_error(503, message)
    page = render_template(
        "no_index.html",
        message=message,
        index_dir=current_app.config["INDEX_DIR"],
        corpus_dir=current_app.config.get("CORPUS_DIR"),
    )
    return page, 503


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app`` (see the module docstring for why app-level)."""
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(BadRequestError, _handle_bad_request)
    app.register_error_handler(ArticleNotFoundError, _handle_article_not_found)
    app.register_error_handler(IndexNotFoundError, _handle_index_not_found)
