"""Text analysis (indexer.index.analysis): English as before languages, each language's own
stemming and stop words in its own namespace, accent folding, CJK bigrams, and the Whoosh analyzer
giving exactly what the query-time functions give."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer
from whoosh.lang.porter2 import stem as porter2_stem

from indexer.index.analysis import (
    STOP_WORDS,
    LanguageText,
    analyse,
    find_terms,
    fold,
    index_terms,
    query_terms,
    spelling_words,
    term_counts,
    text_analyzer,
)

PAGES = Path(__file__).parent / "data" / "pages"
OURS = text_analyzer()
# The chain the index used before it knew languages: tokenizer, lower case, stop words, Porter2.
WHOOSHS = StemmingAnalyzer(expression=r"\w+(\.?\w+)*", stoplist=STOP_WORDS, stemfn=porter2_stem)


def _relative(positions: list[int]) -> list[int]:
    return [p - positions[0] for p in positions] if positions else []


def _check_english(text: str) -> None:
    """On text without accents or CJK, English terms and their relative positions are the old
    chain's (the ranking was measured on them)."""
    old = [(t.text, t.pos) for t in WHOOSHS(text, positions=True)]
    new = [(t.text, t.pos) for t in OURS(text, positions=True)]
    assert [t for t, _ in new] == [t for t, _ in old]
    assert _relative([p for _, p in new]) == _relative([p for _, p in old])


def test_english_terms_are_those_the_ranking_was_measured_on() -> None:
    pages = sorted(PAGES.glob("*.htm*"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        _check_english(fold(text).encode("ascii", "ignore").decode())


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_english_terms_on_any_ascii_text(text: str) -> None:
    _check_english(text)


def _tokens(text: str, **flags: object) -> list[tuple[object, ...]]:
    return [(t.text, t.pos, t.startchar, t.endchar) for t in OURS(text, **flags)]


@pytest.mark.parametrize("language", [None, "en", "de", "fr", "zh", "pl", "sw"])
@given(text=st.text(max_size=120))
def test_the_whoosh_analyzer_gives_what_analyse_gives(language: str | None, text: str) -> None:
    value = LanguageText(text, language)
    expected = [(w.term, w.position, w.start, w.end) for w in analyse(text, language)]
    assert _tokens(value, positions=True, chars=True) == expected
    query = [(w.term, w.position, w.start, w.end) for w in analyse(text, language, query=True)]
    assert _tokens(value, positions=True, chars=True, mode="query") == query
    spelled = [t.text for t in OURS(value, no_morph=True)]
    assert spelled == [word for word, _, _ in spelling_words(text, language)]


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("de", ["Gewerkschaften", "Gewerkschaft"]),
        ("de", ["Forderung", "Forderungen"]),
        ("de", ["Bahnhöfe", "Bahnhöfen", "bahnhofe"]),
        ("es", ["restricción", "restricciones", "restriccion"]),
        ("es", ["sequía", "sequia"]),
        ("es", ["agrícola", "agricola"]),
        ("fr", ["café", "cafe", "cafés"]),
        ("en", ["café", "cafe"]),
        ("pl", ["Polsce", "polsce"]),
    ],
)
def test_inflected_and_unaccented_forms_are_one_term(language: str, forms: list[str]) -> None:
    terms = {term for form in forms for term in index_terms(form, language)}
    assert len(terms) == 1, terms
    assert terms == {term for form in forms for term in query_terms(form, language)}


def test_each_language_has_its_own_namespace_and_stop_words() -> None:
    assert index_terms("Die Bahn streikt", "de") == ["de:bahn", "de:streikt"]
    assert index_terms("the railway strikes", "en") == ["railway", "strike"]
    assert index_terms("the railway strikes") == ["railway", "strike"]  # unknown reads as English
    assert index_terms("Kiswahili habari", "sw") == ["sw:kiswahili", "sw:habari"]  # not stemmed


def test_cjk_runs_become_bigrams_and_characters_at_index_time_and_bigrams_in_queries() -> None:
    indexed = [(w.term, w.position) for w in analyse("东京塔 in 北京", "zh")]
    assert ("zh:东京", 0) in indexed and ("zh:京塔", 1) in indexed
    assert ("zh:东", 0) in indexed and ("zh:塔", 2) in indexed
    assert ("zh:in", 3) in indexed  # the next word follows the run
    assert ("zh:北京", 4) in indexed
    assert query_terms("东京塔", "zh") == ["zh:东京", "zh:京塔"]
    assert query_terms("塔", "zh") == ["zh:塔"]
    assert query_terms("東京", "ja") == ["ja:東京"]
    assert query_terms("지진", "ko") == ["ko:지진"]


def test_folding_removes_marks_from_latin_letters_only() -> None:
    assert fold("café naïve straße łódź") == "cafe naive strasse lodz"
    assert fold("йод") == "йод"  # Cyrillic is left as written
    assert fold("ελληνικά") == "ελληνικά"


def test_the_spelling_field_holds_whole_words_as_written() -> None:
    assert [w for w, _, _ in spelling_words("Die Bahnhöfe 北京 a", "de")] == ["bahnhöfe"]
    assert [w for w, _, _ in spelling_words("from the form")] == ["form"]
    assert OURS.has_morph()


@pytest.mark.parametrize("language", [None, "de", "es", "zh"])
@given(text=st.text(max_size=200), pick=st.integers(0, 50))
def test_find_terms_finds_what_full_analysis_finds(
    language: str | None, text: str, pick: int
) -> None:
    analysed = [(w.term, w.start, w.end) for w in analyse(text, language)]
    terms = {term for term, _, _ in analysed[pick : pick + 3]} | {"zzzz"}
    assert list(find_terms(text, terms, language)) == [a for a in analysed if a[0] in terms]


def test_find_terms_finds_a_word_right_after_cjk_characters() -> None:
    text = "日本のSony企業とiPhone, and Sony again"
    analysed = [(w.term, w.start, w.end) for w in analyse(text)]
    terms = {"soni", "iphon"}
    found = list(find_terms(text, terms))
    assert found == [a for a in analysed if a[0] in terms]
    assert [text[start:end] for _, start, end in found] == ["Sony", "iPhone", "Sony"]


@given(text=st.text(max_size=200))
def test_term_counts_count_the_indexed_terms(text: str) -> None:
    for language in (None, "fr", "ja"):
        assert term_counts(text, language) == Counter(index_terms(text, language))


def test_find_terms_on_real_pages() -> None:
    for page in sorted(PAGES.glob("*.htm*"))[:20]:
        text = page.read_text(encoding="utf-8", errors="replace")
        analysed = [(w.term, w.start, w.end) for w in analyse(text)]
        terms = {analysed[i][0] for i in range(0, len(analysed), 97)}
        assert list(find_terms(text, terms)) == [a for a in analysed if a[0] in terms]
