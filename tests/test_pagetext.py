"""The visible text of elements (indexer.pagetext)."""

from __future__ import annotations

from indexer.extraction.htmlparse import parse_html
from indexer.extraction.pagetext import (
    block_texts,
    clean_text,
    element_text,
    normalised_words,
    word_count,
)


def test_element_text_joins_inline_elements_and_separates_blocks() -> None:
    tree = parse_html("<div><p>Hel<b>lo</b> there</p><p>Second</p><span>Russia Today</span>x</div>")
    assert element_text(tree.find(".//div")) == "Hello there Second Russia Todayx"


def test_element_text_skips_scripts_and_styles_but_keeps_their_tails() -> None:
    tree = parse_html("<div>a<script>var x = 1;</script>b<style>p{}</style>c</div>")
    assert element_text(tree.find(".//div")) == "abc"


def test_clean_text_drops_invisible_characters_and_collapses_space() -> None:
    assert clean_text("  soft\u00adhyphen\u200b and\n\n\tspace ") == "softhyphen and space"


def test_normalised_words_ignore_case_and_punctuation() -> None:
    assert (
        normalised_words("North Korea: ‘quasi-state’ of war!") == "north korea quasi state of war"
    )
    assert word_count("quasi-state of war") == 4


def test_block_texts_are_one_string_per_block_without_figures_or_buttons() -> None:
    tree = parse_html(
        "<div><h2>Tolls <b>rise</b></h2><p>First <a href='/'>para</a>graph.</p>"
        "<figure><img src='x.jpg'><figcaption>A caption</figcaption></figure>tail text"
        "<ul><li>One</li><li>Two<button>Share</button></li></ul><p></p></div>"
    )
    assert block_texts(tree.find(".//div")) == [
        "Tolls rise",
        "First paragraph.",
        "tail text",
        "One",
        "Two",
    ]
