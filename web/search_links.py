"""Query strings for the links on a results page: pages, facets, filters, sort, timeline.

Every link starts from the current :class:`search.SearchRequest`, so a link that changes one thing
keeps everything else the user chose.  Values equal to the defaults, and empty values, are left
out to keep URLs short: ``search_args`` gives a request's one canonical set of arguments (the
results page redirects other spellings of the same search to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from babel.dates import get_month_names

from search import SearchRequest, SearchResults
from search.request import FILTER_PARAMETERS
from search.results import FacetValue, TimelineBar

# What SearchRequest.to_dict() gives for a request that sets nothing; a value equal to its default
# is implied and need not be in the URL.
_DEFAULT_ARGS = SearchRequest(q="").to_dict()

# A year list longer than this is grouped by decade.
DECADES_FROM_YEARS = 10
# Values of a group shown before the rest are folded under "More".
VALUES_SHOWN = 8
# How many height steps a timeline bar has (the stylesheet has a class per step).
BAR_STEPS = 20

FACET_TITLES = {
    "source": "Source",
    "author": "Author",
    "tag": "Tag",
    "lang": "Language",
    "year": "Year",
}

Args = dict[str, str | list[str]]


def search_args(request: SearchRequest, changes: Mapping[str, object] | None = None) -> Args:
    """The query-string arguments of ``request`` with ``changes`` applied (None removes a key).

    Any change other than to ``page`` goes back to page 1: page 3 of a different result set means
    nothing.  Filter parameters are lists (repeated in the URL).
    """
    changes = dict(changes or {})
    if "page" not in changes:
        changes["page"] = None
    merged = request.to_dict()
    merged.update(changes)
    args: Args = {}
    for name, value in merged.items():
        if value is None or value == "" or value == [] or value == _DEFAULT_ARGS.get(name):
            continue
        if isinstance(value, list | tuple):
            args[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            args[name] = "1"
        else:
            args[name] = str(value)
    return args


def arg_pairs(args: Mapping[str, str | list[str]]) -> list[tuple[str, str]]:
    """``args`` as (name, value) pairs, a list's values each as a pair of their own."""
    pairs = []
    for name, value in args.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs


def toggled(request: SearchRequest, name: str, value: str) -> dict[str, object]:
    """The changes that add ``value`` to filter ``name`` (values of a group are alternatives), or
    remove it when it is chosen already."""
    chosen = list(request.selected(name))
    kept = [v for v in chosen if v.casefold() != value.casefold()]
    return {name: kept if len(kept) < len(chosen) else [*chosen, value]}


@dataclass(frozen=True)
class ActiveFilter:
    """A filter value the user has set: what to show, and the changes that remove it."""

    label: str
    value: str
    removal: Mapping[str, object]


def active_filters(
    request: SearchRequest, describe: Callable[[str, str], str] | None = None
) -> list[ActiveFilter]:
    """Every filter value narrowing ``request``, each with the changes that remove it alone.

    ``describe(name, value)`` gives the text to show for a value (a language's name; ``name``
    "date" for the days of a date range).
    """
    filters = []
    for name in FILTER_PARAMETERS:
        for value in request.selected(name):
            shown = describe(name, value) if describe else value
            filters.append(ActiveFilter(FACET_TITLES[name], shown, toggled(request, name, value)))
    if request.date_from or request.date_to:
        ends = [
            (describe("date", day) if describe else day) if day else "…"
            for day in (request.date_from, request.date_to)
        ]
        span = ends[0] if request.date_from == request.date_to else " to ".join(ends)
        filters.append(ActiveFilter("Published", span, {"from": None, "to": None}))
    return filters


def clear_filters() -> dict[str, object]:
    """The changes that remove every filter (the query, sort and page size stay)."""
    return {**{name: [] for name in FILTER_PARAMETERS}, "from": None, "to": None}


# -- facet groups --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetLink:
    """One value of a facet group as the page lists it."""

    value: str
    label: str
    count: int
    selected: bool
    changes: Mapping[str, object]


@dataclass(frozen=True)
class FacetGroup:
    """A facet group: its parameter, its title, the values shown first and the rest (folded)."""

    name: str
    title: str
    values: tuple[FacetLink, ...]
    more: tuple[FacetLink, ...] = ()
    decades: tuple[Decade, ...] = ()

    @property
    def chosen(self) -> int:
        return sum(1 for v in (*self.values, *self.more) if v.selected)


@dataclass(frozen=True)
class Decade:
    """Years of one decade, folded under the decade's total."""

    label: str
    count: int
    years: tuple[FacetLink, ...]

    @property
    def has_selection(self) -> bool:
        return any(year.selected for year in self.years)


def _narrows(value: FacetValue, total: int, group_has_choice: bool) -> bool:
    """Whether listing a value helps: it is chosen, or choosing it changes the results (a value
    every result has, or none has, does not, unless the group already has a choice, when a
    value adds its articles to the results)."""
    if value.selected:
        return True
    if value.count == 0:
        return False
    return group_has_choice or value.count < total


def facet_groups(
    request: SearchRequest,
    results: SearchResults,
    describe: Callable[[str, str], str] | None = None,
) -> list[FacetGroup]:
    """The facet groups worth showing, in page order, with each value's link changes."""
    groups = []
    for name in FILTER_PARAMETERS:
        values = results.facets.get(name, ())
        has_choice = bool(request.selected(name))
        links = tuple(
            FacetLink(
                value.value,
                describe(name, value.value) if describe else value.value,
                value.count,
                value.selected,
                toggled(request, name, value.value),
            )
            for value in values
            if _narrows(value, results.total, has_choice)
        )
        if not links:
            continue
        if name == "year":
            groups.append(_year_group(links))
            continue
        shown = [v for v in links if v.selected] + [v for v in links if not v.selected]
        first, rest = shown[:VALUES_SHOWN], shown[VALUES_SHOWN:]
        groups.append(FacetGroup(name, FACET_TITLES[name], tuple(first), tuple(rest)))
    return groups


def _year_group(links: tuple[FacetLink, ...]) -> FacetGroup:
    if len(links) <= DECADES_FROM_YEARS:
        return FacetGroup("year", FACET_TITLES["year"], links)
    by_decade: dict[str, list[FacetLink]] = {}
    for link in links:
        by_decade.setdefault(link.value[:3] + "0s", []).append(link)
    decades = tuple(
        Decade(label, sum(year.count for year in years), tuple(years))
        for label, years in by_decade.items()
    )
    return FacetGroup("year", FACET_TITLES["year"], (), decades=decades)


# -- the timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A timeline bar: its period's label, count, height step and the changes that narrow to it."""

    bar: TimelineBar
    label: str
    long_label: str
    step: int
    changes: Mapping[str, object]
    current: bool


# Month names for the timeline's month bars, from CLDR: the UI is in English (web/templating.py).
_MONTHS = get_month_names("wide", locale="en")


def timeline_bars(request: SearchRequest, bars: Iterable[TimelineBar]) -> list[Bar]:
    """The timeline's bars with their height steps (of :data:`BAR_STEPS`) and links: a year bar
    chooses that year, a month bar that month's dates (either replaces the other)."""
    bars = list(bars)
    highest = max((b.count for b in bars), default=0) or 1
    shown = []
    for bar in bars:
        step = -(-bar.count * BAR_STEPS // highest)
        if bar.unit == "month":
            name = _MONTHS[int(bar.period[5:7])]
            label, long_label = name[:3], f"{name} {bar.period[:4]}"
            changes: dict[str, object] = {"year": [], "from": bar.start, "to": bar.end}
            current = (request.date_from, request.date_to) == (bar.start, bar.end)
        else:
            label = long_label = bar.period
            changes = {"year": [bar.period], "from": None, "to": None}
            current = request.years == (bar.period,)
        shown.append(Bar(bar, label, long_label, step, changes, current))
    return shown


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
