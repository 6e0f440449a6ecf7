""" "Did you mean": its cost is bounded whatever the query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search.suggest import MAX_CORRECTED_WORDS, MAX_WORD, corrected_text


class CountingReader:
    """A real index reader, counting term look-ups (the cost of a correction)."""

    def __init__(self, reader: IndexReader) -> None:
        self._reader = reader
        self.lookups = 0

    def doc_frequency(self, field: str, text: str) -> int:
        self.lookups += 1
        return self._reader.doc_frequency(field, text)

    def spelling_frequencies(self, words: list[str]) -> Any:
        self.lookups += len(words)
        return self._reader.spelling_frequencies(words)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


@pytest.fixture
def reader(index_dir: Path) -> Iterator[CountingReader]:
    with IndexStore(index_dir).reader() as real:
        yield CountingReader(real)


def test_a_misspelt_word_is_still_corrected(reader: CountingReader) -> None:
    assert corrected_text(reader, "stampeed") == "stampede"  # type: ignore[arg-type]


def test_a_1000_letter_word_costs_no_correction(reader: CountingReader) -> None:
    assert corrected_text(reader, "a" * 1000) is None  # type: ignore[arg-type]
    assert reader.lookups <= 2  # base: ~54,000 look-ups, 0.75 s of CPU


def test_a_word_just_over_the_length_limit_is_left_alone(reader: CountingReader) -> None:
    assert corrected_text(reader, "stampeed" + "x" * (MAX_WORD - 7)) is None  # type: ignore[arg-type]
    assert reader.lookups <= 2


def test_a_paragraph_of_typos_corrects_a_bounded_number_of_words(
    reader: CountingReader,
) -> None:
    paragraph = " ".join(f"stampeed{letter}q" for letter in "bcdfghjklmnpqrstvwxz")
    corrected_text(reader, paragraph)  # type: ignore[arg-type]
    one_word = len("stampeedbq") * 54 + 26 + 2  # the edits of one word, plus its own look-ups
    assert reader.lookups <= (MAX_CORRECTED_WORDS + 1) * one_word + 20 * 3
