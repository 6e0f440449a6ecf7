"""The stored body's small Markdown subset, written from trafilatura's result tree (read by
:mod:`indexer.article_body`).

A body is paragraphs separated by a blank line.  Three kinds of paragraph carry a marker, and
nothing else is marked or escaped (no emphasis, no links):

- a subheading of the article (``h2``-``h4``): ``## Heading`` (one ``#`` per level: ``##``,
  ``###``, ``####``); other headings are plain paragraphs;
- a list: one line per item, each starting ``- `` (``1. ``, ``2. ``... in an ordered list);
  nested lists are flattened into the same paragraph;
- a table: one line per row, its cells separated by `` | ``.

Any other paragraph is plain text on one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from indexer.extraction.pagetext import clean_text, normalised_words

# trafilatura's result tree: <head rend="h2">, <list rend="ol"><item>, <table><row><cell>, <p>,
# <quote>, <code>, with <lb/> for line breaks and <hi>/<ref> inline (formatting and links are
# not asked for, so they hold text only).
_MARKED_HEADING_LEVELS = {"h2": "##", "h3": "###", "h4": "####"}
CELL_SEPARATOR = " | "
_BLOCK_TAGS = frozenset({"p", "head", "list", "table", "quote", "code", "div", "item"})

_ITEM_MARKER = re.compile(r"^(?:- |\d{1,4}\. )")


def body_paragraphs(body: etree._Element) -> Iterator[str]:
    """The paragraphs of trafilatura's result tree (its <body>) in the stored format."""
    yield from _blocks(body)


def _blocks(container: etree._Element) -> Iterator[str]:
    loose: list[str] = []  # text directly in the container, between blocks
    if container.text and container.text.strip():
        loose.append(container.text)
    for element in container:
        if not isinstance(element.tag, str):
            continue
        if element.tag in _BLOCK_TAGS or any(
            isinstance(e.tag, str) and e.tag in _BLOCK_TAGS for e in element.iterdescendants()
        ):
            if loose:
                yield from _lines("".join(loose))
                loose = []
            yield from _block(element)
        else:
            loose.append(_inline_text(element, keep_breaks=True))
        if element.tail and element.tail.strip():
            loose.append(element.tail)
    if loose:
        yield from _lines("".join(loose))


def _block(element: etree._Element) -> Iterator[str]:
    tag = element.tag
    if tag == "head":
        text = clean_text(_inline_text(element))
        if text:
            marker = _MARKED_HEADING_LEVELS.get(element.get("rend", ""))
            yield f"{marker} {text}" if marker else text
    elif tag == "list":
        lines = list(_list_lines(element))
        if lines:
            yield "\n".join(lines)
    elif tag == "table":
        rows = [row for row in (_row_line(r) for r in element.iter("row")) if row]
        if rows:
            yield "\n".join(rows)
    elif tag in ("p", "quote", "code", "item") and not any(
        isinstance(e.tag, str) and e.tag in ("list", "table", "head", "p")
        for e in element.iterdescendants()
    ):
        # A line break inside a paragraph starts a new one, as trafilatura's text output does.
        yield from _lines(_inline_text(element, keep_breaks=True))
    else:  # a container of blocks
        yield from _blocks(element)


def _list_lines(listing: etree._Element) -> Iterator[str]:
    ordered = listing.get("rend") == "ol"
    number = 0
    for item in listing:
        if item.tag != "item":
            continue
        own = clean_text(_inline_text(item, skip=("list",)))
        if own:
            number += 1
            yield f"{number}. {own}" if ordered else f"- {own}"
        for nested in item.iter("list"):
            if nested is not item and next(nested.iterancestors("list"), None) is listing:
                yield from _list_lines(nested)


def _row_line(row: etree._Element) -> str:
    cells = [clean_text(_inline_text(cell)) for cell in row.iter("cell")]
    if not any(cells):
        return ""
    return CELL_SEPARATOR.join(cells)


def _inline_text(
    element: etree._Element, *, keep_breaks: bool = False, skip: tuple[str, ...] = ()
) -> str:
    """The element's text; <lb/> becomes a newline (`keep_breaks`) or a space."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag in skip:
            parts.append(child.tail or "")
            continue
        if child.tag == "lb":
            parts.append("\n" if keep_breaks else " ")
        elif isinstance(child.tag, str):
            text = _inline_text(child, keep_breaks=keep_breaks, skip=skip)
            # Blocks flattened into a line (a heading inside a list item) keep a space apart.
            parts.append(f" {text} " if child.tag in _BLOCK_TAGS else text)
        parts.append(child.tail or "")
    return "".join(parts)


def _lines(text: str) -> Iterator[str]:
    for line in text.split("\n"):
        line = clean_text(line)
        if line:
            yield line


def line_words(line: str) -> str:
    """A line's words for comparing it with other text: lower-case, without its list marker
    ("1. ", "- ") or heading marker."""
    return normalised_words(_ITEM_MARKER.sub("", line, count=1))
