"""The visible text of elements, and the normalisations every extraction step shares (with the
plain-word helpers of :mod:`indexer.words`, re-exported here for extraction's modules)."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.words import WORD, normalised_words, word_count

__all__ = [
    "WORD",
    "block_texts",
    "class_and_id",
    "clean_text",
    "element_text",
    "marker_text",
    "normalised_words",
    "word_count",
]

_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_SKIPPED_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})


def clean_text(text: str | None) -> str:
    """Text with invisible characters removed and white space collapsed."""
    if not text:
        return ""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def element_text(element: HtmlElement) -> str:
    """The visible text of an element, white space collapsed: scripts and styles skipped, block
    boundaries kept as spaces (inline boundaries are not: "Hel<b>lo</b>" is "Hello")."""
    parts: list[str] = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node.tag in _SKIPPED_TEXT_TAGS or not isinstance(node.tag, str):
                walker.skip_subtree()
                continue
            if node.tag in sel.BLOCK_TAGS or node.tag == "br":
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if node.tag in sel.BLOCK_TAGS:
                parts.append(" ")
            if node is not element and node.tail:
                parts.append(node.tail)
    return clean_text("".join(parts))


def block_texts(element: HtmlElement) -> list[str]:
    """The visible text of an element split at block boundaries (paragraphs, list items,
    headings, cells): one string per block, white space collapsed.  Elements that never hold
    article text (scripts, navigation, buttons, forms, figures and their captions) are skipped."""
    blocks: list[str] = []
    parts: list[str] = []

    def close_block() -> None:
        text = clean_text("".join(parts))
        parts.clear()
        if text:
            blocks.append(text)

    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node.tag in sel.BLOCK_TAGS or node.tag == "br":
                close_block()
            if not isinstance(node.tag, str) or node.tag in sel.NON_TEXT_TAGS:
                walker.skip_subtree()  # its tail is taken at its end event
                continue
            if node.text:
                parts.append(node.text)
        else:
            if node.tag in sel.BLOCK_TAGS:
                close_block()
            if node is not element and node.tail:
                parts.append(node.tail)
    close_block()
    return blocks


def class_and_id(element: HtmlElement) -> str:
    """An element's class and id, what rail and boilerplate patterns are matched against."""
    return " ".join(v for v in (element.get("class"), element.get("id")) if v)


def marker_text(element: HtmlElement) -> str:
    """An element's class, id and microdata itemprop: what metadata patterns (bylines, sources,
    date labels) are matched against."""
    return " ".join(
        v for v in (element.get("class"), element.get("id"), element.get("itemprop")) if v
    )
