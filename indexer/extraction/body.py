"""The main text of a page: trafilatura over the (pruned) tree, or the JSON-LD articleBody when
that really is the page's text; then rid of what is not the article's text.

The body is in the format `Article.body` documents (:mod:`indexer.extraction.structure`):
paragraphs separated by a blank line, subheadings, lists and tables marked.

Each rule below is one function or constant, named in docs/extraction.md with what it is worth
on every benchmark set (bench/extraction.py's ablation table replaces them one at a time).
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.dates import is_bare_date_line
from indexer.extraction.htmlparse import parse_html
from indexer.extraction.pagetext import WORD, clean_text, normalised_words, word_count
from indexer.extraction.structure import body_paragraphs, line_words
from indexer.extraction.trafilatura_private import skipping_needless_comparisons
from indexer.extraction.view import Found

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1_000_000
"""A body is cut after this many characters (about 170,000 words; the longest benchmark
article has 8,000)."""

_COUNT_ELEMENTS = etree.XPath("count(//*)")
_COUNT_PARAGRAPHS = etree.XPath("count(//p)")
# Links whose text may have the words of a teaser (selected in C: most links are short).
_LONG_LINKS = etree.XPath("//a[string-length(normalize-space(.)) >= 20]")


# trafilatura's settings.  Its default ("balanced") focus with its own second opinions
# (readability, jusText, a recall retry when little of the page was kept), not fast mode nor
# precision focus: on trafilatura-eval's 374 pages precision and fast lose 2.6 recall points that
# our rules below do not win back, and on the Zyte pages the rules recover the precision
# (docs/extraction.md, "Extractor settings").
class ExtractorSettings(NamedTuple):
    fast: bool
    favor_precision: bool


EXTRACTOR_SETTINGS = ExtractorSettings(fast=False, favor_precision=False)
# Its comparison with readability and jusText is skipped where its rules could not change the
# text (indexer/extraction/trafilatura_private.py); False runs every one (the bench's check).
SKIP_NEEDLESS_COMPARISONS = True
# A text shorter than trafilatura's own floor (its MIN_EXTRACTED_SIZE, characters) comes from
# its rescues (the whole page's text, a navigation bar's words on a front page, a headline-only
# card); it is taken only when trafilatura's precision focus confirms it.
SHORT_TEXT_CHARS = 250
SHORT_TEXT_SETTINGS = ExtractorSettings(fast=True, favor_precision=True)
# trafilatura's rescue of a short article (fewer characters than its floor) returns the whole
# text of the page's <article> (or <body>) as one paragraph: title, byline and paragraphs glued
# together.  When that one paragraph holds this many of the page's blocks, it is split back
# where they begin and end, so that the line rules below see the title and byline lines.
_FLATTENED_MIN_BLOCKS = 2
# A block found in the paragraph has this many words: one word ("PPD", a tag) is found inside
# any text.
_FLATTENED_BLOCK_MIN_WORDS = 2
_BLOCKS = etree.XPath(
    "//body//*[self::p or self::h1 or self::h2 or self::h3 or self::h4 or self::li"
    " or self::figcaption]"
)

# A continuation block of an article cut into several holds this many paragraphs and words.
_CONTINUATION_MIN_PARAGRAPHS = 2
_CONTINUATION_MIN_WORDS = 50
# A paragraph of this many words that is all one link is a teaser, not article text.
_LINK_LINE_MIN_WORDS = 5
# A teaser's label ("Lea también:", "Also on example.com") is at most this many words.
TEASER_LABEL_MAX_WORDS = 4
# A line introducing a run of teasers ("Auch interessant") is at most this many words.
_LIST_LABEL_MAX_WORDS = 6
# A teaser card's headline link has at least this many words (and at most as many as a
# headline)...
_CARD_HEADLINE_MIN_WORDS = 3
_CARD_HEADLINE_MAX_WORDS = 25
# ...and a list of such cards has at least this many items.
CARD_LIST_MIN_ITEMS = 3
# A page that repeats its article (a second rendering of the same template) repeats this many
# paragraphs in a row; a pull quote repeats one...
REPEATED_RUN = 3
# ...each of them a sentence or more (lists of short items repeat legitimately: a product's
# features, a meal plan's days).
_REPEATED_RUN_MIN_WORDS = 10
# Pages beyond these (a 20 MB page of link cards or of paragraphs) are read by their
# paragraphs: trafilatura needs tens of seconds there.
_PARAGRAPHS_ONLY_ELEMENTS = 200_000
_PARAGRAPHS_ONLY_PARAGRAPHS = 5_000
_MIN_PARAGRAPH_WORDS = 5


def extract_body(
    tree: HtmlElement,
    *,
    elements: int | None = None,
    page_url: str | None = None,
) -> Found[str] | None:
    """The article text of a page in the stored format, or None when it has none.

    trafilatura reads the tree (it copies it: the caller's is not modified); its text is
    completed with the article's continuation blocks, and rid of second copies of the article
    and of teasers (links to other pages of the site `page_url` belongs to, alone or with a
    short label).
    `elements`, when known, is at least the tree's number of elements (the page's count before
    pruning): small pages then need no counting.
    """
    site = _site_of(_host(page_url) or "") if page_url else None
    if _is_huge(tree, elements):
        paragraphs = _paragraph_texts(tree)
    else:
        paragraphs = _article_paragraphs(tree, site, EXTRACTOR_SETTINGS)
        if sum(len(p) for p in paragraphs) < SHORT_TEXT_CHARS:
            paragraphs = _article_paragraphs(tree, site, SHORT_TEXT_SETTINGS)
        else:
            paragraphs = with_blocks_restored(tree, paragraphs)
    if not paragraphs:
        return None
    return Found("\n\n".join(paragraphs), "extractor")


def with_blocks_restored(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs, or, when they are one paragraph holding the text of several of the
    page's blocks (paragraphs, headings, list items, captions), none inside another, that
    paragraph split where each of those blocks begins and ends (see _FLATTENED_MIN_BLOCKS):
    an extraction keeps blocks apart, a flattened dump of the page does not.  No text is
    dropped."""
    if len(paragraphs) != 1:
        return paragraphs
    text = paragraphs[0]
    inside: list[HtmlElement] = []
    pieces: list[str] = []
    cursor = 0
    for block in _BLOCKS(tree):
        block_text = clean_text(block.text_content())
        if word_count(block_text) < _FLATTENED_BLOCK_MIN_WORDS or len(block_text) >= len(text):
            continue
        at = _find_words(text, block_text, cursor)
        if at < 0 or any(b in inside for b in block.iterancestors()):
            continue
        inside.append(block)
        pieces += [text[cursor:at], block_text]
        cursor = at + len(block_text)
    if len(inside) < _FLATTENED_MIN_BLOCKS:
        return paragraphs
    pieces.append(text[cursor:])
    return [piece for piece in (p.strip() for p in pieces) if piece]


def _find_words(text: str, words: str, start: int) -> int:
    """Where `words` occur in `text` from `start` on, not inside a longer word; -1 if nowhere."""
    at = text.find(words, start)
    while at >= 0:
        end = at + len(words)
        starts_word = at == 0 or not text[at - 1].isalnum()
        if starts_word and (end == len(text) or not text[end].isalnum()):
            return at
        at = text.find(words, at + 1)
    return -1


def _article_paragraphs(
    tree: HtmlElement, site: str | None, settings: ExtractorSettings
) -> list[str]:
    paragraphs = with_continuations(tree, extractor_paragraphs(tree, settings))
    return without_link_lines(tree, without_repeated_runs(paragraphs), site)


# --- second copies ------------------------------------------------------------------------------


def without_repeated_runs(paragraphs: list[str]) -> list[str]:
    """The paragraphs without second copies of a run of several consecutive sentences or more
    (lines without a word between them do not break a run; a list's items are lines): pages
    that render their article twice (a print or app version in the same page) give the
    extractor both."""
    lines = _lines_of(paragraphs)
    keyed = [(n, key) for n, key in enumerate(line_words(line) for _, line in lines) if key]
    first_at: dict[tuple[str, ...], int] = {}
    repeated: set[int] = set()
    for m in range(len(keyed) - REPEATED_RUN + 1):
        run = tuple(key for _, key in keyed[m : m + REPEATED_RUN])
        if any(key.count(" ") + 1 < _REPEATED_RUN_MIN_WORDS for key in run):
            continue
        start = first_at.setdefault(run, m)
        if start + REPEATED_RUN <= m:  # a copy that does not overlap the first
            repeated.update(n for n, _ in keyed[m : m + REPEATED_RUN])
    if not repeated:
        return paragraphs
    log.debug("%d lines of a second copy dropped", len(repeated))
    return _without_lines(lines, repeated)


def _lines_of(paragraphs: list[str]) -> list[tuple[int, str]]:
    """(paragraph index, line) of every line: a list's items and a table's rows are lines."""
    return [(i, line) for i, p in enumerate(paragraphs) for line in p.split("\n")]


def _without_lines(lines: list[tuple[int, str]], dropped: set[int]) -> list[str]:
    kept: dict[int, list[str]] = {}
    for n, (i, line) in enumerate(lines):
        if n not in dropped:
            kept.setdefault(i, []).append(line)
    return ["\n".join(kept[i]) for i in sorted(kept)]


# --- continuations ------------------------------------------------------------------------------


def with_continuations(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
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
    parts = [extractor_paragraphs(f) if len(f.find("body")) else [] for f in (before, after)]
    if parts[0] or parts[1]:
        log.debug("article continued in more blocks (%d paragraphs)", len(parts[0] + parts[1]))
    return parts[0] + paragraphs + parts[1]


# --- teasers ------------------------------------------------------------------------------------


def without_link_lines(tree: HtmlElement, paragraphs: list[str], site: str | None) -> list[str]:
    """The paragraphs (and list items) without teasers: a line that is one link to another page
    of the site (`site`, as :func:`_site_of` gives it; any site when None), alone or after a
    short label ("Lea también: <headline>", "Also on example.com <headline>"); a run of list
    items that each begin with such a link and go on with its blurb; and the short line that
    introduced a run of teasers ("Auch interessant").  Links within the page (a table of
    contents), to other sites, to mail addresses or whose text is an address are kept: they are
    how articles cite."""
    lines = _lines_of(paragraphs)
    keys = [line_words(line) for _, line in lines]
    if not any(key.count(" ") + 1 >= _LINK_LINE_MIN_WORDS for key in keys):
        return paragraphs
    teasers, headlines = _site_links(tree, site)
    dropped = {
        n
        for n, key in enumerate(keys)
        if key.count(" ") + 1 >= _LINK_LINE_MIN_WORDS and key in teasers
    }
    dropped |= _teaser_cards([line for _, line in lines], keys, headlines)
    for n in sorted(dropped):
        if n > 0 and n - 1 not in dropped and is_teaser_label(lines[n - 1][1]):
            dropped.add(n - 1)
    if not dropped:
        return paragraphs
    log.debug("%d teaser lines dropped", len(dropped))
    return _without_lines(lines, dropped)


def _site_links(tree: HtmlElement, site: str | None) -> tuple[set[str], set[str]]:
    """The texts (normalised words) of teaser lines: each long link to another page of the site,
    and its block when the block is the link after a short label; and the texts of the links
    that may be teaser cards' headlines."""
    teasers: set[str] = set()
    headlines: set[str] = set()
    for anchor in _LONG_LINKS(tree):
        if not points_elsewhere_on_site(anchor, site):
            continue
        key = normalised_words(anchor.text_content())
        words = key.count(" ") + 1
        if _CARD_HEADLINE_MIN_WORDS <= words <= _CARD_HEADLINE_MAX_WORDS:
            headlines.add(key)
        if words < _LINK_LINE_MIN_WORDS:
            continue
        teasers.add(key)
        # "Lea también: <a>headline</a>": the link and a short label are its whole block.
        block = next((a for a in anchor.iterancestors() if a.tag in sel.BLOCK_TAGS), None)
        if block is not None:
            block_key = normalised_words(block.text_content())
            if (
                block_key.endswith(key)
                and block_key.count(" ") + 1 - words <= TEASER_LABEL_MAX_WORDS
            ):
                teasers.add(block_key)
    return teasers, headlines


def _teaser_cards(lines: list[str], keys: list[str], headlines: set[str]) -> set[int]:
    """The items of lists of teaser cards: list items that each begin with a link to another
    page of the site (a headline) followed by its blurb, several in a row."""
    cards = []
    for line, key in zip(lines, keys, strict=True):
        words = key.split(" ")
        top = min(len(words), _CARD_HEADLINE_MAX_WORDS)
        cards.append(
            line.startswith("- ")
            and any(" ".join(words[:n]) in headlines for n in range(_CARD_HEADLINE_MIN_WORDS, top))
        )
    found: set[int] = set()
    start = 0
    while start < len(cards):
        end = start
        while end < len(cards) and cards[end]:
            end += 1
        if end - start >= CARD_LIST_MIN_ITEMS:
            found.update(range(start, end))
        start = end + 1
    return found


def is_teaser_label(line: str) -> bool:
    """A short line that is not a sentence: the label of the teasers that follow it."""
    return word_count(line) <= _LIST_LABEL_MAX_WORDS and not sel.SENTENCE_END.search(line)


_URL_TEXT = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


def points_elsewhere_on_site(anchor: HtmlElement, site: str | None) -> bool:
    """True for a link to another page of the same site (relative, or to a host of `site`);
    False for a link within the page, to a mail address, to another site, or whose text is an
    address (a citation)."""
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return False
    if _URL_TEXT.match(clean_text(anchor.text_content())):
        return False
    try:
        host = urlsplit(href).hostname if href.startswith(("//", "http:", "https:")) else None
    except ValueError:  # not a URL at all ("http://[broken")
        return False
    return host is None or site is None or _site_of(host) == site


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _site_of(host: str) -> str:
    # "www.example.co" and "news.example.co" are one site: the last two labels of the host.
    return ".".join(host.lower().removeprefix("www.").split(".")[-2:])


def _page_fragment() -> HtmlElement:
    return parse_html("<html><body></body></html>")


# --- layout tables ------------------------------------------------------------------------------


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


def without_page_furniture(body: str, *labels: str | None, language: str | None = None) -> str:
    """The body without the lines extractors pick up around a short article: a line repeating
    one of `labels` (the article's title, its heading on the page, its address), a bare date
    line ("Feb 26, 1987", "2 hours ago", "12 de marzo de 2024"), a line without a word ("·"), a
    byline at either end.  Dates are read in `language` (the article's) as
    well as in English.  Empty when nothing else is left."""
    label_words = {normalised_words(label) for label in labels if label}
    paragraphs = [
        p
        for p in body.split("\n\n")
        if WORD.search(p)
        and normalised_words(p) not in label_words
        and not is_bare_date_line(p, language)
    ]
    while paragraphs and is_end_furniture(paragraphs[-1]):
        paragraphs.pop()
    while paragraphs and is_end_furniture(paragraphs[0]):
        paragraphs.pop(0)
    return "\n\n".join(paragraphs)


def is_end_furniture(text: str) -> bool:
    """A byline ("By Jane Doe"): furniture when it is the body's first or last paragraph.
    (Not a copyright notice: the Zyte pages' bodies keep the wire's "© 2019 Associated Press.
    All rights reserved." and drop a site's own, so dropping them lost there.)"""
    return len(WORD.findall(text)) <= 12 and bool(sel.BYLINE_PREFIX.match(text))


# Scripts (but their JSON data: JSON-LD, settings), styles and SVG drawings: no text of them is
# article text, and trafilatura, which copies the tree several times, drops them itself.
_CODE = etree.XPath("//script[not(contains(@type, 'json'))]|//style|//svg")


def drop_code(tree: HtmlElement) -> None:
    """Remove the tree's code and drawings (see _CODE), which the body extractor never reads:
    half of a typical page's elements once its rails are pruned, and as much of trafilatura's
    copying.  Their tail text stays."""
    for element in _CODE(tree):
        if element.getparent() is not None:
            element.drop_tree()


def _is_huge(tree: HtmlElement, elements: int | None) -> bool:
    if elements is not None and elements <= _PARAGRAPHS_ONLY_PARAGRAPHS:
        return False  # fewer elements than the paragraph limit: nothing to count
    elements = int(_COUNT_ELEMENTS(tree))
    paragraphs = int(_COUNT_PARAGRAPHS(tree))
    if elements > _PARAGRAPHS_ONLY_ELEMENTS or paragraphs > _PARAGRAPHS_ONLY_PARAGRAPHS:
        log.info("huge page (%d elements, %d <p>): reading its <p>s only", elements, paragraphs)
        return True
    return False


def extractor_paragraphs(
    tree: HtmlElement, settings: ExtractorSettings = EXTRACTOR_SETTINGS
) -> list[str]:
    """trafilatura's text of the tree in the stored format (comments excluded, tables kept),
    with `settings` (EXTRACTOR_SETTINGS when none are given)."""
    with skipping_needless_comparisons(SKIP_NEEDLESS_COMPARISONS):
        document = trafilatura.bare_extraction(
            tree,
            include_comments=False,
            include_tables=True,
            include_formatting=False,
            include_links=False,
            with_metadata=False,
            deduplicate=False,
            as_dict=False,
            fast=settings.fast,
            favor_precision=settings.favor_precision,
        )
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return []
    return _capped(body_paragraphs(body))


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
