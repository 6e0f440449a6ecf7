"""The main text of a page: trafilatura over the (pruned) tree, or the JSON-LD articleBody when
that really is the page's text.

Paragraphs are separated by a blank line ("\\n\\n"), as `Article.body` documents.
"""

from __future__ import annotations

import html
import logging
import re

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from indexer.metadata import Found, clean_text

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
        if from_ld and ld_words >= _LD_BODY_MIN_RATIO * extracted_words and _is_page_text(from_ld, tree):
            return Found("\n\n".join(_with_page_breaks(from_ld, paragraphs)), "json-ld")
    if not paragraphs:
        return None
    return Found("\n\n".join(paragraphs), "extractor")


_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
_LAYOUT_CELL_CONTENT = frozenset({"p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})
# A cell holding this many words is page layout, not data.
_LAYOUT_CELL_WORDS = 80


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout (cells holding paragraphs, headings, nested tables or
    long text) into plain <div>s, so that the text extractor reads their paragraphs instead of
    flattening each row into one line; data tables stay.  Returns how many were unwrapped."""
    layout_tables = [t for t in tree.iter("table") if _is_layout_table(t)]
    # Collect every part before renaming any: a renamed outer table no longer owns its parts.
    parts = [e for t in layout_tables for e in t.iter(*_TABLE_PARTS) if _owner_table(e) in layout_tables]
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


def without_title_line(body: str, title: str | None) -> str:
    """The body without a first paragraph that only repeats the title."""
    if not title:
        return body
    first, _, rest = body.partition("\n\n")
    return rest if rest and _normalised_words(first) == _normalised_words(title) else body


def _trafilatura_paragraphs(tree: HtmlElement) -> list[str]:
    text = trafilatura.extract(
        tree,
        favor_precision=True,
        include_comments=False,
        with_metadata=False,
        deduplicate=False,
    )
    return [line for line in (clean_text(t) for t in (text or "").split("\n")) if line]


def _ld_paragraphs(ld_body: str) -> list[str]:
    text = ld_body
    if _HTML_TAG.search(text):  # some publishers put the body's HTML in the JSON
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    paragraphs = [clean_text(p) for p in re.split(r"\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if sum(len(_WORD.findall(p)) for p in paragraphs) < _LD_BODY_MIN_WORDS:
        return []
    return paragraphs


def _normalised_words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _is_page_text(paragraphs: list[str], tree: HtmlElement) -> bool:
    # Probe windows spread over the articleBody must appear in the page's visible text: a
    # summary, another article's body or a stale copy fails this.
    words = _WORD.findall(" ".join(paragraphs).lower())
    page = _normalised_words(_visible_text(tree))
    step = max(1, (len(words) - _PROBE_WORDS) // _PROBE_WINDOWS)
    probes = [" ".join(words[i : i + _PROBE_WORDS]) for i in range(0, len(words) - _PROBE_WORDS + 1, step)]
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
    block = _normalised_words(ld_paragraphs[0])
    inside = [p for p in page_paragraphs if _normalised_words(p) and _normalised_words(p) in block]
    covered = sum(len(_normalised_words(p)) for p in inside)
    return inside if covered >= 0.9 * len(block) else ld_paragraphs
