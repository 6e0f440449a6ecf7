"""Main text of a page (indexer.body): trafilatura, JSON-LD articleBody, clean-up and limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml.html import HtmlElement

from indexer.extraction import body
from indexer.extraction.body import extract_body, unwrap_layout_tables, without_page_furniture
from indexer.extraction.htmlparse import load_page, parse_html

PAGES = Path(__file__).parent / "data" / "pages"


def page_tree(name: str) -> HtmlElement:
    return load_page((PAGES / name).read_bytes())


def test_consistent_json_ld_article_body_is_the_body_split_where_the_page_splits() -> None:
    found = extract_body(
        page_tree("extract-jsonld-body.html"), _ld_body("extract-jsonld-body.html")
    )
    assert found is not None and found.origin == "json-ld"
    paragraphs = found.value.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Overnight trains will run again")
    assert "morning briefing" not in found.value


def test_truncated_json_ld_article_body_is_not_the_body() -> None:
    teaser = "Overnight trains will run again on the valley line from December, the company said."
    found = extract_body(page_tree("extract-jsonld-body.html"), teaser)
    assert found is not None and found.origin == "extractor"
    assert "Hotel owners in the upper valley" in found.value


def test_json_ld_article_body_the_page_does_not_show_is_not_the_body() -> None:
    other = " ".join(["An unrelated story about harvest festivals and county fairs."] * 10)
    found = extract_body(page_tree("extract-jsonld-body.html"), other)
    assert found is not None and found.origin == "extractor"


def test_layout_tables_become_divs_and_data_tables_stay() -> None:
    tree = page_tree("meta-only.html")
    assert unwrap_layout_tables(tree) == 1
    assert tree.find(".//table") is None
    data = parse_html("<table><tr><td>Wheat</td><td>2.55</td></tr></table>")
    assert unwrap_layout_tables(data) == 0 and data.find(".//table") is not None


def test_furniture_around_a_short_article_is_dropped() -> None:
    text = "\n\n".join(
        [
            "N.Z. Reserves Fall",
            "By Jane Doe",
            "Reserves fell to 7.15 billion dlrs in January.",
            "Feb 26, 1987",
            "© 1987 Pacific Wire — all rights reserved",
        ]
    )
    assert without_page_furniture(text, "N.Z. Reserves Fall") == (
        "Reserves fell to 7.15 billion dlrs in January."
    )
    assert without_page_furniture("N.Z. Reserves Fall\n\nFeb 26, 1987", "N.Z. Reserves Fall") == ""


def test_a_page_of_thousands_of_paragraphs_is_read_directly_and_cut() -> None:
    paragraph = "<p>" + "Rail services resumed across the valley on Monday morning. " * 3 + "</p>"
    tree = parse_html("<html><body>" + paragraph * 30_000 + "</body></html>")
    found = extract_body(tree)
    assert found is not None
    assert len(found.value) <= body.MAX_BODY_CHARS
    assert found.value.startswith("Rail services resumed")


TOLLS_LEAD = (
    "Tolls for cargo ships entering the north harbour will rise by eight percent from the first "
    "of March, the port authority said on Tuesday, the first increase in six years."
)


def test_a_print_header_gives_way_to_the_article_text() -> None:
    # trafilatura in fast mode took the print header on one real page (its <body> has
    # id="article_body"); its default mode, with its own second opinions, finds the article.
    found = extract_body(page_tree("extract-print-header.html"))
    assert found is not None and found.origin == "extractor"
    paragraphs = found.value.split("\n\n")
    assert paragraphs[1] == TOLLS_LEAD and len(paragraphs) == 6
    assert "personal, non-commercial use" not in found.value
    assert "Ships waiting outside the north harbour." not in found.value  # a caption


def test_a_short_text_the_precision_focus_does_not_confirm_is_no_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A headline-only aggregator item: the default focus rescues a source line and a dot.
    def extractor(
        tree: HtmlElement, settings: body.ExtractorSettings = body.EXTRACTOR_SETTINGS
    ) -> list[str]:
        return [] if settings == body.SHORT_TEXT_SETTINGS else ["Prairie Ledger", "·"]

    monkeypatch.setattr(body, "extractor_paragraphs", extractor)
    assert extract_body(page_tree("extract-print-header.html")) is None


def test_an_article_cut_into_blocks_of_one_kind_is_read_whole() -> None:
    found = extract_body(page_tree("extract-continued-body.html"))
    assert found is not None
    paragraphs = found.value.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("For most of the last century")
    assert paragraphs[3].startswith("The change was not only about saving money")
    assert paragraphs[-1].startswith("The museum has begun to scan")
    assert "Advertisement" not in found.value


def test_a_paragraph_that_is_one_link_to_another_story_is_not_body() -> None:
    found = extract_body(page_tree("extract-teaser-link.html"))
    assert found is not None
    assert "Valley hotels count the cost" not in found.value
    assert "Timetables are posted at roads.alpine.example" in found.value  # a short link stays


def test_json_ld_body_with_ticker_symbols_is_text_and_html_bodies_lose_their_tags() -> None:
    name = "publisher-ticker-json-ld.html"
    found = extract_body(page_tree(name), _ld_body(name))
    assert found is not None and found.origin == "json-ld"
    assert found.value.count("First Harbour Bancorp <I>") == 2
    html = "<p>Harbour <b>Bancorp</b> said it will sell bonds.</p><p><i>Second</i> one.</p>"
    assert body.ld_body_paragraphs(html * 5)[:2] == [
        "Harbour Bancorp said it will sell bonds.",
        "Second one.",
    ]


def test_furniture_lines_repeating_the_title_or_the_heading_or_without_words_are_dropped() -> None:
    text = "Ferry Fares Frozen\n\nCorrected - Ferry Fares\n\n·\n\nThe ferry company kept its fares."
    assert without_page_furniture(text, "Ferry Fares Frozen", "Corrected - Ferry Fares") == (
        "The ferry company kept its fares."
    )


def _ld_body(name: str) -> str:
    script = page_tree(name).find(".//script[@type='application/ld+json']")
    assert script is not None and script.text
    return str(json.loads(script.text)["articleBody"])
