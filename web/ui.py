"""The HTML pages: the search form, the results page and the article page.

The pages work without JavaScript: the form is a plain GET form, and sorting, filtering, the
timeline and paging are links that produce the same query string the JSON API accepts.  The one
small script (``static/artsearch.js``) only adds the ``/`` keyboard shortcut to the search box.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from search import BadRequestError, SearchRequest, parse_request
from web.extension import current_service
from web.search_links import (
    active_filters,
    arg_pairs,
    clear_filters,
    facet_groups,
    page_window,
    search_args,
    timeline_bars,
)
from web.templating import describe_filter_value

logger = logging.getLogger(__name__)

ui = Blueprint("ui", __name__)

# How many related articles the article page lists.
RELATED_ON_PAGE = 5

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest", "oldest": "Oldest"}


@ui.get("/")
def home() -> str:
    return render_template("home.html", form={}, autofocus=True)


@ui.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for /favicon.ico whatever the page links; answer it rather than 404 each time.
    return current_app.send_static_file("favicon.ico")


@ui.get("/search")
def search() -> str | tuple[str, int] | BaseResponse:
    try:
        search_request = parse_request(request.args)
    except BadRequestError as error:
        return _bad_request(error)
    canonical = search_args(search_request, {"page": search_request.page})
    if sorted(arg_pairs(canonical)) != sorted(request.args.items(multi=True)):
        # One URL per search: no empty parameters (a form's blank date field), no defaults.
        target: dict[str, Any] = dict(canonical)
        return redirect(url_for("ui.search", **target))
    try:
        results = current_service().search(search_request)
    except BadRequestError as error:
        return _bad_request(error)
    return render_template(
        "search.html",
        form=search_args(search_request),
        search_request=search_request,
        results=results,
        filters=active_filters(search_request, describe_filter_value),
        clear_filters=clear_filters(),
        groups=facet_groups(search_request, results, describe_filter_value),
        bars=timeline_bars(search_request, results.timeline),
        pages=page_window(search_request.page, results.page_count),
        sort_labels=SORT_LABELS,
    )


def _bad_request(error: BadRequestError) -> tuple[str, int]:
    # Show the form again, filled with what was sent, and say what to fix.
    logger.info("400 %s: %s", request.full_path, error)
    page = render_template("search.html", form=_sent_values(request.args), error=str(error))
    return page, 400


def _sent_values(args: Mapping[str, str]) -> dict[str, str]:
    """What the user sent, for refilling the form after an error (only the query box shows)."""
    return {"q": str(args.get("q", ""))}


@ui.get("/articles/<article_id>")
def article(article_id: str) -> str:
    service = current_service()
    found = service.article(article_id)
    context = _search_context()
    terms: frozenset[str] = frozenset()
    if context is not None and context.q:
        try:
            terms = service.marked_terms(context.q)
        except BadRequestError:
            terms = frozenset()
    related = service.related(article_id, limit=RELATED_ON_PAGE)
    return render_template(
        "article.html",
        article=found,
        related=related,
        context=context,
        terms=terms,
        form=search_args(context) if context is not None else {},
    )


def _search_context() -> SearchRequest | None:
    """The search an article was opened from (its parameters ride along in the article's URL),
    or None when there was none or it cannot be read."""
    if not request.args:
        return None
    try:
        return parse_request(request.args)
    except BadRequestError:
        return None
