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
# ``story`` shows each story once (its best-matching version), ``none`` every text apart.
GROUPS = ("story", "none")
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


# The repeatable filter parameters, each a facet group: several values of one parameter are
# alternatives (OR), different parameters all apply (AND).  Parameter name -> SearchRequest field.
FILTER_PARAMETERS = {
    "source": "sources",
    "author": "authors",
    "tag": "tags",
    "lang": "languages",
    "year": "years",
}
# Values one filter parameter may have at once: more than a person ticks, few enough that a
# request's filter masks stay cheap.
MAX_FILTER_VALUES = 20
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class SearchRequest:
    """One search as a user asked for it; validated by :func:`parse_request`.

    ``date_from`` and ``date_to`` are inclusive ISO days (``YYYY-MM-DD``) or None.  The filter
    tuples hold the values of the repeatable parameters in :data:`FILTER_PARAMETERS`: values of
    one parameter are alternatives, parameters combine.  ``verbatim`` searches the query as
    typed even when it finds nothing and a corrected spelling would.
    """

    q: str
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    verbatim: bool = False
    group: str = "story"

    def selected(self, parameter: str) -> tuple[str, ...]:
        """The values chosen for one filter parameter (a key of :data:`FILTER_PARAMETERS`)."""
        values: tuple[str, ...] = getattr(self, FILTER_PARAMETERS[parameter])
        return values

    @property
    def has_filters(self) -> bool:
        return bool(self.date_from or self.date_to) or any(
            self.selected(name) for name in FILTER_PARAMETERS
        )

    def to_dict(self) -> dict[str, Any]:
        """The request as query-string parameters (filter parameters as lists of values)."""
        return {
            "q": self.q,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            **{name: list(self.selected(name)) for name in FILTER_PARAMETERS},
            "from": self.date_from,
            "to": self.date_to,
            "verbatim": self.verbatim,
            "group": self.group,
        }


_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def parse_int(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
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


def _all_values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a parameter: a form or URL may repeat it (``source=A&source=B``); a plain
    mapping may hold one string or a list."""
    getlist = getattr(params, "getlist", None)
    if callable(getlist):
        return [str(value) for value in getlist(name)]
    raw = params.get(name)
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(value) for value in raw]
    return [str(raw)]


def _filter_values(params: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The non-empty values of a repeatable filter, spaces collapsed, each once, in order."""
    values: list[str] = []
    for raw in _all_values(params, name):
        if len(raw) > MAX_FILTER_LENGTH:
            raise BadRequestError(
                f"{name} is longer than {MAX_FILTER_LENGTH} characters; shorten it"
            )
        value = " ".join(raw.split())
        if name == "lang":
            value = value.lower()
        if name == "year" and value and not _YEAR.match(value):
            raise BadRequestError(f"year must be written YYYY (such as 2015), not {raw!r}")
        if value and value.casefold() not in {v.casefold() for v in values}:
            values.append(value)
    if len(values) > MAX_FILTER_VALUES:
        raise BadRequestError(
            f"{name} is given {len(values)} times; at most {MAX_FILTER_VALUES} values "
            "may be chosen at once"
        )
    return tuple(values)


def _flag(params: Mapping[str, Any], name: str) -> bool:
    raw = params.get(name)
    text = "" if raw is None else str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadRequestError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


def parse_request(params: Mapping[str, Any]) -> SearchRequest:
    """A validated request from ``q, page, per_page, sort, from, to, verbatim, group`` and the
    repeatable filters ``source, author, tag, lang, year``.

    ``params`` is a mapping of parameter names to strings (or lists of strings for repeated
    parameters), or a multi-dict such as Flask's ``request.args``.  Raises BadRequestError naming
    the parameter, its limit and how to fix it.
    """
    q = str(params.get("q") or "")
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequestError(
            f"q is {len(q)} characters long; a query may have at most {MAX_QUERY_LENGTH} "
            "characters: shorten it"
        )
    sort = str(params.get("sort") or "relevance").strip().lower()
    if sort not in SORTS:
        raise BadRequestError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    # from after to is an empty range (no article matches), as a range query answers: the
    # OpenAPI document allows any two dates, so the API must too.
    group = str(params.get("group") or "story").strip().lower()
    if group not in GROUPS:
        raise BadRequestError(
            f"group must be story (each story once) or none (every version), not {group!r}"
        )
    date_from = parse_day(params.get("from"), "from", end=False)
    date_to = parse_day(params.get("to"), "to", end=True)
    filters = {field: _filter_values(params, name) for name, field in FILTER_PARAMETERS.items()}
    return SearchRequest(
        q=q.strip(),
        page=parse_int(params, "page", 1, 1, MAX_PAGE),
        per_page=parse_int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        sort=sort,
        date_from=date_from,
        date_to=date_to,
        verbatim=_flag(params, "verbatim"),
        group=group,
        **filters,
    )


def parse_related_limit(params: Mapping[str, str]) -> int:
    return parse_int(params, "limit", DEFAULT_RELATED, 1, MAX_RELATED)
