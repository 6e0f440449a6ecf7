"""The stored body's Markdown subset read into blocks and passages (indexer/article_body.py)."""

from __future__ import annotations

from indexer.article_body import Block, blocks, passages, plain_text

BODY = """## Why it matters

The council met on Monday.
It voted late.

### Who voted

- Ana Ruiz
- Ben Okafor

1. First reading
2. Second reading

Year | Votes | Result
2023 | 12 | passed
2024 | 9 | failed

A closing paragraph with a | pipe in it."""


def test_each_kind_of_block_is_read_with_its_markers_removed() -> None:
    assert blocks(BODY) == [
        Block("heading", "Why it matters", level=2),
        Block("paragraph", "The council met on Monday. It voted late."),
        Block("heading", "Who voted", level=3),
        Block("list", items=("Ana Ruiz", "Ben Okafor")),
        Block("list", items=("First reading", "Second reading"), ordered=True),
        Block(
            "table",
            rows=(("Year", "Votes", "Result"), ("2023", "12", "passed"), ("2024", "9", "failed")),
        ),
        Block("paragraph", "A closing paragraph with a | pipe in it."),
    ]


def test_a_plain_body_is_paragraphs_only() -> None:
    assert [b.kind for b in blocks("One.\n\nTwo.\n\n\n\nThree.")] == ["paragraph"] * 3
    # Hashes without a space, one hash, or five are text, not headings.
    for text in ("#hashtag", "# Title", "##### Deep"):
        assert blocks(text) == [Block("paragraph", text)]


def test_text_right_under_a_heading_line_is_a_paragraph_of_its_own() -> None:
    assert blocks("## Heading\nText below it.") == [
        Block("heading", "Heading", level=2),
        Block("paragraph", "Text below it."),
    ]


def test_passages_keep_each_heading_apart_from_the_text_after_it() -> None:
    found = passages(BODY)
    assert [(p.text[:20], p.heading) for p in found] == [
        ("Why it matters", True),
        ("The council met on M", False),
        ("Who voted", True),
        ("Ana Ruiz · Ben Okafo", False),
    ]
    assert "##" not in plain_text(BODY) and "- Ana" not in plain_text(BODY)
    assert "Year · Votes · Result; 2023 · 12 · passed" in plain_text(BODY)
