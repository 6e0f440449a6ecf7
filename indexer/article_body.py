"""The stored article body's structure: a small Markdown subset, read into blocks and passages.

Extraction stores the body as paragraphs separated by a blank line, marking only what a reader
needs to see as structure:

- a subheading is a paragraph ``## Text`` (``###``, ``####`` for deeper levels);
- a list is a paragraph whose lines all start with ``- `` (or ``1. ``, ``2. `` ... for a
  numbered list);
- a table is a paragraph of two or more lines whose cells are separated by `` | ``.

Nothing else is marked: any other paragraph is text, whatever characters it holds
(:mod:`indexer.extraction.structure` writes the format).  This module reads it for the article
page (which builds its few tags itself around escaped text) and for snippets (which must never
glue a subheading to the sentence after it, nor show the markers): :func:`blocks` and
:func:`passages`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_HEADING = re.compile(r"^(#{2,4})[ \t]+(\S.*)$")
_BULLET = re.compile(r"^[-*][ \t]+(\S.*)$")
_NUMBERED = re.compile(r"^\d{1,3}[.)][ \t]+(\S.*)$")
_CELL_SEPARATOR = " | "
# How list items and table cells read when a snippet shows them as running text.
ITEM_SEPARATOR = " · "
ROW_SEPARATOR = "; "


@dataclass(frozen=True)
class Block:
    """One block of a body: ``kind`` is "paragraph", "heading", "list" or "table".

    ``text`` is a paragraph's or heading's text (markers removed, white space collapsed);
    ``level`` a heading's level (2 to 4, as ``##`` to ``####``); ``items`` a list's items and
    ``ordered`` whether it was numbered; ``rows`` a table's rows of cells.
    """

    kind: str
    text: str = ""
    level: int = 0
    items: tuple[str, ...] = ()
    ordered: bool = False
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def plain(self) -> str:
        """The block as one line of running text, without markers."""
        if self.kind == "list":
            return ITEM_SEPARATOR.join(self.items)
        if self.kind == "table":
            return ROW_SEPARATOR.join(ITEM_SEPARATOR.join(row) for row in self.rows)
        return self.text


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _paragraph_blocks(paragraph: str) -> list[Block]:
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    heading = _HEADING.match(lines[0])
    if heading:
        # A heading is one line; text that follows it without a blank line is a paragraph.
        found = [Block("heading", _collapse(heading.group(2)), level=len(heading.group(1)))]
        if lines[1:]:
            found += _paragraph_blocks("\n".join(lines[1:]))
        return found
    for pattern, ordered in ((_BULLET, False), (_NUMBERED, True)):
        items = [pattern.match(line) for line in lines]
        if all(items):
            texts = tuple(_collapse(m.group(1)) for m in items if m)
            return [Block("list", items=texts, ordered=ordered)]
    if len(lines) > 1 and all(_CELL_SEPARATOR in line for line in lines):
        rows = tuple(
            tuple(_collapse(cell) for cell in line.strip("|").split(_CELL_SEPARATOR.strip()))
            for line in lines
        )
        return [Block("table", rows=rows)]
    return [Block("paragraph", _collapse(paragraph))]


def blocks(body: str) -> list[Block]:
    """The body's blocks in order; blank paragraphs are dropped."""
    found: list[Block] = []
    for paragraph in _PARAGRAPH_BREAK.split(body):
        if paragraph.strip():
            found += _paragraph_blocks(paragraph)
    return found


@dataclass(frozen=True)
class Passage:
    """A stretch of running text a snippet may be cut from: a heading alone, or the text between
    two headings (its paragraphs, lists and tables joined by spaces)."""

    text: str
    heading: bool


def passages(body: str) -> list[Passage]:
    """The body as :class:`Passage` s: a snippet window never spans two of them."""
    found: list[Passage] = []
    run: list[str] = []
    for block in blocks(body):
        if block.kind == "heading":
            if run:
                found.append(Passage(" ".join(run), heading=False))
                run = []
            found.append(Passage(block.text, heading=True))
        elif block.plain:
            run.append(block.plain)
    if run:
        found.append(Passage(" ".join(run), heading=False))
    return found


def plain_text(body: str) -> str:
    """The body as running text without markers (headings and paragraphs joined by spaces)."""
    return " ".join(passage.text for passage in passages(body))
