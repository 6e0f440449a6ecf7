"""Reading a search request from query-string parameters, with errors that say how to fix them.

The web form and the JSON API both go through :func:`parse_request`, which is what gives them the
same power and the same limits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from search.errors import BadRequestError

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 10

# Long enough for a pasted paragraph: CISI's queries run to 2,000 characters, and a tenth of the
# test collections' queries are 500-1000 characters and rank worse cut short.  Each distinct word
# costs one posting list, so the limit also bounds the work of one search (docs/operations.md:
# a 4,000-character query is searched well inside the request time budget).
MAX_QUERY_LENGTH = 4000
MAX_PAGE = 1000
MAX_FILTER_LENGTH = 200
MAX_RELATED = 50
DEFAULT_RELATED = 5


@dataclass(frozen=True)
class SearchRequest:
    """One search as a user asked for it; validated by :func:`parse_request`.

    ``date_from`` and ``date_to`` are inclusive ISO days (``YYYY-MM-DD``) or None.
    """

    q: str
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    source: str | None = None
    author: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "source": self.source,
            "author": self.author,
            "from": self.date_from,
            "to": self.date_to,
        }


_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def parse_int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise BadRequestError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return value


def parse_day(raw: str | None, name: str, *, end: bool) -> str | None:
    """An inclusive date bound as ``YYYY-MM-DD``; ``YYYY`` and ``YYYY-MM`` mean the whole period."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if _YEAR.match(text):
            day = date(int(text), 12, 31) if end else date(int(text), 1, 1)
        elif _MONTH.match(text):
            year, month = int(text[:4]), int(text[5:])
            first = date(year, month, 1)
            if end:
                following = date(year + month // 12, month % 12 + 1, 1)
                day = date.fromordinal(following.toordinal() - 1)
            else:
                day = first
        else:
            day = date.fromisoformat(text)
    except ValueError:
        raise BadRequestError(
            f"{name} must be a date written YYYY-MM-DD (or YYYY, or YYYY-MM), not {raw!r}"
        ) from None
    return day.isoformat()


def _filter_value(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_FILTER_LENGTH:
        raise BadRequestError(f"{name} is longer than {MAX_FILTER_LENGTH} characters; shorten it")
    return " ".join(raw.split())


def parse_request(params: Mapping[str, str]) -> SearchRequest:
    """A validated request from ``q, page, per_page, sort, source, author, from, to``.

    Raises BadRequestError naming the parameter, its limit and how to fix it.
    """
    q = params.get("q") or ""
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequestError(
            f"q is {len(q)} characters long; a query may have at most {MAX_QUERY_LENGTH} "
            "characters: shorten it"
        )
    sort = (params.get("sort") or "relevance").strip().lower()
    if sort not in SORTS:
        raise BadRequestError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    # from after to is an empty range (no article matches), as a range query answers: the
    # OpenAPI document allows any two dates, so the API must too.
    date_from = parse_day(params.get("from"), "from", end=False)
    date_to = parse_day(params.get("to"), "to", end=True)
    return SearchRequest(
        q=q.strip(),
        page=parse_int(params, "page", 1, 1, MAX_PAGE),
        per_page=parse_int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        sort=sort,
        source=_filter_value(params, "source"),
        author=_filter_value(params, "author"),
        date_from=date_from,
        date_to=date_to,
    )


def parse_related_limit(params: Mapping[str, str]) -> int:
    return parse_int(params, "limit", DEFAULT_RELATED, 1, MAX_RELATED)
