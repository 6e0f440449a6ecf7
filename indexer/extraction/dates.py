"""Dates as pages write them, normalised to ISO 8601; relative dates resolved; plausibility.

Pure functions over strings and datetimes: the metadata cascades (indexer.metadata) decide where
a date comes from, this module what it means.
"""

from __future__ import annotations

import email.utils
import functools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import clean_text, word_count

# A date up to a day after the reference time is not "in the future": time zones.
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a page: its ISO 8601 text and the moment used for range checks."""

    iso: str
    moment: datetime  # timezone-aware (naive values are taken as UTC for comparisons)


def parse_date(value: str) -> ParsedDate | None:
    """A date as pages write it in markup (ISO 8601 in its variants, RFC 2822, "March 3, 2020",
    "20191118"), parsed; its ISO form keeps the time and offset the page gave, "Z" as
    "+00:00"."""
    value = clean_text(value)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1) if len(value) > 10 else value)
        return _parsed(moment, has_time=len(value) > 10)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
        return _parsed(moment, has_time=True)
    except (TypeError, ValueError, IndexError):
        pass
    if (found := text_date(value)) is not None:
        return found
    return _dateutil_date(value)


def _dateutil_date(value: str) -> ParsedDate | None:
    if not re.search(r"\d{4}", value) or len(value) > 60:
        return None
    from dateutil import parser as dateutil_parser  # the rare formats only

    with warnings.catch_warnings():  # unknown zone names ("EST5EDT") warn and come back naive
        warnings.simplefilter("ignore")
        try:
            # "06.12.2022" is day first wherever dots separate the numbers (German, Polish,
            # Russian... usage); dateutil reads month first by default.
            dayfirst = bool(_DOTTED_DATE.search(value))
            moment = dateutil_parser.parse(value, default=datetime(2000, 1, 1), dayfirst=dayfirst)
        except (ValueError, OverflowError, TypeError):
            return None
    return _parsed(moment, has_time=bool(re.search(r"\d:\d\d", value)))


_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")


def _parsed(moment: datetime, *, has_time: bool) -> ParsedDate:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if not has_time:
        return ParsedDate(moment.date().isoformat(), aware)
    return ParsedDate(moment.replace(microsecond=0).isoformat(), aware)


def text_date_match(text: str) -> re.Match[str] | None:
    """The first visible date ("Feb 26, 1987", "3 March 2020", "2020-03-03") in a text."""
    for pattern in sel.TEXT_DATES:
        if (match := pattern.search(text)) is not None:
            return match
    return None


def text_date(text: str) -> ParsedDate | None:
    """The first visible date in a text, parsed."""
    match = text_date_match(text)
    if match is None:
        return None
    month = match.group("month")
    month_number = int(month) if month.isdigit() else sel.MONTHS.get(month.lower().rstrip("."))
    try:
        day = date(int(match.group("year")), month_number or 0, int(match.group("day")))
    except ValueError:
        return None
    return ParsedDate(day.isoformat(), datetime(day.year, day.month, day.day, tzinfo=UTC))


def plausible(found: ParsedDate, origin: str, reference: datetime | None) -> bool:
    """A date is kept when it is not in the future (of the page's reference time, or now) and not
    older than the floor for its kind of origin: a date the page states (markup, or printed next
    to the title) from 1970, a guess (htmldate, relative) from 1990."""
    stated = origin in ("json-ld", "opengraph", "meta", "microdata", "time-element", "text")
    floor = sel.EARLIEST_STATED_DATE if stated else sel.EARLIEST_GUESSED_DATE
    latest = (reference or datetime.now(UTC)) + FUTURE_SLACK
    return found.moment.date() >= floor and found.moment <= latest


def resolve_relative(text: str, reference: datetime) -> str | None:
    """The ISO date a relative time ("2 days ago", "an hour ago", "yesterday") means at
    `reference`: a day for day-sized units, a minute for smaller ones, in the reference's own
    offset (the page's local day, never shifted to UTC)."""
    match = sel.RELATIVE_DATE.search(text)
    if match is None:
        return None
    word = (match.group("word") or "").lower()
    if word == "yesterday":
        return (reference - timedelta(days=1)).date().isoformat()
    if word == "today":
        return reference.date().isoformat()
    if word == "just now":
        return reference.replace(second=0, microsecond=0).isoformat()
    count = int(match.group("count")) if match.group("count") else 1  # "an hour ago"
    unit = match.group("unit").lower()
    key = "mo" if unit.startswith("mo") else ("m" if unit.startswith("min") else unit[0])
    moment = reference - timedelta(seconds=count * sel.RELATIVE_UNIT_SECONDS[key])
    if key in ("s", "m", "h"):
        return moment.replace(second=0, microsecond=0).isoformat()
    return moment.date().isoformat()


def relative_date_in(text: str) -> re.Match[str] | None:
    """The relative date in a line of text, not counting a capitalised "Today" that ends a name
    ("Russia Today", "USA Today", "Psychology Today")."""
    for match in sel.RELATIVE_DATE.finditer(text):
        word = match.group("word")
        before = text[: match.start()].rstrip()
        if word and word[0].isupper() and before and before[-1].isalpha():
            continue
        return match
    return None


# Three kinds of line that hold a date, each for its own decision:


def states_date(text: str) -> bool:
    """A line of the article's header that states its date ("By Jane Doe | Feb 26, 1987 10:15
    AM", "Published on Thursday, 3 March 2020"), not a sentence that mentions one ("The
    redemption date will be May 8, 1987.").  Where a shown publication date is read from."""
    match = text_date_match(text)
    if match is None or sel.SENTENCE_END.search(text):
        return False
    rest = text[: match.start()] + text[match.end() :]
    return word_count(rest) <= sel.DATE_LINE_MAX_OTHER_WORDS


def states_relative_date(text: str, match: re.Match[str]) -> bool:
    """A short line whose relative date (``match``) is the point: "Coastal Courier · 16 minutes
    ago", "Updated yesterday"; not "Officials met today to discuss it." """
    rest = text[: match.start()] + text[match.end() :]
    return (
        len(text) <= 60
        and word_count(rest) <= sel.RELATIVE_LINE_MAX_OTHER_WORDS
        and not sel.SENTENCE_END.search(text)
    )


def is_bare_date_line(text: str, language: str | None = None) -> bool:
    """A paragraph that is nothing but a date and a word or two ("Updated", "Published on",
    "Publicado el 12 de marzo de 2024", "vor 3 Stunden", "2024年3月12日"): page furniture an
    extractor kept, removed from bodies.  Stricter than :func:`states_date`, because removing a
    line of the body loses text when it is wrong.  Dates in other languages than English are
    read in `language` (the article's)."""
    if len(text) > BARE_DATE_LINE_CHARS:
        return False
    for pattern in (*sel.TEXT_DATES, sel.RELATIVE_DATE):
        match = pattern.search(text)
        if match is not None:
            rest = text[: match.start()] + text[match.end() :]
            return word_count(rest) <= 2
    if not any(c.isdigit() for c in text):  # "ayer" alone in a body is too rare to pay for
        return False
    found = local_date(text, language, None)
    return found is not None and word_count(found.rest) <= 2


# A bare date line is at most this long.
BARE_DATE_LINE_CHARS = 60


@dataclass(frozen=True)
class LocalDate:
    """A date found by dateparser in a line written in the page's language."""

    day: str  # ISO day, in the page's own time
    rest: str  # the line without the date's words
    relative: bool  # counted back from the reference time ("hace 2 días", "vor 3 Stunden")
    yearless: bool = False  # a day and month without a year ("12 de marzo"): no day at all


# dateparser reads lines only this short (it is slow on long text) ...
_LOCAL_DATE_MAX_CHARS = 160
# ... and a line without digits only when it has this many words or fewer ("ayer", "gestern").
_LOCAL_DATE_WORDLESS_MAX_WORDS = 3


def local_date(text: str, language: str | None, reference: datetime | None) -> LocalDate | None:
    """The first date in a short line written in `language` (an ISO 639-1 code), absolute
    ("12 de marzo de 2024", "12. März 2024", "23.10.2018", "2024年3月12日") or relative to
    `reference` ("hace 2 días"; without a reference a relative date is not resolved).  None for
    English (the patterns of :mod:`selectors` read it) and for lines without a date.  A date
    without a year or a relative one is `relative`: its day is only right when `reference` is
    given."""
    if not language or language == "en" or len(text) > _LOCAL_DATE_MAX_CHARS:
        return None
    has_digit = any(c.isdigit() for c in text)
    if not has_digit and word_count(text) > _LOCAL_DATE_WORDLESS_MAX_WORDS:
        return None
    base = (reference or _NO_REFERENCE).replace(tzinfo=None)
    return _local_date(text, language, base, has_digit)


@functools.lru_cache(maxsize=4096)
def _local_date(text: str, language: str, base: datetime, has_digit: bool) -> LocalDate | None:
    # Cached: a page's date line is read for the body and for the published date, and a site's
    # lines repeat from page to page; dateparser takes milliseconds a line.
    import dateparser  # slow to import, and most pages never need it
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "STRICT_PARSING": False}
    try:
        if has_digit:
            found = search_dates(text, languages=[language], settings=settings) or []
            # A number alone ("1999", "12") is not a date; a number with a word or another
            # number is ("12 de marzo", "hace 2 días", "23.10.2018").
            found = [(t, d) for t, d in found if re.search(r"\d", t) and not _LONE_NUMBER.match(t)]
        else:
            moment = dateparser.parse(text, languages=[language], settings=settings)
            found = [(text, moment)] if moment is not None else []
    except (ValueError, KeyError, TypeError, OverflowError):  # an unknown language code, etc.
        return None
    if not found:
        return None
    matched, moment = found[0]
    if has_digit:
        # search_dates reads "06.12.2022" month first; parse() knows the language's order.
        moment = dateparser.parse(matched, languages=[language], settings=settings) or moment
    shift = 0 if re.search(r"\d{4}", matched) else _base_shift(matched, language, moment, base)
    rest = text.replace(matched, " ", 1)
    return LocalDate(
        moment.date().isoformat(),
        rest,
        relative=shift == _OTHER_BASE.days,
        yearless=shift > 0 and shift != _OTHER_BASE.days,
    )


_LONE_NUMBER = re.compile(r"^\W*\d+\W*$")
# A relative date read without a reference is counted back from this moment (its day then means
# nothing: callers check `relative`).
_NO_REFERENCE = datetime(2001, 1, 1, 12, 0)


_OTHER_BASE = timedelta(days=400)


def _base_shift(matched: str, language: str, moment: datetime, base: datetime) -> int:
    # How many days the date moves when the reference moves back 400 days: 400 for a relative
    # date, a whole number of years for one without a year ("12 de marzo"), 0 for a date.
    import dateparser

    settings = {"RELATIVE_BASE": base - _OTHER_BASE, "PREFER_DATES_FROM": "past"}
    again = dateparser.parse(matched, languages=[language], settings=settings)
    return 0 if again is None else abs((moment - again).days)
