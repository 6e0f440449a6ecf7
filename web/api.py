"""The JSON API under ``/api``: search, articles, related articles, stats and its OpenAPI document.

Responses are the ``to_dict()`` of the search package's result types, never hand-built from index
fields.  Errors share one shape, ``{"error": {"status": N, "message": "..."}}`` (see
:mod:`web.errors`); :mod:`web.openapi` documents every route and parameter here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from search import parse_request
from search.request import parse_related_limit
from web.errors import API_PREFIX
from web.extension import current_service
from web.openapi import openapi_document

api = Blueprint("api", __name__, url_prefix=API_PREFIX)


@api.get("/search")
def search() -> ResponseReturnValue:
    results = current_service().search(parse_request(request.args))
    return jsonify(results.to_dict())


@api.get("/articles/<article_id>")
def article(article_id: str) -> ResponseReturnValue:
    return jsonify(current_service().article(article_id).to_dict())


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
