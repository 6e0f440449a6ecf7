"""Dates as pages write them (indexer.dates): ISO normalisation, relative dates, plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from indexer.extraction.dates import (
    ParsedDate,
    is_bare_date_line,
    local_date,
    parse_date,
    plausible,
    resolve_relative,
    text_date,
)


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2015-08-02T08:30:00+02:00", "2015-08-02T08:30:00+02:00"),
        ("2008-01-20T10:00:00Z", "2008-01-20T10:00:00+00:00"),
        ("2019-11-18T10:30:00.000+0000", "2019-11-18T10:30:00+00:00"),
        ("2019-11-18 10:30", "2019-11-18T10:30:00"),
        ("2009-05-08", "2009-05-08"),
        ("Mon, 18 Nov 2019 10:30:00 GMT", "2019-11-18T10:30:00+00:00"),
        ("March 3, 2020", "2020-03-03"),
        ("3 March 2020", "2020-03-03"),
        ("not a date", None),
    ],
)
def test_dates_are_normalised_to_iso_8601(written: str, iso: str | None) -> None:
    parsed = parse_date(written)
    assert (parsed.iso if parsed else None) == iso


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("16 minutes ago", "2015-05-19T08:14:00-04:00"),
        ("time16 minutes ago", "2015-05-19T08:14:00-04:00"),
        ("an hour ago", "2015-05-19T07:30:00-04:00"),
        ("4 hours ago", "2015-05-19T04:30:00-04:00"),
        ("just now", "2015-05-19T08:30:00-04:00"),
        ("yesterday", "2015-05-18"),
        ("2 days ago", "2015-05-17"),
        ("3 weeks ago", "2015-04-28"),
        ("no date here", None),
    ],
)
def test_relative_dates_resolve_in_the_references_own_offset(text: str, iso: str | None) -> None:
    # The page's local day and time: never shifted to UTC.
    reference = datetime(2015, 5, 19, 8, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert resolve_relative(text, reference) == iso


def test_stated_dates_may_be_old_but_guessed_ones_not_before_1990() -> None:
    old = ParsedDate("1987-02-26", datetime(1987, 2, 26, tzinfo=UTC))
    reference = datetime(2020, 1, 1, tzinfo=UTC)
    assert plausible(old, "time-element", reference)
    assert plausible(old, "text", reference)
    assert not plausible(old, "extractor", reference)


STATED_ORIGINS = ["json-ld", "opengraph", "meta", "microdata", "time-element", "text"]
GUESSED_ORIGINS = ["extractor", "relative"]


@pytest.mark.parametrize("origin", STATED_ORIGINS)
def test_a_date_the_page_states_may_be_from_1987(origin: str) -> None:
    stated = ParsedDate("1987-02-26", datetime(1987, 2, 26, tzinfo=UTC))
    assert plausible(stated, origin, datetime(2024, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("origin", GUESSED_ORIGINS)
def test_a_guessed_date_must_be_from_1990_or_later(origin: str) -> None:
    reference = datetime(2024, 1, 1, tzinfo=UTC)
    assert not plausible(
        ParsedDate("1989-12-31", datetime(1989, 12, 31, tzinfo=UTC)), origin, reference
    )
    assert plausible(ParsedDate("1990-01-01", datetime(1990, 1, 1, tzinfo=UTC)), origin, reference)


@pytest.mark.parametrize("origin", STATED_ORIGINS + GUESSED_ORIGINS)
def test_no_date_is_in_the_future_of_the_reference_time_beyond_a_day(origin: str) -> None:
    reference = datetime(2015, 5, 19, 8, 30, tzinfo=UTC)
    tomorrow = ParsedDate("2015-05-20", datetime(2015, 5, 20, 8, 0, tzinfo=UTC))
    next_week = ParsedDate("2015-05-26", datetime(2015, 5, 26, tzinfo=UTC))
    assert plausible(tomorrow, origin, reference)  # time zones
    assert not plausible(next_week, origin, reference)


@pytest.mark.parametrize("origin", STATED_ORIGINS)
def test_the_unix_epoch_is_a_placeholder_not_a_date(origin: str) -> None:
    epoch = ParsedDate("1970-01-01", datetime(1970, 1, 1, tzinfo=UTC))
    assert not plausible(epoch, origin, datetime(2024, 1, 1, tzinfo=UTC))


def test_visible_dates_are_found_inside_a_line() -> None:
    found = text_date("by Kim Hae-won, August 21, 2015")
    assert found is not None and found.iso == "2015-08-21"
    assert text_date("Updated 5:00 PM") is None
    assert text_date("February 30, 2015") is None


REFERENCE = datetime(2024, 3, 14, 10, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("language", "line", "day", "relative"),
    [
        ("es", "Publicado el 12 de marzo de 2024", "2024-03-12", False),
        ("de", "12. März 2024", "2024-03-12", False),
        ("de", "23.10.2018", "2018-10-23", False),
        ("zh", "2024年3月12日", "2024-03-12", False),
        ("pl", "12 marca 2024", "2024-03-12", False),
        ("es", "hace 2 días", "2024-03-12", True),
        ("de", "vor 3 Stunden", "2024-03-14", True),
        ("es", "ayer", "2024-03-13", True),
    ],
)
def test_dates_in_the_pages_language_absolute_and_relative(
    language: str, line: str, day: str, relative: bool
) -> None:
    found = local_date(line, language, REFERENCE)
    assert found is not None and (found.day, found.relative) == (day, relative)


def test_a_day_without_a_year_or_a_lone_number_is_no_date() -> None:
    yearless = local_date("12 de marzo", "es", REFERENCE)
    assert yearless is not None and yearless.yearless
    assert local_date("Seit 1999 werden hier Meldungen gesammelt", "de", REFERENCE) is None
    assert local_date("Kapitel 12", "de", REFERENCE) is None
    assert local_date("Die Ergebnisse", "de", REFERENCE) is None


def test_english_is_left_to_the_patterns() -> None:
    assert local_date("12 March 2024", "en", REFERENCE) is None
    assert is_bare_date_line("12 March 2024", "en")


@pytest.mark.parametrize(
    ("line", "language", "bare"),
    [
        ("Publicado el 12 de marzo de 2024", "es", True),
        ("hace 2 días", "es", True),
        ("2024年3月12日", "zh", True),
        ("Der Rat tagte am 12. März 2024 bis spät in die Nacht", "de", False),
    ],
)
def test_bare_date_lines_in_every_language(line: str, language: str, bare: bool) -> None:
    assert is_bare_date_line(line, language) is bare
