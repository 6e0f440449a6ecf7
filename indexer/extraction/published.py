"""The article's dates: when it was published and last modified, and the page's reference time.

The cascades go from what the publisher declared for machines (JSON-LD, OpenGraph, ``<meta>``,
microdata, ``<time datetime>``) to the date printed near the title, absolute or relative, and
end with htmldate's guess over the whole page.  What a date string means is
:mod:`indexer.extraction.dates`'s business; this module decides where dates come from.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from lxml import etree

from indexer.extraction import selectors as sel
from indexer.extraction.dates import (
    FUTURE_SLACK,
    LocalDate,
    ParsedDate,
    local_date,
    parse_date,
    plausible,
    resolve_relative,
    states_date,
    states_relative_date,
    text_date,
)
from indexer.extraction.pagetext import element_text, marker_text, word_count
from indexer.extraction.view import HUGE_PAGE_ELEMENTS, Found, PageHead, PageView

log = logging.getLogger(__name__)

_TIME_ELEMENTS = etree.XPath("//time[@datetime]")
_UPDATED = re.compile(r"updat|modif|edit|revis", re.I)
_PUBLISHED = re.compile(r"publish|posted|pubdate|created|date-?line|story-?time|entry-?date", re.I)


# A Web Archive copy's links are rewritten to the archive's copies of their targets, each address
# holding the capture time (UTC, YYYYmmddHHMMSS) of this page: "/web/20070228213001/http://...".
_ARCHIVED_LINK = re.compile(r"(?:^|web\.archive\.org)/web/(\d{14})(?:[a-z]{2}_)?/")
# A page is a Web Archive copy when at least this share of its link addresses are archived.
ARCHIVED_LINKS_SHARE = 0.5
_LINK_ADDRESSES = etree.XPath("//a/@href|//link/@href|//img/@src|//script/@src")


def find_reference_time(
    head: PageHead, mtime: float | None, tree: etree._Element | None = None
) -> Found[datetime] | None:
    """When the page was generated or fetched (relative dates count back from it): a <meta> that
    says so, else, for a Web Archive copy, the capture time its links carry, else the file's
    modification time (when the page was saved, for a page saved by a browser or a crawler)."""
    for _, content in head.meta_values(sel.REFERENCE_TIME_META):
        parsed = parse_date(content)
        if parsed is not None:
            return Found(parsed.moment, "meta")
    if tree is not None and (captured := archive_capture_time(tree)) is not None:
        return Found(captured, "capture")
    if mtime is not None:
        return Found(datetime.fromtimestamp(mtime, tz=UTC), "file-mtime")
    return None


def archive_capture_time(tree: etree._Element) -> datetime | None:
    """The capture time of a page saved from the Web Archive (most of its links point into the
    archive): the time most of those links carry (a few point to other captures of other
    pages).  None for other pages, which may cite an archived copy or two."""
    addresses = _LINK_ADDRESSES(tree)
    times = Counter(
        match.group(1)
        for address in addresses
        if (match := _ARCHIVED_LINK.search(str(address))) is not None
    )
    if not times or times.total() < ARCHIVED_LINKS_SHARE * len(addresses):
        return None
    stamp, _ = times.most_common(1)[0]
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:  # "20071399..." is no time
        return None


def find_published(view: PageView) -> Found[str] | None:
    """The publication date (ISO 8601).

    1. JSON-LD datePublished  2. article:published_time  3. <meta name=date/pubdate/dc.date...>
    4. microdata datePublished  5. <time datetime> labelled as the publication time or near
       the title
    6. a date printed near the title, absolute ("March 3, 2020", "12 de marzo de 2024") or
       relative ("2 days ago", "hace 2 días", resolved against the page's reference time), in
       the page's language  7. htmldate's extensive search over the page  8. any other
       <time datetime> (weak: a comment's or another story's time as often as the article's)
    Each candidate must be plausible: not in the future, not before the floor of its origin.
    The value keeps the time and offset the page states: its day is the publisher's.
    """
    markup = _first_plausible(view, _markup_dates(view))
    if markup is not None:
        return _in_publishers_time(view, markup)
    searchable = not view.is_embedded and view.elements <= HUGE_PAGE_ELEMENTS
    if (shown := _shown_date(view)) is not None:
        # A relative date with nothing to count back from: the day is unknown, and a guess
        # from elsewhere on the page would be some other date.
        if shown is _UNRESOLVABLE:
            return None
        return shown
    if searchable and (guess := _htmldate_guess(view)) is not None:
        return guess
    weak = _first_plausible(view, _time_elements(view, updated=False, weak=True))
    return Found(weak.value.iso, weak.origin) if weak is not None else None


# A machine-readable time in UTC is a day off the publisher's own by at most this much.
_UTC_DAY_SLACK = timedelta(days=1)


def _in_publishers_time(view: PageView, markup: Found[ParsedDate]) -> Found[str]:
    """The publication time as the publisher's calendar has it.  A time stated in UTC ("Z",
    "+00:00") falls on the next or the previous day for readers far from Greenwich (a story of
    28 June, 22:00 in New York is stamped 29 June, 02:00Z): the same moment stated with a local
    offset elsewhere in the markup is preferred, else the day the page prints next to the title
    when it is the day before or after."""
    parsed = markup.value
    if "T" not in parsed.iso or parsed.moment.utcoffset() != timedelta(0):
        return Found(parsed.iso, markup.origin)
    reference = view.reference.value if view.reference else None
    for origin, value in _markup_dates(view):
        other = parse_date(value)
        if (
            other is not None
            and other.moment.utcoffset() not in (None, timedelta(0))
            and abs(other.moment - parsed.moment) < timedelta(minutes=1)
            and plausible(other, origin, reference)
        ):
            return Found(other.iso, origin)
    shown = _shown_date(view, publication_only=True)
    if shown is not None and shown.origin == "text" and shown.value != parsed.iso[:10]:
        day = parse_date(shown.value)
        if day is not None and abs(day.moment.date() - parsed.moment.date()) <= _UTC_DAY_SLACK:
            return shown
    return Found(parsed.iso, markup.origin)


def _markup_dates(view: PageView) -> Iterator[tuple[str, str]]:
    return _chain(
        _ld_dates(view, "datePublished", "dateCreated", "uploadDate"),
        _meta_dates(view, sel.PUBLISHED_META_OPENGRAPH, sel.PUBLISHED_META),
        _microdata_dates(view, "datePublished"),
        _time_elements(view, updated=False, weak=False),
    )


def find_modified(view: PageView) -> Found[str] | None:
    """The last-modified date (ISO 8601), kept apart from the publication date: JSON-LD
    dateModified, article:modified_time/og:updated_time, <meta> last-modified, microdata,
    <time> labelled as an update."""
    found = _first_plausible(
        view,
        _chain(
            _ld_dates(view, "dateModified"),
            _meta_dates(view, sel.MODIFIED_META_OPENGRAPH, sel.MODIFIED_META),
            _microdata_dates(view, "dateModified"),
            _time_elements(view, updated=True),
        ),
    )
    return Found(found.value.iso, found.origin) if found is not None else None


def _first_plausible(
    view: PageView, candidates: Iterable[tuple[str, str]]
) -> Found[ParsedDate] | None:
    reference = view.reference.value if view.reference else None
    for origin, value in candidates:
        parsed = parse_date(value)
        if parsed is not None and plausible(parsed, origin, reference):
            return Found(parsed, origin)
    return None


def _chain(*iterables: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for iterable in iterables:
        yield from iterable


def _ld_dates(view: PageView, *keys: str) -> Iterator[tuple[str, str]]:
    for node in view.facts_nodes():
        for key in keys:
            value = node.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, str):
                yield "json-ld", value


def _meta_dates(
    view: PageView, opengraph: Sequence[str], other: Sequence[str]
) -> Iterator[tuple[str, str]]:
    yield from (("opengraph", v) for _, v in view.meta_values(opengraph))
    yield from (("meta", v) for _, v in view.meta_values(other))


def _microdata_dates(view: PageView, prop: str) -> Iterator[tuple[str, str]]:
    for element in view.with_itemprop(prop):
        value = element.get("content") or element.get("datetime") or element_text(element)
        if value:
            yield "microdata", value


def _time_elements(
    view: PageView, *, updated: bool, weak: bool | None = None
) -> Iterator[tuple[str, str]]:
    """<time datetime> values, the ones labelled as publication (or update) times first, then
    those in the header region, then (the weak ones) any other in the article's scope.
    `weak` True gives the weak ones only, False the others, None all."""
    region = set(view.region)
    labelled, near, rest = [], [], []
    for element in view.select(_TIME_ELEMENTS):
        value = element.get("datetime")
        if not value:
            continue
        label = marker_text(element)
        is_update = bool(_UPDATED.search(label))
        if updated or is_update:
            if updated and is_update:
                labelled.append(value)
        elif _PUBLISHED.search(label) or "pubdate" in element.attrib:
            labelled.append(value)
        elif element in region:
            near.append(value)
        else:
            rest.append(value)
    chosen = {None: labelled + near + rest, False: labelled + near, True: rest}[weak]
    for value in chosen:
        yield "time-element", value


_UNRESOLVABLE: Found[str] = Found("", "relative")


def _shown_date(view: PageView, *, publication_only: bool = False) -> Found[str] | None:
    # The first date line near the title: "Feb 26, 1987", "Updated 2 hours ago", "yesterday",
    # "Publicado el 12 de marzo de 2024", "vor 3 Stunden".  _UNRESOLVABLE when that line is
    # relative and the page has no reference time.
    reference = view.reference.value if view.reference else None
    language: str | None = None
    for element, text in view.region_lines():
        if publication_only and (_UPDATED.search(text) or _UPDATED.search(marker_text(element))):
            continue  # "Updated January 21, 2008": not the day it was published
        if (absolute := text_date(text)) is not None:
            if states_date(text) and plausible(absolute, "text", reference):
                return Found(absolute.iso, "text")
            continue
        if (match := sel.RELATIVE_DATE.search(text)) and states_relative_date(text, match):
            if reference is None:
                return _UNRESOLVABLE
            resolved = resolve_relative(text, reference)
            if resolved is not None:
                return Found(resolved, "relative")
            continue
        language = language or _declared_language(view)
        local = local_date(text, language, reference)
        if local is not None and (found := _shown_local_date(local, text, reference)):
            return found
    return None


def _shown_local_date(local: LocalDate, text: str, reference: datetime | None) -> Found[str] | None:
    if sel.SENTENCE_END.search(text) or local.yearless:
        return None
    if local.relative:
        if word_count(local.rest) > sel.RELATIVE_LINE_MAX_OTHER_WORDS:
            return None
        return _UNRESOLVABLE if reference is None else Found(local.day, "relative")
    if word_count(local.rest) > sel.DATE_LINE_MAX_OTHER_WORDS:
        return None
    parsed = parse_date(local.day)
    if parsed is None or not plausible(parsed, "text", reference):
        return None
    return Found(local.day, "text")


def _declared_language(view: PageView) -> str:
    # The language the page declares ("" when it declares none: dates are then read in English).
    from indexer.extraction.language import find_language

    found = find_language(view)
    return found.value if found is not None else ""


def _htmldate_guess(view: PageView) -> Found[str] | None:
    from htmldate import find_date  # its import is slow and most pages never need it

    reference = view.reference.value if view.reference else datetime.now(UTC)
    try:
        guess = find_date(
            view.tree,
            original_date=True,
            # The extensive search reads dates in the page's free text too: slower (it runs
            # only on pages that state no date of their own) and it finds what the page shows.
            extensive_search=True,
            min_date=datetime.combine(sel.EARLIEST_GUESSED_DATE, datetime.min.time()),
            max_date=(reference + FUTURE_SLACK).replace(tzinfo=None),
        )
    except (ValueError, TypeError, OverflowError) as error:  # htmldate's own parsing edge cases
        log.debug("htmldate failed: %s", error)
        return None
    # A lone year ("since 1990") comes back as 1 January: a year is not a day.
    if not guess or guess.endswith("-01-01"):
        return None
    return Found(guess, "extractor")
