"""Main text of a page (indexer.body): trafilatura, JSON-LD articleBody, clean-up and limits."""

from __future__ import annotations

import json
from pathlib import Path

from lxml.html import HtmlElement

from indexer import body
from indexer.body import extract_body, unwrap_layout_tables, without_page_furniture
from indexer.htmlparse import load_page, parse_html

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


def _ld_body(name: str) -> str:
    script = page_tree(name).find(".//script[@type='application/ld+json']")
    assert script is not None and script.text
    return str(json.loads(script.text)["articleBody"])
