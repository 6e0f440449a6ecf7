"""Text analysis (indexer.index.analysis): the Whoosh analyzer the index uses gives the tokens of
Whoosh's own analyzer chain with the same settings, under every flag Whoosh passes, and the
query-time helpers give the analyzer's terms and spans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer
from whoosh.lang.porter2 import stem as porter2_stem

from indexer.index.analysis import (
    STOP_WORDS,
    TOKEN_PATTERN,
    index_terms,
    text_analyzer,
    word_spans,
)

PAGES = Path(__file__).parent / "data" / "pages"
OURS = text_analyzer()
# The chain the index used before analysis had one definition: tokenizer, lower case, stop words
# (renumbering positions), Porter2.
WHOOSHS = StemmingAnalyzer(expression=TOKEN_PATTERN, stoplist=STOP_WORDS, stemfn=porter2_stem)

FLAGS: list[dict[str, Any]] = [
    {},
    {"positions": True},
    {"positions": True, "chars": True, "removestops": False},
    {"no_morph": True, "chars": True},
    {
        "positions": True,
        "removestops": False,
        "start_pos": 5,
        "start_char": 3,
        "keeporiginal": True,
    },
    {"tokenize": False},
    {"tokenize": False, "removestops": False, "positions": True},
    {"mode": "query", "chars": True},
]


def _tokens(analyzer: Any, text: str, flags: dict[str, Any]) -> list[tuple[Any, ...]]:
    fields = ("text", "pos", "startchar", "endchar", "stopped", "original")
    return [tuple(getattr(t, f, None) for f in fields) for t in analyzer(text, **flags)]


def _check(text: str) -> None:
    for flags in FLAGS:
        assert _tokens(OURS, text, flags) == _tokens(WHOOSHS, text, flags), flags
    assert index_terms(text) == [t.text for t in OURS(text)]
    spans = [(t.text, t.startchar, t.endchar) for t in OURS(text, chars=True, no_morph=True)]
    assert list(word_spans(text)) == spans


def test_same_tokens_as_whooshs_chain_on_real_pages() -> None:
    pages = sorted(PAGES.glob("*.htm*"))
    assert pages
    for page in pages:
        _check(page.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize(
    "text",
    [
        "U.S. GDP rose 3.5% in Q1; the İstanbul ÉCOLE a I x's don't e-mail Straße 1,000.00",
        "The Bank of England",  # the first kept word keeps its place after a stop word
        "the",
        "",
    ],
)
def test_same_tokens_on_tricky_text(text: str) -> None:
    _check(text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_same_tokens_on_any_text(text: str) -> None:
    _check(text)


def test_the_analyzer_stems_so_whoosh_keeps_a_field_of_whole_words_for_spelling() -> None:
    assert OURS.has_morph()
    assert [t.text for t in OURS("Running dogs", no_morph=True)] == ["running", "dogs"]
    assert index_terms("Running dogs") == ["run", "dog"]
