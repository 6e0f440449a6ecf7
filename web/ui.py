"""The HTML pages: the search form, the results page and the article page.

The pages work without JavaScript: the form is a plain GET form, and sorting, filtering and paging
are links or form fields that produce the same query string the JSON API accepts.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request

from search import BadRequestError, SearchRequest, parse_request
from web.extension import current_service
from web.search_links import (
    active_filters,
    is_year,
    page_window,
    search_args,
    year_range,
)

logger = logging.getLogger(__name__)

ui = Blueprint("ui", __name__)

# How many related articles the article page lists.
RELATED_ON_PAGE = 5

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}


@ui.get("/")
def home() -> str:
    return render_template("home.html", form={}, sort_labels=SORT_LABELS)


@ui.get("/search")
def search() -> str | tuple[str, int]:
    try:
        search_request = parse_request(request.args)
        results = current_service().search(search_request)
    except BadRequestError as error:
        # Show the form again, filled with what was sent, and say what to fix.
        logger.info("400 %s: %s", request.full_path, error)
        page = render_template(
            "search.html", form=request.args, error=str(error), sort_labels=SORT_LABELS
        )
        return page, 400
    return render_template(
        "search.html",
        form=_form_values(search_request),
        search_request=search_request,
        results=results,
        filters=active_filters(search_request),
        pages=page_window(search_request.page, results.page_count),
        year_range=year_range,
        is_year=is_year,
        sort_labels=SORT_LABELS,
    )


@ui.get("/articles/<article_id>")
def article(article_id: str) -> str:
    service = current_service()
    found = service.article(article_id)
    related = service.related(article_id, limit=RELATED_ON_PAGE)
    return render_template("article.html", article=found, related=related)


def _form_values(search_request: SearchRequest) -> dict[str, str]:
    # The normalised request, so the form shows what was actually searched for.
    values = search_args(search_request)
    values.pop("page", None)
    return values
