"""The main text of a page: trafilatura over the (pruned) tree, or the JSON-LD articleBody when
that really is the page's text.

Paragraphs are separated by a blank line ("\\n\\n"), as `Article.body` documents.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from indexer import selectors as sel
from indexer.metadata import Found
from indexer.pagetext import clean_text, normalised_words

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_HTML_BREAK = re.compile(r"</p\s*>|<br\s*/?>|</div\s*>|</h[1-6]\s*>", re.I)
_HTML_TAG = re.compile(
    r"<(?:p|br|div|h[1-6]|a|em|strong|b|i|span)\b[^>]*>|</(?:a|em|strong|b|i|span|p|div|h[1-6])>",
    re.I,
)
# A JSON-LD articleBody is the page's text when it is at least this long...
_LD_BODY_MIN_WORDS = 40
# ...and this share of its probe windows is found verbatim in the page's visible text.
_LD_BODY_MIN_SHARE = 0.8
# ...and it is not much shorter than what the extractor found.
_LD_BODY_MIN_RATIO = 0.6
_PROBE_WINDOWS = 12
_PROBE_WORDS = 8


MAX_BODY_CHARS = 1_000_000
"""A body is cut after this many characters (about 170,000 words; the longest benchmark
article has 8,000)."""

_COUNT_ELEMENTS = etree.XPath("count(//*)")
_COUNT_PARAGRAPHS = etree.XPath("count(//p)")
# Pages with more elements than this are extracted by trafilatura's fast mode (news pages have
# one to two thousand; trafilatura's second opinion, readability and jusText, grows faster
# than the page does)...
_FAST_EXTRACTION_ELEMENTS = 10_000
# ...and pages beyond these (a 20 MB page of link cards or of paragraphs) by reading their
# paragraphs: trafilatura needs tens of seconds there.
_PARAGRAPHS_ONLY_ELEMENTS = 200_000
_PARAGRAPHS_ONLY_PARAGRAPHS = 5_000
_MIN_PARAGRAPH_WORDS = 5


def extract_body(tree: HtmlElement, ld_body: str | None = None) -> Found[str] | None:
    """The article text of a page, paragraphs joined by a blank line, or None when it has none.

    trafilatura (precision-oriented, comments excluded, as DECISIONS.md measured) reads the tree;
    it copies the tree, so the caller's is not modified.  A JSON-LD articleBody that is long and
    consistent with the page's visible text is preferred: it is the publisher's own account of
    the body, without in-article promotions.  Its paragraphs are trafilatura's when it is one
    unbroken block.
    """
    paragraphs = _trafilatura_paragraphs(tree)
    if ld_body:
        from_ld = _ld_paragraphs(ld_body)
        # A truncated articleBody (a teaser, a paywall's first paragraphs) is not the body.
        extracted_words = sum(len(_WORD.findall(p)) for p in paragraphs)
        ld_words = sum(len(_WORD.findall(p)) for p in from_ld)
        if (
            from_ld
            and ld_words >= _LD_BODY_MIN_RATIO * extracted_words
            and _is_page_text(from_ld, tree)
        ):
            return Found("\n\n".join(_with_page_breaks(from_ld, paragraphs)), "json-ld")
    if not paragraphs:
        return None
    return Found("\n\n".join(paragraphs), "extractor")


_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
_LAYOUT_CELL_CONTENT = frozenset(
    {"p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}
)
# A cell holding this many words is page layout, not data.
_LAYOUT_CELL_WORDS = 80


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout (cells holding paragraphs, headings, nested tables or
    long text) into plain <div>s, so that the text extractor reads their paragraphs instead of
    flattening each row into one line; data tables stay.  Returns how many were unwrapped."""
    layout_tables = [t for t in tree.iter("table") if _is_layout_table(t)]
    # Collect every part before renaming any: a renamed outer table no longer owns its parts.
    parts = [
        e for t in layout_tables for e in t.iter(*_TABLE_PARTS) if _owner_table(e) in layout_tables
    ]
    for element in parts:
        element.tag = "div"
    return len(layout_tables)


def _owner_table(element: HtmlElement) -> HtmlElement | None:
    if element.tag == "table":
        return element
    return next(element.iterancestors("table"), None)


def _is_layout_table(table: HtmlElement) -> bool:
    for cell in table.iter("td", "th"):
        if _owner_table(cell) is not table:
            continue
        if any(e.tag in _LAYOUT_CELL_CONTENT for e in cell.iterdescendants()):
            return True
        if len(_WORD.findall(cell.text_content())) >= _LAYOUT_CELL_WORDS:
            return True
    return False


def without_page_furniture(body: str, title: str | None) -> str:
    """The body without the lines extractors pick up around a short article: the title repeated,
    a bare date line ("Feb 26, 1987", "2 hours ago"), a byline or a copyright notice at either
    end.  Empty when nothing else is left."""
    title_words = normalised_words(title or "")
    paragraphs = [
        p
        for p in body.split("\n\n")
        if p.strip() and normalised_words(p) != title_words and not _is_date_line(p)
    ]
    while paragraphs and (_is_notice(paragraphs[-1]) or _is_byline(paragraphs[-1])):
        paragraphs.pop()
    while paragraphs and (_is_notice(paragraphs[0]) or _is_byline(paragraphs[0])):
        paragraphs.pop(0)
    return "\n\n".join(paragraphs)


def _is_date_line(text: str) -> bool:
    # Nothing but a date and a word or two ("Updated", "Published on").
    if len(text) > 60:
        return False
    for pattern in (*sel.TEXT_DATES, sel.RELATIVE_DATE):
        match = pattern.search(text)
        if match is not None:
            rest = text[: match.start()] + text[match.end() :]
            return len(_WORD.findall(rest)) <= 2
    return False


def _is_notice(text: str) -> bool:
    # "© 2015 Pacific Wire — all rights reserved".
    return len(_WORD.findall(text)) <= sel.COPYRIGHT_LINE_MAX_WORDS and bool(
        sel.COPYRIGHT_LINE.search(text)
    )


def _is_byline(text: str) -> bool:
    return len(_WORD.findall(text)) <= 12 and bool(sel.BYLINE_PREFIX.match(text))


def _trafilatura_paragraphs(tree: HtmlElement) -> list[str]:
    elements = int(_COUNT_ELEMENTS(tree))
    paragraphs = int(_COUNT_PARAGRAPHS(tree))
    if elements > _PARAGRAPHS_ONLY_ELEMENTS or paragraphs > _PARAGRAPHS_ONLY_PARAGRAPHS:
        log.info("huge page (%d elements, %d <p>): reading its <p>s only", elements, paragraphs)
        return _paragraph_texts(tree)
    text = trafilatura.extract(
        tree,
        favor_precision=True,
        include_comments=False,
        with_metadata=False,
        deduplicate=False,
        fast=elements > _FAST_EXTRACTION_ELEMENTS,
    )
    return _capped(line for line in (clean_text(t) for t in (text or "").split("\n")) if line)


def _paragraph_texts(tree: HtmlElement) -> list[str]:
    texts = (clean_text(p.text_content()) for p in tree.iter("p"))
    return _capped(t for t in texts if len(_WORD.findall(t[:200])) >= _MIN_PARAGRAPH_WORDS)


def _capped(paragraphs: Iterable[str]) -> list[str]:
    # The first MAX_BODY_CHARS of text: a longer "article" is a dump, and indexing it whole
    # would cost more than it could be worth.
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs:
        if size + len(paragraph) > MAX_BODY_CHARS:
            log.info("body cut at %d characters (MAX_BODY_CHARS)", size)
            break
        kept.append(paragraph)
        size += len(paragraph) + 2
    return kept


def _ld_paragraphs(ld_body: str) -> list[str]:
    text = ld_body
    if _HTML_TAG.search(text):  # some publishers put the body's HTML in the JSON
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    paragraphs = [clean_text(p) for p in re.split(r"\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if sum(len(_WORD.findall(p)) for p in paragraphs) < _LD_BODY_MIN_WORDS:
        return []
    return paragraphs


def _is_page_text(paragraphs: list[str], tree: HtmlElement) -> bool:
    # Probe windows spread over the articleBody must appear in the page's visible text: a
    # summary, another article's body or a stale copy fails this.
    words = _WORD.findall(" ".join(paragraphs).lower())
    page = normalised_words(_visible_text(tree))
    step = max(1, (len(words) - _PROBE_WORDS) // _PROBE_WINDOWS)
    probes = [
        " ".join(words[i : i + _PROBE_WORDS]) for i in range(0, len(words) - _PROBE_WORDS + 1, step)
    ]
    probes = probes[:_PROBE_WINDOWS] or [" ".join(words)]
    found = sum(1 for probe in probes if probe in page)
    return found >= _LD_BODY_MIN_SHARE * len(probes)


_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
)


def _visible_text(tree: HtmlElement) -> str:
    # Not itertext(): the JSON-LD <script> itself must not count as the page showing its text.
    return " ".join(str(t) for t in _VISIBLE_TEXT(tree))


def _with_page_breaks(ld_paragraphs: list[str], page_paragraphs: list[str]) -> list[str]:
    """An unbroken articleBody split where the page breaks its paragraphs."""
    if len(ld_paragraphs) > 1 or len(page_paragraphs) < 2:
        return ld_paragraphs
    block = normalised_words(ld_paragraphs[0])
    inside = [p for p in page_paragraphs if normalised_words(p) and normalised_words(p) in block]
    covered = sum(len(normalised_words(p)) for p in inside)
    return inside if covered >= 0.9 * len(block) else ld_paragraphs
