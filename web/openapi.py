"""The OpenAPI 3.1 description of the JSON API, written as data.

The limits come from the search package's own constants, so the document cannot drift from what
:func:`search.parse_request` enforces; ``tests/test_openapi.py`` checks the routes and parameters
against the Flask URL map and the response bodies against these schemas.
"""

from __future__ import annotations

import copy
from typing import Any

from search import MAX_QUERY_LENGTH, MAX_RELATED
from search.export import STREAMED_FORMATS
from search.request import (
    DEFAULT_PER_PAGE,
    DEFAULT_RELATED,
    GROUPS,
    MAX_FILTER_LENGTH,
    MAX_FILTER_VALUES,
    MAX_PAGE,
    MAX_PER_PAGE,
    SORTS,
)

OPENAPI_VERSION = "3.1.0"
# Formats of /api/search: one page as JSON, or every match streamed (web/api.py).
EXPORT_FORMATS = ("json", *STREAMED_FORMATS)
# The most articles one export streams by default (web.api reads EXPORT_LIMIT from the config).
DEFAULT_EXPORT_LIMIT = 100_000
API_VERSION = "1.0.0"

_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
# A day (YYYY-MM-DD), or null: every date the API returns has this one format.
_NULLABLE_DAY: dict[str, Any] = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}],
    "description": "A day, YYYY-MM-DD (null when unknown).",
}
_PUBLISHED_TIME: dict[str, Any] = {
    "type": ["string", "null"],
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?"
    r"([+-][0-9]{2}:[0-9]{2}|Z)?$",
    "description": "The time of publication as the page stated it (ISO 8601, with its UTC "
    "offset when the page gave one); null when the page gave a day only.",
}
# Years 0001-9999 (the calendar has no year 0), months 01-12; a full date is checked as a date
# (2024-02-30 is no day).  ASCII digits only: [0-9], not \d.
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_DATE_BOUND_EXPECTED = "a date written YYYY-MM-DD, YYYY-MM or YYYY (a real day, month or year)"


def _date_bound() -> dict[str, Any]:
    return {
        "type": "string",
        "anyOf": [
            {"pattern": f"^{_YEAR}$"},
            {"pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"},
            {"format": "date"},
        ],
        "x-expected": _DATE_BOUND_EXPECTED,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    # Every property is always present (None becomes null), so all are required.
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _repeatable(name: str, description: str, item: dict[str, Any]) -> dict[str, Any]:
    """A filter parameter that may be repeated (``source=A&source=B``): any of its values."""
    parameter = _query(
        name,
        description + " Repeat the parameter for several values: an article with any of them "
        "matches; different filters all apply.",
        {"type": "array", "items": item, "maxItems": MAX_FILTER_VALUES},
    )
    return {**parameter, "style": "form", "explode": True}


_HIT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "description": "The article id (content-derived, stable)."},
    "path": {"type": "string", "description": "The page's path inside the corpus folder."},
    "title": {"type": "string"},
    "url": {**_NULLABLE_STRING, "description": "The article's original URL, when known."},
    "source": _NULLABLE_STRING,
    "authors": _STRINGS,
    "published": _NULLABLE_DAY,
    "published_time": _PUBLISHED_TIME,
    "language": {
        **_NULLABLE_STRING,
        "description": "The article's language as detected (a BCP 47 code such as en, de).",
    },
    "snippet": {
        "type": "string",
        "description": "HTML: the article text escaped, matched terms wrapped in <mark>.",
    },
    "title_html": {
        "type": "string",
        "description": "HTML: the title escaped, matched terms wrapped in <mark>.",
    },
    "score": {"type": "number"},
    "versions": {
        "type": "integer",
        "minimum": 1,
        "description": "How many versions (copies, from any outlet or page) the result's story "
        "has; the article page lists them.",
    },
    "story": {
        "oneOf": [{"type": "null"}, _ref("StorySummary")],
        "description": "The result's story (null for an index built before stories).",
    },
}

_VERSION = _object(
    {
        "article_id": {"type": "string", "description": "The text this copy prints."},
        "path": {"type": "string"},
        "title": {"type": "string", "description": "The title as this copy printed it."},
        "source": _NULLABLE_STRING,
        "url": _NULLABLE_STRING,
        "published": _NULLABLE_STRING,
        "modified": _NULLABLE_STRING,
        "embedded": {"type": "boolean"},
        "relation": {
            "type": "string",
            "description": "main, identical, near-duplicate, contained or contains: how its "
            "text relates to the story's main version.",
        },
        "reason": {"type": "string", "description": "The relation in words."},
        "jaccard": {
            "type": ["number", "null"],
            "description": "Share of word 5-grams the text has in common with the main version.",
        },
        "containment": {
            "type": ["number", "null"],
            "description": "Share of the smaller text's word 5-grams found in the other.",
        },
    }
)

_FACET_LIST: dict[str, Any] = {"type": "array", "items": _ref("FacetValue")}

_SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "status": {"type": "integer", "description": "The HTTP status again."},
                    "message": {"type": "string", "description": "What is wrong, how to fix it."},
                }
            )
        }
    ),
    "FacetValue": _object(
        {
            "value": {
                "type": "string",
                "description": "The value to pass back in the filter parameter of its group.",
            },
            "count": {
                "type": "integer",
                "description": "Results with this value (stories or articles, as the "
                "response's counts says; a story counts under each outlet that printed it), "
                "counted with every other group's filters but not this group's own (so a "
                "chosen group still lists the others).",
            },
            "selected": {"type": "boolean", "description": "Chosen in this request."},
        }
    ),
    "TimelineBar": _object(
        {
            "period": {"type": "string", "description": "YYYY, or YYYY-MM for a month."},
            "unit": {"type": "string", "enum": ["year", "month"]},
            "from": {"type": "string", "description": "The period's first day (YYYY-MM-DD)."},
            "to": {"type": "string", "description": "The period's last day (YYYY-MM-DD)."},
            "count": {"type": "integer", "minimum": 0},
        }
    ),
    "StorySummary": _object(
        {
            "versions": {"type": "integer", "minimum": 1},
            "texts": {"type": "integer", "minimum": 1},
            "outlets": _STRINGS,
            "first_published": _NULLABLE_DAY,
            "last_updated": _NULLABLE_DAY,
        }
    ),
    "Version": _VERSION,
    "Story": _object(
        {
            "id": {"type": "integer"},
            "main_id": {"type": "string"},
            "first_published": _NULLABLE_STRING,
            "last_updated": _NULLABLE_STRING,
            "versions": {"type": "array", "items": _ref("Version")},
        }
    ),
    "SearchHit": _object(_HIT_PROPERTIES),
    "SearchResults": _object(
        {
            "query": {"type": "string", "description": "The query as sent."},
            "searched": {
                "type": "string",
                "description": "The query these results are for: the query as sent, or its "
                "corrected spelling when that was searched instead (see corrected).",
            },
            "corrected": {
                "type": "boolean",
                "description": "True when the query as sent found nothing (or its misspelt "
                "words matched nothing) and its corrected spelling was searched instead; "
                "send verbatim=1 to search the query as sent.",
            },
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "What the results list: stories (counts = stories) or articles.",
            },
            "counts": {
                "type": "string",
                "enum": ["stories", "documents"],
                "description": "What total, the facet counts and the timeline count: stories "
                "(group=story: each story once) or documents (distinct article texts).",
            },
            "total_stories": {"type": ["integer", "null"], "minimum": 0},
            "total_documents": {"type": "integer", "minimum": 0},
            "group": {"type": "string", "enum": list(GROUPS)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": list(SORTS)},
            "filters": {
                "type": "object",
                "description": "The filters applied, as the request gave them (normalised).",
                "properties": {
                    **{name: _STRINGS for name in ("source", "author", "tag", "lang", "year")},
                    "from": _NULLABLE_STRING,
                    "to": _NULLABLE_STRING,
                },
                "additionalProperties": False,
            },
            "results": {"type": "array", "items": _ref("SearchHit")},
            "facets": {
                "type": "object",
                "description": "Counts over all matches, not only this page; each group is "
                "counted without its own filter. Sources, authors and tags: the largest "
                "first (20 at most, plus the chosen ones); languages: the largest first; "
                "years: in date order.",
                "properties": {
                    name: _FACET_LIST for name in ("source", "author", "tag", "lang", "year")
                },
                "additionalProperties": _FACET_LIST,
            },
            "timeline": {
                "type": "array",
                "items": _ref("TimelineBar"),
                "description": "Matching articles per year, or per month when they span at "
                "most two calendar years; every period from the first to the last. Empty "
                "when the results fall in fewer than two periods.",
            },
            "suggestion": {
                **_NULLABLE_STRING,
                "description": 'A corrected query ("did you mean"), or null.',
            },
        }
    ),
    "Article": _object(
        {
            "id": {"type": "string"},
            "path": {"type": "string"},
            "title": {"type": "string"},
            "body": {
                "type": "string",
                "description": "Plain text; paragraphs split by a blank line.",
            },
            "authors": _STRINGS,
            "source": _NULLABLE_STRING,
            "published": _NULLABLE_DAY,
            "published_time": _PUBLISHED_TIME,
            "modified": _NULLABLE_DAY,
            "language": _NULLABLE_STRING,
            "url": _NULLABLE_STRING,
            "description": _NULLABLE_STRING,
            "tags": _STRINGS,
            "image": _NULLABLE_STRING,
            "license": _NULLABLE_STRING,
            "embedded": {
                "type": "boolean",
                "description": "True for an article found inside another page (a related rail).",
            },
            "provenance": {
                "type": "object",
                "description": "Field name -> where its value came from (json-ld, meta, ...).",
                "additionalProperties": {"type": "string"},
            },
            "versions": {
                "type": "array",
                "items": _ref("Version"),
                "description": "Every copy of this text (each outlet, URL, date, page).",
            },
            "story": {
                "oneOf": [{"type": "null"}, _ref("Story")],
                "description": "The story: every version of every text grouped with this one.",
            },
        }
    ),
    "RelatedHit": _object(
        {
            **_HIT_PROPERTIES,
            "reason": _object(
                {
                    "shared_terms": _STRINGS,
                    "text": {"type": "string", "description": '"Shares: a, b" or empty.'},
                    "standout": {
                        "type": "number",
                        "description": "How far the answer's score stands out from the "
                        "article's similarity to every other article, in robust standard "
                        "deviations above the median (answers below 3 are not offered).",
                    },
                }
            ),
        }
    ),
    "RelatedResults": _object(
        {
            "id": {"type": "string", "description": "The article the results are related to."},
            "results": {"type": "array", "items": _ref("RelatedHit")},
        }
    ),
    "IndexStats": _object(
        {
            "articles": {"type": "integer", "minimum": 0},
            "stories": {"type": ["integer", "null"], "minimum": 0},
            "sources": {"type": "array", "items": _ref("FacetValue")},
            "years": {"type": "array", "items": _ref("FacetValue")},
            "size_bytes": {"type": "integer", "minimum": 0},
            "built_at": _NULLABLE_STRING,
        }
    ),
}

_RESPONSES: dict[str, Any] = {
    "BadRequest": _json(
        _ref("Error"),
        "A parameter or the query cannot be served as sent: an unknown parameter, one given "
        "twice that is not repeatable, or a value the parameter's schema does not allow.",
    ),
    "NotFound": _json(_ref("Error"), "No article with this id."),
    "NoIndex": _json(_ref("Error"), "No index has been built yet."),
}

_ARTICLE_ID: dict[str, Any] = {
    "name": "article_id",
    "in": "path",
    "required": True,
    "description": "An article id from search results.",
    "schema": {"type": "string"},
}

_SEARCH_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "q",
        "The query: one or two words are all required (either, when no article has both); "
        'three or more match any word, ranked; "a phrase", OR, -word, '
        "title:/author:/source:/tags:, word* (at least 3 letters). "
        "Empty lists articles by the filters alone.",
        {"type": "string", "maxLength": MAX_QUERY_LENGTH, "default": ""},
    ),
    _query(
        "page",
        "The page of results. A page past the last one answers 200 with no results and the total.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    _query(
        "per_page",
        "Results per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
    _query(
        "sort",
        "Order of results.",
        {"type": "string", "enum": list(SORTS), "default": "relevance"},
    ),
    _repeatable(
        "source",
        "Only articles from this source (case and spacing aside).",
        {"type": "string", "maxLength": MAX_FILTER_LENGTH},
    ),
    _repeatable(
        "author",
        "Only articles by this author (case and spacing aside).",
        {"type": "string", "maxLength": MAX_FILTER_LENGTH},
    ),
    _repeatable(
        "tag",
        "Only articles with this tag (case aside).",
        {"type": "string", "maxLength": MAX_FILTER_LENGTH},
    ),
    _repeatable(
        "lang",
        "Only articles in this language: a code as the facets list it (en, de, fr, zh ...).",
        {"type": "string", "maxLength": MAX_FILTER_LENGTH},
    ),
    _repeatable(
        "year",
        "Only articles published in this year.",
        {"type": "string", "pattern": r"^\d{4}$"},
    ),
    _query(
        "from",
        "Published on or after this day: YYYY-MM-DD, or YYYY / YYYY-MM for its first day.",
        _date_bound(),
    ),
    _query(
        "to",
        "Published on or before this day: YYYY-MM-DD, or YYYY / YYYY-MM for its last day.",
        _date_bound(),
    ),
    _query(
        "format",
        "json: one page of results (SearchResults). csv or jsonl: every match, not one page "
        f"(page and per_page are not used), in the order of sort, streamed: at most "
        f"{DEFAULT_EXPORT_LIMIT:,} articles by default (the server's EXPORT_LIMIT), the total "
        "in the X-Total-Count header. Columns: id, title, authors, source, published, "
        "published_time, modified, url, language, tags, description, path; jsonl adds body. "
        'In CSV, authors and tags are joined with "; ".',
        {"type": "string", "enum": list(EXPORT_FORMATS), "default": "json"},
    ),
    _query(
        "group",
        "story: each story once (its best-matching version, with how many versions it has); "
        "none: every article apart.",
        {"type": "string", "enum": list(GROUPS), "default": "story"},
    ),
    _query(
        "verbatim",
        "1 to search the query exactly as sent. Otherwise, when it finds nothing (or its "
        "misspelt words match nothing) and a corrected spelling finds articles, the corrected "
        "query is searched and the response says so (searched, corrected).",
        {"type": "boolean", "default": False},
    ),
]

_EXPORT_HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "How many articles match (the export holds at most X-Export-Limit).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-Export-Limit": {
        "description": "The most articles one export streams.",
        "schema": {"type": "integer", "minimum": 1},
    },
}

_NO_INDEX = {"503": _response_ref("NoIndex")}

_PATHS: dict[str, Any] = {
    "/api/search": {
        "get": {
            "operationId": "search",
            "summary": "Search the articles",
            "parameters": _SEARCH_PARAMETERS,
            "responses": {
                "200": {
                    "description": "One page of results (format=json), or every match as CSV "
                    "or JSON Lines (format=csv, format=jsonl).",
                    "headers": _EXPORT_HEADERS,
                    "links": {
                        "GetFirstArticle": {
                            "operationId": "getArticle",
                            "parameters": {"article_id": "$response.body#/results/0/id"},
                            "description": "The first result's article.",
                        },
                        "GetFirstRelated": {
                            "operationId": "getRelated",
                            "parameters": {"article_id": "$response.body#/results/0/id"},
                            "description": "Articles related to the first result.",
                        },
                    },
                    "content": {
                        "application/json": {"schema": _ref("SearchResults")},
                        "text/csv": {"schema": {"type": "string"}},
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                },
                "400": _response_ref("BadRequest"),
                **_NO_INDEX,
            },
        }
    },
    "/api/articles/{article_id}": {
        "get": {
            "operationId": "getArticle",
            "summary": "One article with all its fields and its body",
            "parameters": [_ARTICLE_ID],
            "responses": {
                "200": _json(_ref("Article"), "The article."),
                "400": _response_ref("BadRequest"),
                "404": _response_ref("NotFound"),
                **_NO_INDEX,
            },
        }
    },
    "/api/articles/{article_id}/related": {
        "get": {
            "operationId": "getRelated",
            "summary": "Articles related to one article, with the terms they share",
            "parameters": [
                _ARTICLE_ID,
                _query(
                    "limit",
                    "How many related articles at most.",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_RELATED,
                        "default": DEFAULT_RELATED,
                    },
                ),
            ],
            "responses": {
                "200": _json(_ref("RelatedResults"), "The related articles, best first."),
                "400": _response_ref("BadRequest"),
                "404": _response_ref("NotFound"),
                **_NO_INDEX,
            },
        }
    },
    "/api/stats": {
        "get": {
            "operationId": "getStats",
            "summary": "What the index holds",
            "responses": {
                "200": _json(_ref("IndexStats"), "Counts, sizes and when the index was built."),
                "400": _response_ref("BadRequest"),
                **_NO_INDEX,
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "getOpenAPI",
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 description of the API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": _response_ref("BadRequest"),
            },
        }
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": OPENAPI_VERSION,
    "info": {
        "title": "artsearch API",
        "version": API_VERSION,
        "description": (
            "Full-text search over a folder of articles. Every error, including unknown /api/ "
            "URLs (404) and wrong methods (405), answers with the Error schema: "
            '{"error": {"status": N, "message": "..."}}. The message says how to fix the request. '
            "Parameters are checked against this document: an unknown parameter, or one given "
            "twice that is not an array (repeatable), is a 400 naming it, never silently "
            "ignored. Dates are days, YYYY-MM-DD."
        ),
    },
    "paths": _PATHS,
    "components": {"schemas": _SCHEMAS, "responses": _RESPONSES},
}


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may change it without changing the next one)."""
    return copy.deepcopy(_DOCUMENT)
