"""Dates as pages write them (indexer.dates): ISO normalisation, relative dates, plausibility."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from indexer.extraction.dates import ParsedDate, parse_date, plausible, resolve_relative, text_date


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
        ("16 minutes ago", "2015-05-19T08:14:00+00:00"),
        ("time16 minutes ago", "2015-05-19T08:14:00+00:00"),
        ("an hour ago", "2015-05-19T07:30:00+00:00"),
        ("4 hours ago", "2015-05-19T04:30:00+00:00"),
        ("just now", "2015-05-19T08:30:00+00:00"),
        ("yesterday", "2015-05-18"),
        ("2 days ago", "2015-05-17"),
        ("3 weeks ago", "2015-04-28"),
        ("no date here", None),
    ],
)
def test_relative_dates_resolve_against_the_reference(text: str, iso: str | None) -> None:
    reference = datetime(2015, 5, 19, 8, 30, tzinfo=UTC)
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
