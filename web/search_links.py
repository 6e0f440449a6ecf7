"""Query strings for the links on a results page: pages, facets, filters, sort, suggestion.

Every link starts from the current :class:`search.SearchRequest`, so a link that changes one thing
keeps everything else the user chose.  Values equal to the defaults are left out to keep URLs short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from search import SearchRequest

# What SearchRequest.to_dict() gives for a request that sets nothing; a value equal to its default
# is implied and need not be in the URL.
_DEFAULT_ARGS = SearchRequest(q="").to_dict()

_YEAR = re.compile(r"\d{4}")


def search_args(
    request: SearchRequest, changes: Mapping[str, object] | None = None
) -> dict[str, str]:
    """The query-string arguments of ``request`` with ``changes`` applied (None removes a key).

    Any change other than to ``page`` goes back to page 1: page 3 of a different result set means
    nothing.
    """
    changes = dict(changes or {})
    if "page" not in changes:
        changes["page"] = None
    merged = request.to_dict()
    merged.update(changes)
    args: dict[str, str] = {}
    for name, value in merged.items():
        if value is None or (name != "q" and value == _DEFAULT_ARGS.get(name)):
            continue
        args[name] = str(value)
    return args


def year_range(year: str) -> dict[str, object]:
    """The changes that restrict a search to one publication year (a ``from``/``to`` range)."""
    return {"from": f"{year}-01-01", "to": f"{year}-12-31"}


def is_year(value: str) -> bool:
    return _YEAR.fullmatch(value) is not None


@dataclass(frozen=True)
class ActiveFilter:
    """A filter the user has set: what to show, and the changes that remove it."""

    label: str
    value: str
    removal: Mapping[str, object]


def active_filters(request: SearchRequest) -> list[ActiveFilter]:
    """The filters narrowing ``request``, each with the changes that remove it."""
    filters = []
    if request.source:
        filters.append(ActiveFilter("Source", request.source, {"source": None}))
    if request.author:
        filters.append(ActiveFilter("Author", request.author, {"author": None}))
    if request.date_from or request.date_to:
        span = f"{request.date_from or '…'} to {request.date_to or '…'}"
        filters.append(ActiveFilter("Published", span, {"from": None, "to": None}))
    return filters


def page_window(current: int, count: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and ``radius`` either side of ``current``.

    None marks a gap, shown as an ellipsis: ``[1, None, 4, 5, 6, 7, 8, None, 20]``.
    """
    shown = {1, count} | set(range(max(1, current - radius), min(count, current + radius) + 1))
    window: list[int | None] = []
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= count):
        if number > previous + 1:
            window.append(None)
        window.append(number)
        previous = number
    return window
