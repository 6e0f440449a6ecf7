"""The stored body's Markdown subset (indexer.extraction.structure): written from trafilatura's
result, read back as plain text."""

from __future__ import annotations

from indexer.extraction.body import extract_body
from indexer.extraction.htmlparse import load_page

SENTENCE = "The council met on Tuesday evening and talked about the harbour for a long time."


def body_of(article: str) -> list[str]:
    page = f"<html><body><article><h1>Harbour plans</h1>{article}</article></body></html>"
    found = extract_body(load_page(page.encode()))
    assert found is not None
    return found.value.split("\n\n")


def test_subheadings_h2_to_h4_are_marked_by_level_and_others_are_plain() -> None:
    paragraphs = body_of(
        f"<p>{SENTENCE}</p><h2>The vote</h2><p>{SENTENCE}</p><h3>Who voted</h3><p>{SENTENCE}</p>"
        f"<h4>Against</h4><p>{SENTENCE}</p><h5>Footnote</h5><p>{SENTENCE}</p>"
    )
    assert [p for p in paragraphs if p != SENTENCE] == [
        "Harbour plans",
        "## The vote",
        "### Who voted",
        "#### Against",
        "Footnote",
    ]


def test_a_list_is_one_paragraph_of_dash_or_numbered_lines() -> None:
    paragraphs = body_of(
        f"<p>{SENTENCE}</p><ul><li>New quay</li><li>Wider <b>channel</b></li></ul>"
        f"<p>{SENTENCE}</p><ol><li>Dredging</li><li>Building</li></ol><p>{SENTENCE}</p>"
    )
    assert "- New quay\n- Wider channel" in paragraphs
    assert "1. Dredging\n2. Building" in paragraphs


def test_a_table_is_one_paragraph_of_rows_with_cells_apart() -> None:
    paragraphs = body_of(
        f"<p>{SENTENCE}</p><table><tr><th>Berth</th><th>Depth</th></tr>"
        f"<tr><td>North</td><td>12 m</td></tr><tr><td>South</td><td>9 m</td></tr></table>"
        f"<p>{SENTENCE}</p>"
    )
    assert "Berth | Depth\nNorth | 12 m\nSouth | 9 m" in paragraphs


def test_nothing_else_is_marked() -> None:
    paragraphs = body_of(f'<p>{SENTENCE} <em>Really</em> <a href="/x">so</a>.</p>')
    assert paragraphs[-1] == f"{SENTENCE} Really so."
