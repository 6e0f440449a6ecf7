"""Query parsing: the syntax users rely on, read forgivingly, and the queries we refuse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query

from indexer.index.analysis import index_terms
from search.errors import BadRequestError
from search.query import ParsedQuery, localize, parse_query
from search.ranking import query_branches, requires_all, words_query


def searched(parsed: ParsedQuery, languages: tuple[str, ...] = ("en",)) -> query.Query:
    """The query a search runs for ``parsed`` in an index of articles in ``languages``."""
    if parsed.is_plain:
        return words_query(query_branches(parsed.plain, languages), require_all=True)
    return localize(parsed.strict, languages)


def leaves(q: query.Query | ParsedQuery) -> set[tuple[str, str]]:
    if isinstance(q, ParsedQuery):
        q = searched(q)
    found = set()
    for leaf in q.leaves():
        if isinstance(leaf, query.Phrase):
            found |= {(leaf.field(), word) for word in leaf.words}
        elif hasattr(leaf, "text"):
            found.add((leaf.field(), leaf.text))
    return found


def weights(parsed: ParsedQuery) -> dict[object, float]:
    (branch,) = query_branches(parsed.plain, ("en",))
    return branch


def is_long(parsed: ParsedQuery) -> bool:
    return parsed.is_plain and not requires_all(weights(parsed))


def test_words_are_all_required_and_stemmed_in_title_and_body() -> None:
    parsed = parse_query("launches rockets")
    assert isinstance(searched(parsed), query.And)
    assert {("title", "launch"), ("body", "launch"), ("body", "rocket")} <= leaves(parsed)


def test_quoted_phrase_becomes_a_phrase_query() -> None:
    parsed = parse_query('"space station"')
    assert any(isinstance(leaf, query.Phrase) for leaf in parsed.strict.leaves())


def test_minus_and_not_exclude_words() -> None:
    for text in ("mars -russia", "mars NOT russia"):
        assert "NOT (title:russia OR body:russia)" in str(searched(parse_query(text))), text


def test_hyphenated_words_are_not_negations() -> None:
    parsed = parse_query("self-medicating ants")
    assert "ANDNOT" not in str(searched(parsed))
    # Whatever the stemmer makes of "medicating", that stem is searched, not excluded.
    (stem,) = index_terms("medicating")
    assert ("body", stem) in leaves(parsed)


def test_or_matches_either_word() -> None:
    assert isinstance(parse_query("nasa OR roscosmos").strict, query.Or)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("title:mars", "title"),
        ("author:smith", "author"),
        ("source:wikinews", "source"),
        ("tag:science", "tags"),
        ("tags:science", "tags"),
    ],
)
def test_field_prefixes_search_their_field(text: str, field: str) -> None:
    assert {leaf.field() for leaf in parse_query(text).strict.leaves()} == {field}


def test_internal_field_names_are_plain_text() -> None:
    assert "path" not in {leaf.field() for leaf in parse_query("path:secret").strict.leaves()}


@pytest.mark.parametrize(
    "text",
    [
        '"unbalanced quote',
        "stray ) paren (",
        "(((",
        "NOT",
        "AND OR",
        "ratio 3:2 at 10:30",
        "title:",
        ":",
        "a: b: c:",
        "-",
        "+",
        "^",
        "~",
        "[",
        "{",
        "what?",
    ],
)
def test_odd_syntax_never_raises(text: str) -> None:
    parse_query(text)


def test_odd_syntax_keeps_the_words() -> None:
    assert ("body", "quot") in leaves(parse_query('"unbalanced quote'))
    assert ("body", "paren") in leaves(parse_query("stray ) paren ("))


@pytest.mark.parametrize("text", ["*", "**", "title:*", "a*", "ab*"])
def test_queries_matching_everything_are_refused_with_advice(text: str) -> None:
    with pytest.raises(BadRequestError, match=r"\*"):
        parse_query(text)


def test_prefix_with_three_letters_is_allowed() -> None:
    assert any(isinstance(leaf, query.Prefix) for leaf in parse_query("cosmo*").strict.leaves())


def test_long_plain_queries_are_relaxed_but_short_ones_are_not() -> None:
    assert not is_long(parse_query("space station"))
    assert is_long(parse_query("international space station extension until 2030 operations"))
    assert not is_long(parse_query('"international space station" extension until 2030 ops'))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        parse_query(text)
    except BadRequestError as error:
        assert "*" in str(error)


def stems(text: str) -> list[str]:
    return index_terms(text)


def test_a_question_mark_ends_a_question_and_is_no_wildcard() -> None:
    parsed = parse_query("What is information science?")
    assert parsed.is_plain
    assert weights(parsed).keys() == set(stems("information science"))
    assert not any(isinstance(leaf, query.Wildcard) for leaf in searched(parsed).leaves())


def test_plain_words_count_how_often_each_was_typed() -> None:
    rocket, launch = stems("rocket launch")
    assert weights(parse_query("rocket launch, the rocket")) == {rocket: 2, launch: 1}


def test_quotes_dashes_and_stars_in_prose_are_punctuation() -> None:
    text = (
        'Is there any use for "traditional" classification schemes - DDC, UDC, LC - in '
        "retrieval systems with operators like *, + and the rest?"
    )
    parsed = parse_query(text)
    assert parsed.is_plain
    assert set(stems("traditional classification schemes")) <= weights(parsed).keys()


def test_in_a_short_query_quotes_and_signs_are_syntax() -> None:
    assert not parse_query('"space station" launch').is_plain
    assert not parse_query("mars -russia").is_plain
    assert not parse_query("title:mars").is_plain


def test_and_or_not_in_capitals_are_words_when_everything_is_in_capitals() -> None:
    shouted = parse_query("DESIGN OF FILTERS AND AMPLIFIERS OR OSCILLATORS NOT NOISE")
    assert shouted.is_plain
    assert set(stems("design filters amplifiers oscillators noise")) == weights(shouted).keys()
    assert isinstance(parse_query("filters OR amplifiers").strict, query.Or)


def test_each_language_of_the_index_reads_the_words_its_own_way() -> None:
    q = searched(parse_query("Gewerkschaften Forderungen"), ("en", "de"))
    assert {("body", "de:gewerkschaft"), ("body", "de:forder")} <= leaves(q)
    assert ("body", "gewerkschaften") in leaves(q)  # the English reading
    # Each reading requires all of its (two) words; either reading matches.
    assert isinstance(q, query.Or) and all(isinstance(sub, query.And) for sub in q.subqueries)


def test_a_cjk_run_is_read_as_its_bigrams_in_sequence() -> None:
    q = searched(parse_query("北京市"), ("zh",))
    phrases = [leaf for leaf in q.leaves() if isinstance(leaf, query.Phrase)]
    assert phrases and all(leaf.words == ["zh:北京", "zh:京市"] for leaf in phrases)
    assert ("body", "zh:北京") in leaves(searched(parse_query("北京"), ("zh",)))
    assert ("body", "zh:京") in leaves(searched(parse_query("京"), ("zh",)))


def test_syntax_queries_are_read_in_every_language_too() -> None:
    q = searched(parse_query('"Forderungen der" -Bahn'), ("en", "de"))
    text = str(q)
    assert "de:forder" in text and "de:bahn" in text and "NOT" in text
    prefix = searched(parse_query("café*"), ("en", "fr"))
    assert {leaf.text for leaf in prefix.leaves()} == {"cafe", "fr:cafe"}
