"""Snippets: every matching form marked, escaped by construction, short, cut at word boundaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.snippets import MAX_SNIPPET_CHARS, make_snippet

BODY = (
    "The head of the space agency made a rare visit. " * 5
    + "Rockets launched from the pad carried a cosmonaut to the station. "
    + "Filler words about other matters entirely. " * 10
    + "Later the cosmonauts returned safely."
)


def visible(snippet: str) -> str:
    return snippet.replace("<mark>", "").replace("</mark>", "")


def test_stemmed_forms_of_the_query_term_are_marked() -> None:
    snippet = make_snippet(BODY, {"launch"})
    assert "<mark>launched</mark>" in snippet


def test_snippet_is_at_most_the_limit_and_cut_at_word_boundaries() -> None:
    snippet = make_snippet(BODY, {"cosmonaut"})
    text = visible(snippet).replace("…", "").strip()
    assert len(text) <= MAX_SNIPPET_CHARS
    for word in text.split():
        assert word.strip(".,") in BODY


def test_two_passages_show_terms_far_apart() -> None:
    snippet = make_snippet(BODY, {"agenc", "return"})
    assert "<mark>agency</mark>" in snippet
    assert "<mark>returned</mark>" in snippet
    assert " … " in snippet


def test_article_text_is_escaped() -> None:
    body = "Payload <script>alert(1)</script> and <img src=x onerror=alert(1)> near rockets."
    snippet = make_snippet(body, {"rocket"})
    assert "<script>" not in snippet and "<img" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>rockets</mark>" in snippet


def test_without_a_match_the_opening_text_is_shown_unmarked() -> None:
    snippet = make_snippet(BODY, {"nothing"})
    assert snippet.startswith("The head of the space agency")
    assert "<mark>" not in snippet


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600), st.sets(st.sampled_from(["rocket", "a", "<", "the", "x"])))
def test_snippets_never_contain_unescaped_markup(body: str, terms: set[str]) -> None:
    snippet = make_snippet(body, terms)
    assert "<" not in visible(snippet)


def passages(snippet: str) -> list[str]:
    return [part.strip() for part in visible(snippet).split("…") if part.strip()]


def test_the_limit_holds_when_the_lead_in_starts_inside_a_long_word() -> None:
    body = " ".join(["antidisestablishmentarianism" * 2] * 30 + ["rockets", "launched"] * 3)
    snippet = make_snippet(body, {"rocket"})
    assert "<mark>rockets</mark>" in snippet
    assert sum(len(p) for p in passages(snippet)) <= MAX_SNIPPET_CHARS


def test_the_passage_with_the_most_query_words_comes_first() -> None:
    body = (
        "The agency said little. " * 3
        + "Filler about other matters entirely. " * 12
        + "The agency confirmed the cosmonaut returned and the station was safe. "
        + "Filler about other matters entirely. " * 12
    )
    snippet = make_snippet(body, {"agenc", "cosmonaut", "return", "station"})
    first = passages(snippet)[0]
    assert "cosmonaut returned" in first and "station" in first


STRUCTURED = (
    "## Interview\n\n"
    "What inspired you to write about the harbour? I grew up near the docks and watched the "
    "ferries.\n\n"
    "### Early years\n\n"
    "- sailing lessons\n- the harbour museum\n\n"
    "Later the interview turned to the ferries again."
)


def test_a_heading_is_never_glued_to_the_sentence_after_it() -> None:
    snippet = visible(make_snippet(STRUCTURED, {"interview"}))
    assert "Interview What inspired" not in snippet
    assert "#" not in snippet
    # The running text that holds the word is preferred to the heading alone.
    assert "the interview turned" in snippet


def test_without_a_match_the_opening_skips_a_leading_heading() -> None:
    snippet = make_snippet(STRUCTURED, {"zebra"})
    assert snippet.startswith("What inspired you")
    assert "Interview" not in snippet.split("What")[0]


def test_list_markers_are_never_shown() -> None:
    snippet = visible(make_snippet(STRUCTURED, {"museum"}))
    assert "museum" in snippet and "- " not in snippet


def test_a_match_found_only_in_a_heading_is_shown() -> None:
    body = "## Harbour works\n\nThe council met. " + "Other business. " * 30
    snippet = make_snippet(body, {"harbour"})
    assert "<mark>Harbour</mark> works" in snippet
    assert "works The council" not in visible(snippet)


def test_titles_are_escaped_with_their_matches_marked() -> None:
    from search.snippets import highlight

    assert highlight("Ferries <b>launched</b> & more", {"launch"}) == (
        "Ferries &lt;b&gt;<mark>launched</mark>&lt;/b&gt; &amp; more"
    )
