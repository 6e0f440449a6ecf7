"""The query-time analysis helpers give exactly the tokens of the index's own analyzer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from indexer.index import schema

PAGES = Path(__file__).parent / "data" / "pages"
_ANALYZER = schema.text_analyzer()


def _whooshs(text: str) -> tuple[list[str], list[tuple[str, int, int]]]:
    terms = [token.text for token in _ANALYZER(text)]
    spans = [(t.text, t.startchar, t.endchar) for t in _ANALYZER(text, chars=True, no_morph=True)]
    return terms, spans


def _check(text: str) -> None:
    terms, spans = _whooshs(text)
    assert schema.index_terms(text) == terms
    assert list(schema.word_spans(text)) == spans


def test_same_tokens_as_the_analyzer_on_real_pages() -> None:
    pages = sorted(PAGES.glob("*.htm*"))
    assert pages
    for page in pages:
        _check(page.read_text(encoding="utf-8", errors="replace"))


def test_same_tokens_on_tricky_text() -> None:
    _check("U.S. GDP rose 3.5% in Q1; the İstanbul ÉCOLE a I x's don't e-mail Straße 1,000.00")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_same_tokens_on_any_text(text: str) -> None:
    _check(text)
