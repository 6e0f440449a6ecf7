"""The JSON API under ``/api``: search, articles, related articles, stats and its OpenAPI document.

Responses are the ``to_dict()`` of the search package's result types, never hand-built from index
fields.  Errors share one shape, ``{"error": {"status": N, "message": "..."}}`` (see
:mod:`web.errors`); :mod:`web.openapi` documents every route and parameter here, and every request
is checked against that document before its view runs (:mod:`web.parameters`).

``/api/search?format=csv`` (or ``jsonl``) streams every match, not one page, as it is read from
the index: at most ``EXPORT_LIMIT`` articles (app config, default :data:`DEFAULT_EXPORT_LIMIT`),
with the total in ``X-Total-Count`` so a client can tell when it got fewer than all.  Longer
exports belong to ``artsearch export``, which has no limit.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from search import SearchRequest, parse_request
from search.export import MEDIA_TYPES, STREAMED_FORMATS, csv_lines, jsonl_lines
from search.request import parse_related_limit
from search.results import public_article
from web.errors import API_PREFIX
from web.extension import current_service
from web.openapi import DEFAULT_EXPORT_LIMIT, openapi_document
from web.parameters import check_query

api = Blueprint("api", __name__, url_prefix=API_PREFIX)


@api.before_request
def check_parameters() -> None:
    """Refuse parameters the OpenAPI document does not allow for the route (400, naming them)."""
    if request.url_rule is not None and request.method in ("GET", "HEAD"):
        check_query(request.url_rule.rule, "GET", request.args)


@api.get("/search")
def search() -> ResponseReturnValue:
    search_request = parse_request(request.args)
    form = request.args.get("format", "json")
    if form in STREAMED_FORMATS:
        return _export(search_request, form)
    results = current_service().search(search_request)
    return jsonify(results.to_dict())


def _export(search_request: SearchRequest, form: str) -> Response:
    limit = int(current_app.config.get("EXPORT_LIMIT", DEFAULT_EXPORT_LIMIT))
    matches = current_service().all_matches(search_request, limit=limit)
    lines = jsonl_lines(matches) if form == "jsonl" else csv_lines(matches)
    response = Response(lines, mimetype=MEDIA_TYPES[form])
    response.call_on_close(matches.close)  # a client that leaves early frees the index version
    response.headers["X-Total-Count"] = str(matches.total)
    response.headers["X-Export-Limit"] = str(limit)
    response.headers["Content-Disposition"] = f'attachment; filename="artsearch.{form}"'
    return response


@api.get("/articles/<article_id>")
def article(article_id: str) -> ResponseReturnValue:
    return jsonify(public_article(current_service().article(article_id)))


@api.get("/articles/<article_id>/related")
def related(article_id: str) -> ResponseReturnValue:
    limit = parse_related_limit(request.args)
    hits = current_service().related(article_id, limit=limit)
    return jsonify({"id": article_id, "results": [hit.to_dict() for hit in hits]})


@api.get("/stats")
def stats() -> ResponseReturnValue:
    return jsonify(current_service().stats().to_dict())


@api.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    document: dict[str, Any] = openapi_document()
    return jsonify(document)
