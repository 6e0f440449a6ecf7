"""The main text of a page: trafilatura over the (pruned) tree, or the JSON-LD articleBody when
that really is the page's text.

Paragraphs are separated by a blank line ("\\n\\n"), as `Article.body` documents.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from collections import Counter
from collections.abc import Iterable

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.readability_lxml import Document as ReadabilityDocument

from indexer.errors import ExtractionError
from indexer.extraction import selectors as sel
from indexer.extraction.dates import is_bare_date_line
from indexer.extraction.htmlparse import parse_html
from indexer.extraction.pagetext import WORD, block_texts, clean_text, normalised_words
from indexer.extraction.view import Found

log = logging.getLogger(__name__)

_HTML_BREAK = re.compile(r"</p\s*>|<br\s*/?>|</div\s*>|</h[1-6]\s*>", re.I)
_HTML_END = re.compile(r"</(?:p|div|a|em|strong|b|i|span|h[1-6])\s*>|<br\s*/?>", re.I)
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
# Links whose text may have the words of a teaser (selected in C: most links are short).
_LONG_LINKS = etree.XPath("//a[string-length(normalize-space(.)) >= 20]")
# trafilatura runs in its fast mode, without its own second opinion (readability, then jusText,
# over a copy of the page pruned again by its costliest XPath rules): it changed the text of 2
# of the 86 development pages, both of which `_looks_missed` catches, and it cost a third of the
# time per page.  Our second opinion runs only on a suspected miss:
# - a text shorter than trafilatura's own floor (its MIN_EXTRACTED_SIZE setting, characters)...
_MIN_EXTRACTED_CHARS = 250
# - ...or without the page's lead paragraph (compared on this many leading characters).
_LEAD_KEY_CHARS = 200
# readability's text replaces trafilatura's when it is this many times longer (trafilatura's
# own rule for preferring readability).
_SECOND_OPINION_RATIO = 2
# Beyond this many elements (news pages have one to two thousand) readability is not asked: on a
# page of 160,000 elements of link cards it adds seconds, and such pages are not articles.
_SECOND_OPINION_MAX_ELEMENTS = 30_000
# A continuation block of an article cut into several holds this many paragraphs and words.
_CONTINUATION_MIN_PARAGRAPHS = 2
_CONTINUATION_MIN_WORDS = 50
# A paragraph of this many words that is all one link is a teaser, not article text.
_LINK_LINE_MIN_WORDS = 5
# Pages beyond these (a 20 MB page of link cards or of paragraphs) are read by their
# paragraphs: trafilatura needs tens of seconds there.
_PARAGRAPHS_ONLY_ELEMENTS = 200_000
_PARAGRAPHS_ONLY_PARAGRAPHS = 5_000
_MIN_PARAGRAPH_WORDS = 5


def extract_body(
    tree: HtmlElement,
    ld_body: str | None = None,
    lead: str | None = None,
    *,
    elements: int | None = None,
) -> Found[str] | None:
    """The article text of a page, paragraphs joined by a blank line, or None when it has none.

    trafilatura (precision-oriented, comments excluded, as docs/decisions.md records) reads the
    tree; it copies the tree, so the caller's is not modified.  When its text looks like a miss (it
    lacks the page's `lead` paragraph, or is shorter than trafilatura's own minimum), a second
    extractor (readability) reads the page too, and its text is taken when it is at least twice
    as long, not short itself, and holds the lead.  The text is then completed with the
    article's continuation blocks and rid of paragraphs that are one link to elsewhere.
    A JSON-LD articleBody that is long and consistent with the page's visible text is preferred
    to all of that: it is the publisher's own account of the body, without in-article
    promotions.  Its paragraphs are the extractor's when it is one unbroken block.
    `elements`, when known, is at least the tree's number of elements (the page's count before
    pruning): small pages then need no counting.
    """
    huge = _is_huge(tree, elements)
    paragraphs = _paragraph_texts(tree) if huge else _trafilatura_paragraphs(tree)
    second_opinion = not huge and (elements is None or elements <= _SECOND_OPINION_MAX_ELEMENTS)
    if second_opinion and _looks_missed(paragraphs, lead):
        second = _readability_paragraphs(tree)
        if (
            _words(second) >= _SECOND_OPINION_RATIO * _words(paragraphs)
            and sum(len(p) for p in second) >= _MIN_EXTRACTED_CHARS
            and (lead is None or _holds(second, lead))
        ):
            log.debug("readability's text replaces trafilatura's (%d words)", _words(second))
            paragraphs = second
    paragraphs = _without_link_lines(tree, _with_continuations(tree, paragraphs))
    if ld_body:
        from_ld = _ld_paragraphs(ld_body)
        # A truncated articleBody (a teaser, a paywall's first paragraphs) is not the body.
        if (
            from_ld
            and _words(from_ld) >= _LD_BODY_MIN_RATIO * _words(paragraphs)
            and _is_page_text(from_ld, tree)
        ):
            return Found("\n\n".join(_with_page_breaks(from_ld, paragraphs)), "json-ld")
    if not paragraphs:
        return None
    return Found("\n\n".join(paragraphs), "extractor")


def _words(paragraphs: list[str]) -> int:
    return sum(len(WORD.findall(p)) for p in paragraphs)


def _holds(paragraphs: list[str], lead: str) -> bool:
    key = normalised_words(lead)[:_LEAD_KEY_CHARS]
    return bool(key) and key in normalised_words(" ".join(paragraphs))


def _with_continuations(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs, with the text of the article's continuation blocks added in page order.

    Some pages cut an article into several blocks of the same kind (the same tag and class)
    with advertisements between them, each in its own grid cell; extractors take the first.
    Among blocks whose kind repeats on the page, the one whose paragraphs were extracted is
    found, then its look-alikes elsewhere on the page whose paragraphs are all new and hold
    some text."""
    if not paragraphs:
        return paragraphs
    # Blocks of <p>s by kind, and the kinds found more than once (the first cheap test).
    blocks: dict[tuple[str, str], set[HtmlElement]] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        if parent is not None and parent.get("class"):
            blocks.setdefault((parent.tag, parent.get("class", "")), set()).add(parent)
    repeated = {block for same in blocks.values() if len(same) > 1 for block in same}
    if not repeated:
        return paragraphs
    extracted = {normalised_words(p) for p in paragraphs}
    holders = Counter(  # in page order, so that a tie goes to the first block
        p.getparent()
        for p in tree.iter("p")
        if p.getparent() in repeated and normalised_words(p.text_content()) in extracted
    )
    if not holders:
        return paragraphs
    block, held = holders.most_common(1)[0]
    if held < _CONTINUATION_MIN_PARAGRAPHS:
        return paragraphs
    label = block.get("class")
    around = {block, *block.iterancestors()}
    before, after = _page_fragment(), _page_fragment()
    seen_block = False
    for other in tree.iter(block.tag):
        if other is block:
            seen_block = True
            continue
        if other.get("class") != label or other in around or block in other.iterancestors():
            continue
        texts = [normalised_words(p.text_content()) for p in other.iter("p")]
        texts = [t for t in texts if t]
        if (
            len(texts) < _CONTINUATION_MIN_PARAGRAPHS
            or sum(t.count(" ") + 1 for t in texts) < _CONTINUATION_MIN_WORDS
            or any(t in extracted for t in texts)
        ):
            continue
        # The blocks are read by the same extractor, which drops their promotions and lists.
        (after if seen_block else before).find("body").append(copy.deepcopy(other))
    parts = [_trafilatura_paragraphs(f) if len(f.find("body")) else [] for f in (before, after)]
    if parts[0] or parts[1]:
        log.debug("article continued in more blocks (%d paragraphs)", len(parts[0] + parts[1]))
    return parts[0] + paragraphs + parts[1]


def _without_link_lines(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs without those that are one link to elsewhere on the page: a teaser card
    ("Also on ...: <headline>"), an item of a "more stories" list, a tweetable quote.  Short
    links ("www.example.com", "[Wired]") are kept: they are how articles cite."""
    candidates = {}
    for i, paragraph in enumerate(paragraphs):
        key = normalised_words(paragraph)
        if key.count(" ") + 1 >= _LINK_LINE_MIN_WORDS:
            candidates[key] = i
    if not candidates:
        return paragraphs
    linked = set()
    for anchor in _LONG_LINKS(tree):
        key = normalised_words(anchor.text_content())
        if key in candidates:
            linked.add(candidates[key])
    if linked:
        log.debug("%d paragraphs that are links dropped", len(linked))
    return [p for i, p in enumerate(paragraphs) if i not in linked]


def _page_fragment() -> HtmlElement:
    return parse_html("<html><body></body></html>")


def _looks_missed(paragraphs: list[str], lead: str | None) -> bool:
    # The extractor kept some other block (a print header, a notice) or next to nothing.
    if lead is not None and not _holds(paragraphs, lead):
        return True
    return sum(len(p) for p in paragraphs) < _MIN_EXTRACTED_CHARS


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
        if len(WORD.findall(cell.text_content())) >= _LAYOUT_CELL_WORDS:
            return True
    return False


def without_page_furniture(body: str, *labels: str | None) -> str:
    """The body without the lines extractors pick up around a short article: a line repeating
    one of `labels` (the article's title, its heading on the page), a bare date line
    ("Feb 26, 1987", "2 hours ago"), a line without a word ("·"), a byline or a copyright notice
    at either end.  Empty when nothing else is left."""
    label_words = {normalised_words(label) for label in labels if label}
    paragraphs = [
        p
        for p in body.split("\n\n")
        if WORD.search(p) and normalised_words(p) not in label_words and not is_bare_date_line(p)
    ]
    while paragraphs and (_is_notice(paragraphs[-1]) or _is_byline(paragraphs[-1])):
        paragraphs.pop()
    while paragraphs and (_is_notice(paragraphs[0]) or _is_byline(paragraphs[0])):
        paragraphs.pop(0)
    return "\n\n".join(paragraphs)


def _is_notice(text: str) -> bool:
    # "© 2015 Pacific Wire — all rights reserved".
    return len(WORD.findall(text)) <= sel.COPYRIGHT_LINE_MAX_WORDS and bool(
        sel.COPYRIGHT_LINE.search(text)
    )


def _is_byline(text: str) -> bool:
    return len(WORD.findall(text)) <= 12 and bool(sel.BYLINE_PREFIX.match(text))


def _is_huge(tree: HtmlElement, elements: int | None) -> bool:
    if elements is not None and elements <= _PARAGRAPHS_ONLY_PARAGRAPHS:
        return False  # fewer elements than the paragraph limit: nothing to count
    elements = int(_COUNT_ELEMENTS(tree))
    paragraphs = int(_COUNT_PARAGRAPHS(tree))
    if elements > _PARAGRAPHS_ONLY_ELEMENTS or paragraphs > _PARAGRAPHS_ONLY_PARAGRAPHS:
        log.info("huge page (%d elements, %d <p>): reading its <p>s only", elements, paragraphs)
        return True
    return False


def _trafilatura_paragraphs(tree: HtmlElement) -> list[str]:
    text = trafilatura.extract(
        tree,
        favor_precision=True,
        include_comments=False,
        with_metadata=False,
        deduplicate=False,
        fast=True,
    )
    return _capped(line for line in (clean_text(t) for t in (text or "").split("\n")) if line)


def _readability_paragraphs(tree: HtmlElement) -> list[str]:
    """The text blocks of the element readability (trafilatura's port of it) picks as the
    article, each block one paragraph."""
    # readability edits the tree it reads; the caller's tree is still needed.
    summary = ReadabilityDocument(copy.deepcopy(tree), min_text_length=25).summary()
    if not summary.strip():
        return []
    try:
        article = parse_html(summary)
    except ExtractionError:
        return []
    return _capped(block_texts(article))


def _paragraph_texts(tree: HtmlElement) -> list[str]:
    texts = (clean_text(p.text_content()) for p in tree.iter("p"))
    return _capped(t for t in texts if len(WORD.findall(t[:200])) >= _MIN_PARAGRAPH_WORDS)


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
    # Some publishers put the body's HTML in the JSON; "<I>" alone is a ticker symbol in a
    # text ("First Interstate Bancorp <I>"), so a closing tag or a break must show it is HTML.
    if _HTML_TAG.search(text) and _HTML_END.search(text):
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    paragraphs = [clean_text(p) for p in re.split(r"\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if sum(len(WORD.findall(p)) for p in paragraphs) < _LD_BODY_MIN_WORDS:
        return []
    return paragraphs


def _is_page_text(paragraphs: list[str], tree: HtmlElement) -> bool:
    # Probe windows spread over the articleBody must appear in the page's visible text: a
    # summary, another article's body or a stale copy fails this.
    words = WORD.findall(" ".join(paragraphs).lower())
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
