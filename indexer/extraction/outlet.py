"""The outlet that published the article (its "source"): the publisher cascade.

On a news aggregator the site's own name (og:site_name, the <title> suffix) is the aggregator's,
so what the article's header shows (a source line, a name printed beside the date) comes first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.dates import relative_date_in, text_date_match
from indexer.extraction.headline import split_site_name
from indexer.extraction.pagetext import (
    clean_text,
    element_text,
    marker_text,
    normalised_words,
    word_count,
)
from indexer.extraction.view import Found, PageView, ld_text

_NAVIGATION_LINKS = etree.XPath("//nav//a | //*[contains(@class, 'breadcrumb')]//a")
_TEXT_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote")
# A line naming the outlet beside the date is a label ("Coastal Courier · 2 days ago", "Reuters ·
# March 3, 2020 at 10:00 a.m. ET · 4 min read"): the date's part of it (up to the next separator)
# holds at most this many lower-case words after the date.  A sentence that names a day goes on
# in lower-case words ("Officials said today that the vote was close").
_LABEL_LOWERCASE_WORDS = 2
_SEPARATOR = re.compile(r"[·|•—–]")
_MERIDIEM = re.compile(r"\b[ap]\.\s?m\.", re.I)
_LETTER_WORD = re.compile(r"[^\W\d_]+")


def find_source(view: PageView, authors: Sequence[str] = ()) -> Found[str] | None:
    """The outlet that published the article.

    1. JSON-LD publisher  2. microdata publisher  3. a source line marked as such near the title
    (aggregators show the original outlet there)  4. a short name printed next to the article's
    date on a label line ("Coastal Courier · 2 days ago", not a sentence naming a day; see
    :func:`_is_label`), when it is not one of the `authors` nor a section of the site's navigation
    5. og:site_name  6. application-name and publisher <meta>  7. the site part of <title>, when
    the page also shows it as a name
    """
    for node in view.facts_nodes():
        for publisher in view.resolve(node.get("publisher")):
            name = publisher if isinstance(publisher, str) else ld_text(publisher)
            if name:
                return Found(clean_text(name), "json-ld")
    if (name := _microdata_publisher(view)) is not None:
        return Found(name, "microdata")
    for element, text in view.region_lines():
        if sel.SOURCE_MARKER.search(marker_text(element)) and (name := _source_name(text)):
            return Found(name, "markup")
    if (name := _source_beside_date(view, authors)) is not None:
        return Found(name, "text")
    for _, content in view.meta_values(sel.SITE_NAME_META):
        return Found(content, "opengraph")
    for _, content in view.meta_values(sel.APPLICATION_NAME_META):
        return Found(content, "meta")
    title = None if view.is_embedded else view.tree.find("head/title")
    if title is not None:
        parts = split_site_name(clean_text(title.text_content()), [], view.tree)
        if parts.site and parts.site_confirmed:
            return Found(parts.site, "markup")
    return None


def _microdata_publisher(view: PageView) -> str | None:
    for element in view.with_itemprop("publisher"):
        named = [e for e in element.iter() if e.get("itemprop") == "name"]
        target = named[0] if named else element
        name = clean_text(target.get("content") or element_text(target))
        if name:
            return name
    return None


def _source_name(text: str) -> str | None:
    text = re.sub(r"^(?:source|via|from|quelle|fuente)\s*:?\s*", "", text, flags=re.I)
    text = text.strip(" ·•|-–—")
    if not text or word_count(text) > 8 or relative_date_in(text) or text_date_match(text):
        return None
    return text


def _source_beside_date(view: PageView, authors: Sequence[str]) -> str | None:
    # Aggregator cards print "Outlet · 2 hours ago": a short name before the date in the same
    # line, or in the element just before or after the date's element.  Publisher pages print
    # "Jane Doe · March 3" or "Politics · 2 hours ago" there: authors and sections are not
    # outlets.  The first dated line of the header region is read, and only when it is a label
    # (_is_label): a sentence naming a day holds no outlet.
    title = normalised_words(element_text(view.heading)) if view.heading is not None else ""
    not_outlets = {normalised_words(a) for a in authors} | {title}
    not_outlets |= {normalised_words(v) for _, v in view.meta_values(sel.SECTION_META)}
    not_outlets |= {normalised_words(element_text(a)) for a in view.select(_NAVIGATION_LINKS)}
    for element, text in view.region_lines():
        date_match = relative_date_in(text) or text_date_match(text)
        if date_match is None and element.tag != "time":
            continue
        if date_match is not None and not _is_label(element, text, date_match, view.heading):
            return None  # the first dated line is not a label line: no outlet beside it
        neighbours = [text[: date_match.start()]] if date_match is not None else []
        for sibling in (element.getprevious(), element.getnext()):
            # A label, not the article's text: a block holding paragraphs or headings is not one.
            if (
                sibling is not None
                and isinstance(sibling.tag, str)
                and sibling.tag not in _TEXT_BLOCK_TAGS
                and next(sibling.iterdescendants(*_TEXT_BLOCK_TAGS), None) is None
            ):
                neighbours.append(element_text(sibling))
        for candidate in neighbours:
            candidate = candidate.strip(" ·•|-–—,")
            if _looks_like_outlet(candidate) and normalised_words(candidate) not in not_outlets:
                return candidate
        return None
    return None


def _is_label(
    element: HtmlElement, text: str, date: re.Match[str], heading: HtmlElement | None
) -> bool:
    """Whether ``text``, a line with ``date`` in it, is a label rather than a sentence.  Without a
    title heading the page's first lines are its text: a paragraph there is a label only when a
    separator sets the name apart ("NOTE: Year-ago period ended March 31" is a sentence).

    Looser than :func:`~indexer.extraction.dates.states_date` and ``states_relative_date``, which
    ask whether a line's point is its date (the publication day is read from such lines only): an
    aggregator's label goes on after the date ("· 5 comments · Save for later"), and only the
    date's own part of it is read here."""
    after = _SEPARATOR.split(text[date.end() :], maxsplit=1)[0]
    words = _LETTER_WORD.findall(_MERIDIEM.sub(" ", after))
    if sum(word[0].islower() for word in words) > _LABEL_LOWERCASE_WORDS:
        return False
    set_apart = _SEPARATOR.search(text[: date.start()]) is not None
    return heading is not None or element.tag != "p" or set_apart


def _looks_like_outlet(text: str) -> bool:
    return (
        1 <= word_count(text) <= 6
        and text[0].isupper()
        and not any(char.isdigit() for char in text)
        and not sel.BYLINE_PREFIX.match(text)
        and not re.search(r"\bby\b", text, re.I)
        and not sel.RELATIVE_DATE.search(text)
        and not text.endswith(":")  # the date's caption in any language ("Opublikowano:")
        and text.lower() not in ("time", "date", "updated", "published", "share", "comments")
    )
