"""The article's title: which element titles it, the header region around that element, and the
title text without the site's name.

- :func:`choose_article_ld` and :func:`find_main_heading` run on the unpruned page, before its
  rails are found (the rails are whatever does not hold the title heading);
- :func:`header_region` runs after pruning: the few elements around the title where bylines,
  sources and dates are printed;
- :func:`find_title` is the title cascade of one :class:`~indexer.extraction.view.PageView`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import WORD, clean_text, element_text, normalised_words, word_count
from indexer.extraction.view import (
    HUGE_PAGE_ELEMENTS,
    Found,
    JsonNode,
    PageHead,
    PageView,
    first,
    ld_text,
    ld_url,
)

# How far around the title heading the article's byline, source and date lines are looked for.
_REGION_BEFORE = 12
_REGION_AFTER = 60
# A paragraph this long is body text: the header region ends there.
_BODY_PARAGRAPH_WORDS = 30

_COUNT_ELEMENTS = etree.XPath("count(//*)")
_SUBHEADINGS = etree.XPath(
    "//body//*[self::h2 or self::h3 or ((self::div or self::p or self::span or self::header)"
    " and (contains(@class, 'title') or contains(@class, 'headline')))]"
)
_REGION_BEFORE_PATH = etree.XPath(f"preceding::*[position() <= {_REGION_BEFORE}]")
_REGION_AFTER_PATH = etree.XPath(f"following::*[position() <= {_REGION_AFTER}]")
_REGION_START_PATH = etree.XPath(f"descendant::*[position() <= {_REGION_BEFORE + _REGION_AFTER}]")
_SHORT_TEXT = etree.XPath("//body//*[normalize-space(text()) = $name]")
_COPYRIGHT_TEXT = etree.XPath("//body//text()[contains(., '©') or contains(., '(c)')]")


# --- declared titles ----------------------------------------------------------------------------


def title_candidates(
    tree: HtmlElement,
    head: PageHead,
    facts: Sequence[JsonNode],
    *,
    heading: HtmlElement | None = None,
    embedded: bool = False,
) -> list[tuple[str, str]]:
    """(origin, title) pairs in order of trust, raw (site suffixes still on): the first JSON-LD
    node of ``facts``, og:title, <title>, twitter:title and dc.title, then ``heading``'s text.
    An embedded article has no <meta> or <title> of its own."""
    candidates: list[tuple[str, str]] = []
    for node in facts[:1]:
        headline = ld_text(node.get("headline")) or ld_text(node.get("name"))
        if headline:
            candidates.append(("json-ld", headline))
    if not embedded:
        candidates += [("opengraph", t) for _, t in head.meta_values(("og:title",))]
        title = tree.find("head/title")
        if title is not None and clean_text(title.text_content()):
            candidates.append(("markup", clean_text(title.text_content())))
        candidates += [("meta", t) for _, t in head.meta_values(("twitter:title", "dc.title"))]
    if heading is not None:
        candidates.append(("markup", element_text(heading)))
    return candidates


def agrees(shorter: str, longer: str) -> bool:
    """True when two titles are the same, or one is the other plus a site suffix/prefix, or one
    is a truncation of the other."""
    a, b = normalised_words(shorter), normalised_words(longer)
    if not a or not b:
        return False
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    return len(a) >= 20 and (b.startswith(a) or b.endswith(a))


def canonical_link(tree: HtmlElement) -> str | None:
    """The page's absolute <link rel=canonical> URL."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                return href
    return None


def choose_article_ld(
    tree: HtmlElement, head: PageHead, nodes: Sequence[JsonNode]
) -> JsonNode | None:
    """The JSON-LD article node of the page's own article: the one whose headline agrees with
    the page's title or whose URL is the canonical one; else the first."""
    if len(nodes) <= 1:
        return nodes[0] if nodes else None
    titles = [t for _, t in title_candidates(tree, head, ())]
    canonical = first(head.meta.get("og:url", ())) or canonical_link(tree)
    for node in nodes:
        headline = ld_text(node.get("headline") or node.get("name"))
        if headline and any(agrees(headline, title) for title in titles):
            return node
        if canonical and canonical in (
            ld_url(node.get("url")),
            ld_url(node.get("mainEntityOfPage")),
        ):
            return node
    return nodes[0]


# --- the title heading and the header region ----------------------------------------------------


def find_main_heading(
    tree: HtmlElement, head: PageHead, article_ld: JsonNode | None
) -> HtmlElement | None:
    """The element that titles the page's article.

    1. the first <h1> agreeing with a declared title (og:title, JSON-LD headline, <title>)
    2. the first other heading or headline-classed element agreeing with one
    3. the page's only <h1> outside the site chrome (a page with several unconfirmed <h1>s has
       no known title heading: one of them may be the article's, the others not)
    """
    facts = [n for n in (article_ld, head.page_ld) if n is not None]
    declared = [t for _, t in title_candidates(tree, head, facts)]
    headings = [h for h in tree.iter("h1") if element_text(h)]
    for heading in headings:
        if any(agrees(element_text(heading), title) for title in declared):
            return heading
    if declared and head.elements <= HUGE_PAGE_ELEMENTS:
        for element in _SUBHEADINGS(tree):
            text = element_text(element)
            if 2 <= word_count(text) <= 60 and any(agrees(text, title) for title in declared):
                return element
    candidates = [
        h for h in headings if word_count(element_text(h)) >= 2 and not _is_site_chrome(h)
    ]
    return candidates[0] if len(candidates) == 1 else None


def _is_site_chrome(heading: HtmlElement) -> bool:
    # A site logo in an <h1>, or a heading in the navigation or footer.
    if any(a.tag in ("nav", "footer") for a in heading.iterancestors()):
        return True
    return any(a.get("href") in ("/", "./", "index.html") for a in heading.iter("a"))


def header_region(tree: HtmlElement, heading: HtmlElement | None) -> tuple[HtmlElement, ...]:
    """The elements around the title heading where an article's byline, source and dates are:
    a few before it and those after it up to the first long paragraph, within the heading's
    <article> when it has one.  Without a heading: the start of the first <article>, <main> or
    <body>."""
    if heading is None:
        container = _first_found(tree, ".//article", ".//main", "body")
        elements = _REGION_START_PATH(container if container is not None else tree)
        start = 0
    else:
        before = _REGION_BEFORE_PATH(heading)
        elements = [*before, heading, *_REGION_AFTER_PATH(heading)]
        start = len(before)
        article = next(heading.iterancestors("article"), None)
        if article is not None:
            elements = [e for e in elements if e is heading or article in e.iterancestors()]
            start = elements.index(heading)
    region = elements[:start]
    for element in elements[start:]:
        if element.tag == "p" and word_count(element.text_content()) >= _BODY_PARAGRAPH_WORDS:
            break
        region.append(element)
    return tuple(region)


def _first_found(tree: HtmlElement, *paths: str) -> HtmlElement | None:
    for path in paths:
        element = tree.find(path)
        if element is not None:
            return element
    return None


# --- the site's name ----------------------------------------------------------------------------


def site_names(view: PageView) -> list[str]:
    """Names the site goes by (publisher, og:site_name, application-name)."""
    names = [ld_text(p) for n in view.facts_nodes() for p in view.resolve(n.get("publisher"))]
    names += [v for _, v in view.meta_values(sel.SITE_NAME_META + sel.APPLICATION_NAME_META)]
    return [n for n in names if n]


@dataclass(frozen=True)
class TitleParts:
    """A page title split into the article's title and the site's name (when it has one).

    `site_confirmed` is true when the site part is a declared site name or is shown on the page
    as text of its own (a masthead, a logo link, a copyright line), not merely a short suffix.
    """

    title: str
    site: str | None = None
    site_confirmed: bool = False


def shown_as_site_name(tree: HtmlElement, name: str) -> bool:
    """True when the page shows `name` as an element's whole text or in its copyright line."""
    name = clean_text(name)
    if not name or len(name) > 80:
        return False
    if _SHORT_TEXT(tree, name=name):
        return True
    return any(name in str(text) for text in _COPYRIGHT_TEXT(tree))


def _compact(text: str) -> str:
    # "The Daily Ticker", "daily-ticker.com" and "DailyTicker" compare equal-ish.
    return "".join(WORD.findall(text.lower())).removeprefix("the").removeprefix("www")


def split_site_name(
    title: str, names: Sequence[str], tree: HtmlElement | None = None
) -> TitleParts:
    """A page title without its " | Site" suffix (or "Site :: " prefix), and the site part.

    A part is dropped when it is a known site name or domain, or when the page shows it as a
    name of its own (`tree` given); a short last part after a strong separator ("|", "::", "»")
    is dropped even unconfirmed.  Unconfirmed dashes stay: "X – US NATO envoy" is a title.
    """
    parts = sel.TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return TitleParts(title)
    separators = sel.TITLE_SEPARATORS.findall(title)
    without_last = title[: title.rfind(separators[-1])].strip()
    without_first = title[title.find(separators[0]) + len(separators[0]) :].strip()
    known = {_compact(n) for n in names} | {_compact(n.split(".")[0]) for n in names if "." in n}
    known.discard("")
    last, first_part = _compact(parts[-1]), _compact(parts[0])
    if last in known or len(last) > 3 and any(last in k or k in last for k in known if len(k) > 3):
        return TitleParts(without_last, parts[-1].strip(), True)
    if first_part in known:
        return TitleParts(without_first, parts[0].strip(), True)
    # A site part is short, and shorter than the title it is cut from...
    short_last = word_count(parts[-1]) <= sel.MAX_SITE_SUFFIX_WORDS and len(without_last) > len(
        parts[-1]
    )
    if tree is not None and int(_COUNT_ELEMENTS(tree)) > HUGE_PAGE_ELEMENTS:
        tree = None
    if (
        tree is not None
        and word_count(parts[-1]) <= sel.MAX_SITE_SUFFIX_WORDS
        # ...or the rest is the page's heading: "Corrected - GM | Pacific Rim Report", "Keane
        # Inc <KEAN> 4th Qtr | The Evening Standard-Post".
        and (short_last or _is_heading(tree, without_last))
        and shown_as_site_name(tree, parts[-1])
    ):
        return TitleParts(without_last, parts[-1].strip(), True)
    short_first = word_count(parts[0]) <= sel.MAX_SITE_SUFFIX_WORDS and len(without_first) > len(
        parts[0]
    )
    if short_first and tree is not None and shown_as_site_name(tree, parts[0]):
        return TitleParts(without_first, parts[0].strip(), True)
    if short_last and set(separators[-1].split()) & sel.STRONG_TITLE_SEPARATORS:
        return TitleParts(without_last, parts[-1].strip())
    if short_first and set(separators[0].split()) & sel.STRONG_TITLE_SEPARATORS:
        return TitleParts(without_first, parts[0].strip())
    return TitleParts(title)


def _is_heading(tree: HtmlElement, text: str) -> bool:
    words = normalised_words(text)
    return any(normalised_words(element_text(h)) == words for h in tree.iter("h1"))


# --- the title cascade --------------------------------------------------------------------------


def find_title(view: PageView) -> Found[str] | None:
    """The article's title.

    1. the title heading when it agrees with a declared title (og:title, JSON-LD headline,
       <title>): the heading is the title without site decorations
    2. JSON-LD headline, 3. og:title, 4. <title>, 5. twitter:title (site suffix stripped)
    6. the first <h1>
    """
    candidates = title_candidates(
        view.tree, view.head, view.facts_nodes(), embedded=view.is_embedded
    )
    if view.heading is not None:
        heading = element_text(view.heading)
        for origin, declared in candidates:
            if agrees(heading, declared):
                return Found(heading, origin)
    names = site_names(view)
    for origin, declared in candidates:
        stripped = split_site_name(declared, names, None if view.is_embedded else view.tree).title
        if stripped:
            return Found(stripped, origin)
    if view.heading is not None:
        return Found(element_text(view.heading), "markup")
    return None
