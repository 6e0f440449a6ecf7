"""An article's metadata from its page's tree: pure functions, each a short fallback cascade.

Every `find_*` function takes a :class:`PageView` (the tree plus what was read from its head once)
and returns a :class:`Found` value with the origin it came from (one of
``indexer.article.PROVENANCE_ORIGINS``), or None.  The cascades go from what the publisher
declared for machines (JSON-LD, OpenGraph, ``<meta>``, microdata) to what the page shows people
(markup, visible text), and end with a library (htmldate) or a detector (py3langid) where the
page says nothing.

The same functions read an article embedded in another page (a related-rail item): the view then
holds the item's elements as its "header region" and no page-level metadata.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from lxml import etree
from lxml.html import HtmlElement

from indexer import selectors as sel
from indexer.dates import (
    FUTURE_SLACK,
    ParsedDate,
    parse_date,
    plausible,
    resolve_relative,
    text_date,
    text_date_match,
)
from indexer.pagetext import clean_text, element_text, normalised_words, word_count

log = logging.getLogger(__name__)

T = TypeVar("T")
JsonNode = dict[str, Any]
SelectionCache = dict[etree.XPath, list[HtmlElement]]

# The elements the cascades look at, selected by XPath (in C) rather than by walking the tree.
_ITEMPROP = etree.XPath("//*[@itemprop]")
_TIME_ELEMENTS = etree.XPath("//time[@datetime]")
_REL_LINKS = etree.XPath("//a[@rel]")
_LICENSE_RELS = etree.XPath("//link[contains(@rel, 'icense')] | //a[contains(@rel, 'icense')]")
_CREATIVE_COMMONS_LINKS = etree.XPath("//a[contains(@href, 'creativecommons.org/')]")
_FOOTERS = etree.XPath("//footer")
_NAVIGATION_LINKS = etree.XPath("//nav//a | //*[contains(@class, 'breadcrumb')]//a")
_COUNT_ELEMENTS = etree.XPath("count(//*)")
# On pages with more elements than this, the whole-page guesses (htmldate, looking for the site
# name in the page's text, scanning every element for a headline) are skipped: each takes
# seconds on a 20 MB page of hundreds of thousands of elements.
HUGE_PAGE_ELEMENTS = 30_000

_WORD = re.compile(r"\w+")
# How far around the title heading the article's byline, source and date lines are looked for.
_REGION_BEFORE = 12
_REGION_AFTER = 60
_REGION_LINE_CHARS = 160
# A paragraph this long is body text: the header region ends there.
_BODY_PARAGRAPH_WORDS = 30
_MAX_TAGS = 30


@dataclass(frozen=True)
class Found(Generic[T]):
    """A metadata value and where it came from."""

    value: T
    origin: str


@dataclass
class PageView:
    """What the metadata cascades read: the tree, its <meta> tags and JSON-LD, read once.

    ``region`` is the article's header region (the elements around its title where bylines,
    sources and dates are printed); ``scope`` is where microdata and <time> elements are looked
    for (the pruned page, or a rail item's elements).
    """

    tree: HtmlElement
    meta: dict[str, list[str]] = field(default_factory=dict)
    json_ld: list[JsonNode] = field(default_factory=list)
    ld_ids: dict[str, JsonNode] = field(default_factory=dict)
    article_ld: JsonNode | None = None
    page_ld: JsonNode | None = None
    reference: Found[datetime] | None = None
    heading: HtmlElement | None = None
    region: list[HtmlElement] = field(default_factory=list)
    scope: list[HtmlElement] | None = None
    elements: int = 0  # how many elements the page has (huge pages skip the slow guesses)
    # XPath results by expression: several cascades read the same elements.  Valid only while
    # the tree is unchanged: the page's view selects after pruning, rail items' views (which may
    # share one cache) before it.
    selection_cache: SelectionCache = field(default_factory=dict, repr=False)
    _scope_set: set[HtmlElement] | None = field(default=None, repr=False)

    def meta_values(self, names: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(name, content) of the <meta> tags with these names, in the order of `names`."""
        for name in names:
            for content in self.meta.get(name, ()):
                yield name, content

    @property
    def is_embedded(self) -> bool:
        """True for the view of an article embedded in a page (a rail item), not the page's own."""
        return self.scope is not None

    def select(self, path: etree.XPath) -> list[HtmlElement]:
        """The elements an XPath finds on the page, kept to the view's scope when it has one."""
        found = self.selection_cache.get(path)
        if found is None:
            found = self.selection_cache[path] = path(self.tree)
        if self.scope is None:
            return found
        if self._scope_set is None:
            self._scope_set = set(self.scope)
        return [element for element in found if element in self._scope_set]


# --- reading the page once ----------------------------------------------------------------------


def read_page(tree: HtmlElement, *, mtime: float | None = None) -> PageView:
    """A PageView of a freshly parsed page: its <meta> map, JSON-LD nodes and reference time."""
    view = PageView(tree=tree, meta=read_meta(tree), elements=int(_COUNT_ELEMENTS(tree)))
    view.json_ld, view.ld_ids = read_json_ld(tree)
    view.page_ld = next((n for n in view.json_ld if _ld_types(n) & sel.PAGE_TYPES), None)
    view.reference = find_reference_time(view, mtime)
    return view


def read_meta(tree: HtmlElement) -> dict[str, list[str]]:
    """<meta> contents keyed by lower-cased name, property or http-equiv (microdata excluded)."""
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(clean_text(content))
    return found


def read_json_ld(tree: HtmlElement) -> tuple[list[JsonNode], dict[str, JsonNode]]:
    """Every typed JSON-LD node on the page (inside @graph, lists and nested values), and the
    nodes by @id.  Scripts that are not valid JSON are repaired when trivially broken (trailing
    commas, HTML comments) and skipped otherwise."""
    nodes: list[JsonNode] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        data = _load_json(script.text)
        if data is not None:
            _collect_ld_nodes(data, nodes, depth=0)
    ids = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    return nodes, ids


def _load_json(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    for attempt in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(attempt, strict=False)
        except ValueError:
            continue
    log.debug("unreadable JSON-LD skipped: %.60r", text)
    return None


def _collect_ld_nodes(data: Any, nodes: list[JsonNode], depth: int) -> None:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            _collect_ld_nodes(item, nodes, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            nodes.append(data)
        for key, value in data.items():
            if key == "@graph" or isinstance(value, (dict, list)):
                _collect_ld_nodes(value, nodes, depth + 1)


def _ld_types(node: JsonNode) -> set[str]:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    # "schema:NewsArticle" and "http://schema.org/NewsArticle" name the same type.
    return {re.split(r"[/:#]", t)[-1] for t in names if isinstance(t, str)}


def article_nodes(view: PageView) -> list[JsonNode]:
    """The JSON-LD nodes that describe articles, in page order."""
    return [node for node in view.json_ld if _ld_types(node) & sel.ARTICLE_TYPES]


def choose_article_ld(view: PageView, nodes: Sequence[JsonNode]) -> JsonNode | None:
    """The JSON-LD article node of the page's own article: the one whose headline agrees with
    the page's title or whose URL is the canonical one; else the first."""
    if len(nodes) <= 1:
        return nodes[0] if nodes else None
    titles = [t for _, t in _title_candidates(view, include_ld=False)]
    canonical = _first(view.meta.get("og:url", ())) or _canonical_link(view.tree)
    for node in nodes:
        headline = _ld_text(node.get("headline") or node.get("name"))
        if headline and any(_agrees(headline, title) for title in titles):
            return node
        if canonical and canonical in (
            _ld_url(node.get("url")),
            _ld_url(node.get("mainEntityOfPage")),
        ):
            return node
    return nodes[0]


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return clean_text(value) or None if isinstance(value, str) else None


def _ld_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _ld_resolve(view: PageView, value: Any) -> list[Any]:
    """A JSON-LD value as a list, with {"@id": ...} references replaced by the nodes they name."""
    items = value if isinstance(value, list) else [value]
    resolved = []
    for item in items:
        if (
            isinstance(item, dict)
            and set(item) <= {"@id", "@type"}
            and item.get("@id") in view.ld_ids
        ):
            item = view.ld_ids[item["@id"]]
        if item is not None:
            resolved.append(item)
    return resolved


def _ld_nodes_for_facts(view: PageView) -> list[JsonNode]:
    # The article node first; the WebPage node holds dates and publisher on some sites.
    return [n for n in (view.article_ld, view.page_ld) if n is not None]


# --- text helpers -------------------------------------------------------------------------------


def _marker_text(element: HtmlElement) -> str:
    # What a class/id/itemprop pattern is matched against.
    return " ".join(
        v for v in (element.get("class"), element.get("id"), element.get("itemprop")) if v
    )


def _compact(text: str) -> str:
    # "The Daily Ticker", "daily-ticker.com" and "DailyTicker" compare equal-ish.
    return "".join(_WORD.findall(text.lower())).removeprefix("the").removeprefix("www")


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


# --- the header region --------------------------------------------------------------------------


def find_main_heading(view: PageView) -> HtmlElement | None:
    """The element that titles the page's article.

    1. the first <h1> agreeing with a declared title (og:title, JSON-LD headline, <title>)
    2. the first other heading or headline-classed element agreeing with one
    3. the page's only <h1> outside the site chrome (a page with several unconfirmed <h1>s has
       no known title heading: one of them may be the article's, the others not)
    """
    declared = [t for _, t in _title_candidates(view, include_h1=False)]
    headings = [h for h in view.tree.iter("h1") if element_text(h)]
    for heading in headings:
        if any(_agrees(element_text(heading), title) for title in declared):
            return heading
    if declared and view.elements <= HUGE_PAGE_ELEMENTS:
        for element in _SUBHEADINGS(view.tree):
            text = element_text(element)
            if 2 <= word_count(text) <= 60 and any(_agrees(text, title) for title in declared):
                return element
    candidates = [
        h for h in headings if word_count(element_text(h)) >= 2 and not _is_site_chrome(h)
    ]
    return candidates[0] if len(candidates) == 1 else None


_SUBHEADINGS = etree.XPath(
    "//body//*[self::h2 or self::h3 or ((self::div or self::p or self::span or self::header)"
    " and (contains(@class, 'title') or contains(@class, 'headline')))]"
)


def _is_site_chrome(heading: HtmlElement) -> bool:
    # A site logo in an <h1>, or a heading in the navigation or footer.
    if any(a.tag in ("nav", "footer") for a in heading.iterancestors()):
        return True
    return any(a.get("href") in ("/", "./", "index.html") for a in heading.iter("a"))


_REGION_BEFORE_PATH = etree.XPath(f"preceding::*[position() <= {_REGION_BEFORE}]")
_REGION_AFTER_PATH = etree.XPath(f"following::*[position() <= {_REGION_AFTER}]")
_REGION_START_PATH = etree.XPath(f"descendant::*[position() <= {_REGION_BEFORE + _REGION_AFTER}]")


def header_region(tree: HtmlElement, heading: HtmlElement | None) -> list[HtmlElement]:
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
    return region


def _first_found(tree: HtmlElement, *paths: str) -> HtmlElement | None:
    for path in paths:
        element = tree.find(path)
        if element is not None:
            return element
    return None


def _region_lines(view: PageView) -> Iterator[tuple[HtmlElement, str]]:
    """(element, text) of the header region's short elements, in document order."""
    for element in view.region:
        if element.tag in sel.NON_TEXT_TAGS or element.tag in sel.HEADING_TAGS:
            continue
        if len(element.text_content()) > 4 * _REGION_LINE_CHARS:  # a container, not a line
            continue
        text = element_text(element)
        if text and len(text) <= _REGION_LINE_CHARS:
            yield element, text


# --- title --------------------------------------------------------------------------------------


def _title_candidates(
    view: PageView, *, include_ld: bool = True, include_h1: bool = True
) -> list[tuple[str, str]]:
    """(origin, title) pairs in order of trust, raw (site suffixes still on)."""
    candidates: list[tuple[str, str]] = []
    if include_ld:
        for node in _ld_nodes_for_facts(view)[:1]:
            headline = _ld_text(node.get("headline")) or _ld_text(node.get("name"))
            if headline:
                candidates.append(("json-ld", headline))
    candidates += [("opengraph", t) for _, t in view.meta_values(("og:title",))]
    title = None if view.is_embedded else view.tree.find("head/title")
    if title is not None and clean_text(title.text_content()):
        candidates.append(("markup", clean_text(title.text_content())))
    candidates += [("meta", t) for _, t in view.meta_values(("twitter:title", "dc.title"))]
    if include_h1 and view.heading is not None:
        candidates.append(("markup", element_text(view.heading)))
    return candidates


def _agrees(shorter: str, longer: str) -> bool:
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


def site_names(view: PageView) -> list[str]:
    """Names the site goes by (publisher, og:site_name, application-name)."""
    names = [
        _ld_text(p)
        for n in _ld_nodes_for_facts(view)
        for p in _ld_resolve(view, n.get("publisher"))
    ]
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


_SHORT_TEXT = etree.XPath("//body//*[normalize-space(text()) = $name]")
_COPYRIGHT_TEXT = etree.XPath("//body//text()[contains(., '©') or contains(., '(c)')]")


def shown_as_site_name(tree: HtmlElement, name: str) -> bool:
    """True when the page shows `name` as an element's whole text or in its copyright line."""
    name = clean_text(name)
    if not name or len(name) > 80:
        return False
    if _SHORT_TEXT(tree, name=name):
        return True
    return any(name in str(text) for text in _COPYRIGHT_TEXT(tree))


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
    last, first = _compact(parts[-1]), _compact(parts[0])
    if last in known or len(last) > 3 and any(last in k or k in last for k in known if len(k) > 3):
        return TitleParts(without_last, parts[-1].strip(), True)
    if first in known:
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


def find_title(view: PageView) -> Found[str] | None:
    """The article's title.

    1. the title heading when it agrees with a declared title (og:title, JSON-LD headline,
       <title>): the heading is the title without site decorations
    2. JSON-LD headline, 3. og:title, 4. <title>, 5. twitter:title (site suffix stripped)
    6. the first <h1>
    """
    candidates = _title_candidates(view, include_h1=False)
    if view.heading is not None:
        heading = element_text(view.heading)
        for origin, declared in candidates:
            if _agrees(heading, declared):
                return Found(heading, origin)
    names = site_names(view)
    for origin, declared in candidates:
        stripped = split_site_name(declared, names, None if view.is_embedded else view.tree).title
        if stripped:
            return Found(stripped, origin)
    if view.heading is not None:
        return Found(element_text(view.heading), "markup")
    return None


# --- authors ------------------------------------------------------------------------------------

_ROLE_WORDS = frozenset(
    {
        "reporter", "correspondent", "editor", "writer", "columnist", "contributor", "producer",
        "photographer", "analyst", "journalist", "staff", "senior", "chief", "associate",
        "bureau", "desk", "intern", "freelance", "special", "author", "writers", "reporters",
    }
)  # fmt: skip


def clean_authors(raw: Iterable[str]) -> tuple[str, ...]:
    """Person names from byline strings: prefixes ("By"), dates, roles and desks ("Staff") removed,
    "A and B" split, duplicates dropped."""
    names: list[str] = []
    seen: set[str] = set()
    for text in raw:
        text = sel.BYLINE_PREFIX.sub("", clean_text(text))
        stop = sel.BYLINE_STOP.search(text)
        if stop is not None:
            text = text[: stop.start()]
        for part in sel.AUTHOR_SEPARATORS.split(text):
            name = _clean_name(part)
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
    return tuple(names)


def _clean_name(text: str) -> str | None:
    name = sel.BYLINE_PREFIX.sub("", text.strip(" .:-–—()[]\"'"))
    words = name.split()
    if not words or len(words) > sel.MAX_AUTHOR_WORDS:
        return None
    lowered = name.lower()
    if (
        lowered in sel.AUTHOR_STOP_WORDS
        or sel.AUTHOR_STOP_TOKENS & set(lowered.split())
        or _ROLE_WORDS & set(lowered.split())
        or sum(char.isdigit() for char in name) * 3 > len(name)
        or "@" in name
        or "://" in name
        or "www." in lowered
    ):
        return None
    if not (name[0].isupper() or not name[0].isascii()):
        return None
    if name.isupper() and len(name) > 3:  # "JANE DOE" in an all-caps byline
        name = name.title()
    return name


def find_authors(view: PageView) -> Found[tuple[str, ...]] | None:
    """The article's authors.

    1. JSON-LD author  2. <meta name=author>, article:author
    3. microdata itemprop=author  4. markup: rel=author links, byline/author elements near the
    title  5. text: a "By ..." line near the title
    """
    raw: list[str] = []
    for node in _ld_nodes_for_facts(view)[:1]:
        for author in _ld_resolve(view, node.get("author") or node.get("creator")):
            name = author if isinstance(author, str) else _ld_text(author)
            if name:
                raw.append(name)
    if authors := clean_authors(raw):
        return Found(authors, "json-ld")
    origin_of = {"article:author": "opengraph"}
    for name, content in view.meta_values(sel.AUTHOR_META):
        if authors := clean_authors([content]):
            return Found(authors, origin_of.get(name, "meta"))
    if authors := clean_authors(_microdata_authors(view)):
        return Found(authors, "microdata")
    if authors := clean_authors(_markup_authors(view)):
        return Found(authors, "markup")
    for _, text in _region_lines(view):
        if sel.BYLINE_PREFIX.match(text) and (authors := clean_authors([text])):
            return Found(authors, "text")
    return None


def _microdata_authors(view: PageView) -> list[str]:
    names = []
    for element in view.select(_ITEMPROP):
        if "author" not in (element.get("itemprop") or "").split():
            continue
        named = [e for e in element.iter() if e.get("itemprop") == "name"]
        target = named[0] if named else element
        names.append(target.get("content") or element_text(target))
    return names


def _markup_authors(view: PageView) -> list[str]:
    names = [
        element_text(a) for a in view.select(_REL_LINKS) if "author" in (a.get("rel") or "").split()
    ]
    for element in view.region:
        if sel.AUTHOR_MARKER.search(_marker_text(element)):
            text = element_text(element)
            if 0 < len(text) <= _REGION_LINE_CHARS:
                names.append(text)
    return names


# --- source (publisher) -------------------------------------------------------------------------


def find_source(view: PageView, authors: Sequence[str] = ()) -> Found[str] | None:
    """The outlet that published the article.

    1. JSON-LD publisher  2. microdata publisher  3. a source line marked as such near the title
    (aggregators show the original outlet there)  4. a short name printed next to the article's
    date ("Coastal Courier · 2 days ago"), when it is not one of the `authors` nor a section of
    the site's navigation  5. og:site_name  6. application-name and publisher <meta>  7. the
    site part of <title>, when the page also shows it as a name

    On an aggregator the site's own name (og:site_name, the <title> suffix) is the aggregator,
    so what the article's header shows comes before it.
    """
    for node in _ld_nodes_for_facts(view):
        for publisher in _ld_resolve(view, node.get("publisher")):
            name = publisher if isinstance(publisher, str) else _ld_text(publisher)
            if name:
                return Found(clean_text(name), "json-ld")
    if (name := _microdata_publisher(view)) is not None:
        return Found(name, "microdata")
    for element, text in _region_lines(view):
        if sel.SOURCE_MARKER.search(_marker_text(element)) and (name := _source_name(text)):
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
    for element in view.select(_ITEMPROP):
        if "publisher" in (element.get("itemprop") or "").split():
            named = [e for e in element.iter() if e.get("itemprop") == "name"]
            target = named[0] if named else element
            name = clean_text(target.get("content") or element_text(target))
            if name:
                return name
    return None


def _relative_date_in(text: str) -> re.Match[str] | None:
    """The relative date in a line of text, not counting a capitalised "Today" that ends a name
    ("Russia Today", "USA Today", "Psychology Today")."""
    for match in sel.RELATIVE_DATE.finditer(text):
        word = match.group("word")
        before = text[: match.start()].rstrip()
        if word and word[0].isupper() and before and before[-1].isalpha():
            continue
        return match
    return None


def _source_name(text: str) -> str | None:
    text = re.sub(r"^(?:source|via|from|quelle|fuente)\s*:?\s*", "", text, flags=re.I)
    text = text.strip(" ·•|-–—")
    if not text or word_count(text) > 8 or _relative_date_in(text) or text_date_match(text):
        return None
    return text


def _source_beside_date(view: PageView, authors: Sequence[str]) -> str | None:
    # Aggregator cards print "Outlet · 2 hours ago": a short name before the date in the same
    # line, or in the element just before or after the date's element.  Publisher pages print
    # "Jane Doe · March 3" or "Politics · 2 hours ago" there: authors and sections are not
    # outlets.
    title = normalised_words(element_text(view.heading)) if view.heading is not None else ""
    not_outlets = {normalised_words(a) for a in authors} | {title}
    not_outlets |= {normalised_words(v) for _, v in view.meta_values(sel.SECTION_META)}
    not_outlets |= {normalised_words(element_text(a)) for a in view.select(_NAVIGATION_LINKS)}
    for element, text in _region_lines(view):
        date_match = _relative_date_in(text) or text_date_match(text)
        if date_match is None and element.tag != "time":
            continue
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


_TEXT_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote")


def _looks_like_outlet(text: str) -> bool:
    return (
        1 <= word_count(text) <= 6
        and text[0].isupper()
        and not any(char.isdigit() for char in text)
        and not sel.BYLINE_PREFIX.match(text)
        and not re.search(r"\bby\b", text, re.I)
        and not sel.RELATIVE_DATE.search(text)
        and text.lower() not in ("time", "date", "updated", "published", "share", "comments")
    )


# --- dates --------------------------------------------------------------------------------------


def find_reference_time(view: PageView, mtime: float | None) -> Found[datetime] | None:
    """When the page was generated or fetched (relative dates count back from it): a <meta> that
    says so, else the file's modification time."""
    for _, content in view.meta_values(sel.REFERENCE_TIME_META):
        parsed = parse_date(content)
        if parsed is not None:
            return Found(parsed.moment, "meta")
    if mtime is not None:
        return Found(datetime.fromtimestamp(mtime, tz=UTC), "file-mtime")
    return None


def _first_plausible(
    view: PageView, candidates: Iterable[tuple[str, str]]
) -> Found[ParsedDate] | None:
    reference = view.reference.value if view.reference else None
    for origin, value in candidates:
        parsed = parse_date(value)
        if parsed is not None and plausible(parsed, origin, reference):
            return Found(parsed, origin)
    return None


def _ld_dates(view: PageView, *keys: str) -> Iterator[tuple[str, str]]:
    for node in _ld_nodes_for_facts(view):
        for key in keys:
            value = node.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, str):
                yield "json-ld", value


def _meta_dates(
    view: PageView, opengraph: Sequence[str], other: Sequence[str]
) -> Iterator[tuple[str, str]]:
    yield from (("opengraph", v) for _, v in view.meta_values(opengraph))
    yield from (("meta", v) for _, v in view.meta_values(other))


def _microdata_dates(view: PageView, prop: str) -> Iterator[tuple[str, str]]:
    for element in view.select(_ITEMPROP):
        if prop in (element.get("itemprop") or "").split():
            value = element.get("content") or element.get("datetime") or element_text(element)
            if value:
                yield "microdata", value


_UPDATED = re.compile(r"updat|modif|edit|revis", re.I)
_PUBLISHED = re.compile(r"publish|posted|pubdate|created|date-?line|story-?time|entry-?date", re.I)


def _time_elements(view: PageView, *, updated: bool) -> Iterator[tuple[str, str]]:
    """<time datetime> values, the ones labelled as publication (or update) times first, then
    those in the header region, then any other in the article's scope."""
    region = set(view.region)
    labelled, near, rest = [], [], []
    for element in view.select(_TIME_ELEMENTS):
        value = element.get("datetime")
        if not value:
            continue
        label = _marker_text(element)
        is_update = bool(_UPDATED.search(label))
        if updated or is_update:
            if updated and is_update:
                labelled.append(value)
        elif _PUBLISHED.search(label) or "pubdate" in element.attrib:
            labelled.append(value)
        elif element in region:
            near.append(value)
        else:
            rest.append(value)
    for value in labelled + near + rest:
        yield "time-element", value


def find_published(view: PageView) -> Found[str] | None:
    """The publication date (ISO 8601).

    1. JSON-LD datePublished  2. article:published_time  3. <meta name=date/pubdate/dc.date...>
    4. microdata datePublished  5. <time datetime> (labelled, near the title, any)
    6. a date printed near the title, absolute ("March 3, 2020") or relative ("2 days ago",
       resolved against the page's reference time)  7. htmldate's guess over the page
    Each candidate must be plausible: not in the future, not before the floor of its origin.
    """
    markup = _first_plausible(
        view,
        _chain(
            _ld_dates(view, "datePublished", "dateCreated", "uploadDate"),
            _meta_dates(view, sel.PUBLISHED_META_OPENGRAPH, sel.PUBLISHED_META),
            _microdata_dates(view, "datePublished"),
            _time_elements(view, updated=False),
        ),
    )
    if markup is not None:
        return Found(markup.value.iso, markup.origin)
    if (shown := _shown_date(view)) is not None:
        # A relative date with nothing to count back from: the day is unknown, and a guess
        # from elsewhere on the page would be some other date.
        return None if shown is _UNRESOLVABLE else shown
    if view.is_embedded or view.elements > HUGE_PAGE_ELEMENTS:
        return None
    return _htmldate_guess(view)


def find_modified(view: PageView) -> Found[str] | None:
    """The last-modified date (ISO 8601), kept apart from the publication date: JSON-LD
    dateModified, article:modified_time/og:updated_time, <meta> last-modified, microdata,
    <time> labelled as an update."""
    found = _first_plausible(
        view,
        _chain(
            _ld_dates(view, "dateModified"),
            _meta_dates(view, sel.MODIFIED_META_OPENGRAPH, sel.MODIFIED_META),
            _microdata_dates(view, "dateModified"),
            _time_elements(view, updated=True),
        ),
    )
    return Found(found.value.iso, found.origin) if found is not None else None


def _chain(*iterables: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for iterable in iterables:
        yield from iterable


_UNRESOLVABLE: Found[str] = Found("", "relative")


def _shown_date(view: PageView) -> Found[str] | None:
    # The first date line near the title: "Feb 26, 1987", "Updated 2 hours ago", "yesterday".
    # _UNRESOLVABLE when that line is relative and the page has no reference time.
    reference = view.reference.value if view.reference else None
    for _, text in _region_lines(view):
        if (absolute := text_date(text)) is not None:
            if _is_date_line(text) and plausible(absolute, "text", reference):
                return Found(absolute.iso, "text")
            continue
        if (match := sel.RELATIVE_DATE.search(text)) and _is_relative_date_line(text, match):
            if reference is None:
                return _UNRESOLVABLE
            resolved = resolve_relative(text, reference)
            if resolved is not None:
                return Found(resolved, "relative")
    return None


def _is_date_line(text: str) -> bool:
    # A line that states a date ("By Jane Doe | Feb 26, 1987 10:15 AM", "Published on Thursday,
    # 3 March 2020"), not a sentence that mentions one ("The redemption date will be May 8,
    # 1987.", "NOTE: Periods end January 31, 1987 and 1986, respectively.").
    match = text_date_match(text)
    if match is None or sel.SENTENCE_END.search(text):
        return False
    rest = text[: match.start()] + text[match.end() :]
    return word_count(rest) <= sel.DATE_LINE_MAX_OTHER_WORDS


def _is_relative_date_line(text: str, match: re.Match[str]) -> bool:
    # "Coastal Courier · 16 minutes ago", "Updated yesterday", not "TODAY IN WASHINGTON FOR
    # TUESDAY APRIL 7 (TIMES EDT/GMT)" nor "Officials met today to discuss it."
    rest = text[: match.start()] + text[match.end() :]
    return (
        len(text) <= 60
        and word_count(rest) <= sel.RELATIVE_LINE_MAX_OTHER_WORDS
        and not sel.SENTENCE_END.search(text)
    )


def _htmldate_guess(view: PageView) -> Found[str] | None:
    from htmldate import find_date  # its import is slow and most pages never need it

    reference = view.reference.value if view.reference else datetime.now(UTC)
    try:
        guess = find_date(
            view.tree,
            original_date=True,
            # The extensive search hands free text to dateparser: slow (tens of ms) and the
            # source of most wrong guesses.
            extensive_search=False,
            min_date=datetime.combine(sel.EARLIEST_GUESSED_DATE, datetime.min.time()),
            max_date=(reference + FUTURE_SLACK).replace(tzinfo=None),
        )
    except (ValueError, TypeError, OverflowError) as error:  # htmldate's own parsing edge cases
        log.debug("htmldate failed: %s", error)
        return None
    return Found(guess, "extractor") if guess else None


# --- language, URL, description, tags, image, licence -------------------------------------------

_LANGUAGE_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.I)


def normalise_language(value: str | None) -> str | None:
    """ "en-US", "en_GB", "EN" -> "en"; anything that is not a language tag -> None."""
    match = _LANGUAGE_CODE.match((value or "").strip())
    return match.group(1).lower() if match else None


def find_language(view: PageView, body: str = "") -> Found[str] | None:
    """The article's language (ISO 639 code): <html lang>, og:locale, content-language <meta>,
    JSON-LD inLanguage; else detected from the body text with py3langid."""
    root_lang = view.tree.get("lang") or view.tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if (code := normalise_language(root_lang)) is not None:
        return Found(code, "markup")
    for _, content in view.meta_values(("og:locale",)):
        if (code := normalise_language(content)) is not None:
            return Found(code, "opengraph")
    for _, content in view.meta_values(sel.LANGUAGE_META):
        if (code := normalise_language(content.split(",")[0])) is not None:
            return Found(code, "meta")
    for node in _ld_nodes_for_facts(view):
        if (code := normalise_language(_ld_text(node.get("inLanguage")))) is not None:
            return Found(code, "json-ld")
    if (code := detect_language(body)) is not None:
        return Found(code, "detected")
    return None


def detect_language(text: str) -> str | None:
    """The language of a text by py3langid, or None for too little text."""
    if word_count(text) < 5:
        return None
    import py3langid  # loads its model on first use

    code, _ = py3langid.classify(text[:3000])
    return str(code)


def _canonical_link(tree: HtmlElement) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                return href
    return None


def find_url(view: PageView) -> Found[str] | None:
    """The canonical URL: <link rel=canonical>, og:url, JSON-LD url (absolute http(s) only)."""
    if not view.is_embedded and (href := _canonical_link(view.tree)) is not None:
        return Found(href, "markup")
    for _, content in view.meta_values(("og:url",)):
        if content.startswith(("http://", "https://")):
            return Found(content, "opengraph")
    for node in _ld_nodes_for_facts(view):
        for key in ("url", "mainEntityOfPage"):
            url = _ld_url(node.get(key))
            if url and url.startswith(("http://", "https://")):
                return Found(url, "json-ld")
    return None


def find_description(view: PageView) -> Found[str] | None:
    """The summary the publisher wrote: og:description, <meta name=description>, JSON-LD."""
    for _, content in view.meta_values(("og:description",)):
        return Found(content, "opengraph")
    for _, content in view.meta_values(sel.DESCRIPTION_META):
        return Found(content, "meta")
    for node in _ld_nodes_for_facts(view):
        if (text := _ld_text(node.get("description"))) is not None:
            return Found(text, "json-ld")
    return None


def _split_keywords(value: Any) -> list[str]:
    if isinstance(value, list):
        return [k for item in value for k in _split_keywords(item)]
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str):
        return []
    return [clean_text(k) for k in re.split(r"[,;]", value) if clean_text(k)]


def find_tags(view: PageView) -> Found[tuple[str, ...]] | None:
    """Tags: article:tag, keywords <meta>, JSON-LD and microdata keywords and rel=tag links,
    merged without duplicates and labelled by the first source that had any; without any of
    those, the section (article:section, JSON-LD articleSection)."""
    ld = _ld_nodes_for_facts(view)[:1]
    keywords: list[tuple[str, list[str]]] = [
        ("opengraph", [v for _, v in view.meta_values(("article:tag",))]),
        ("meta", [k for _, v in view.meta_values(sel.TAG_META[1:]) for k in _split_keywords(v)]),
        ("json-ld", [k for n in ld for k in _split_keywords(n.get("keywords"))]),
        ("microdata", [k for v in _microdata_values(view, "keywords") for k in _split_keywords(v)]),
        ("markup", [element_text(a) for a in view.select(_REL_LINKS) if _is_tag_link(a)]),
    ]
    sections: list[tuple[str, list[str]]] = [
        (
            "opengraph",
            [v for name, v in view.meta_values(sel.SECTION_META) if name.startswith("article:")],
        ),
        (
            "meta",
            [
                v
                for name, v in view.meta_values(sel.SECTION_META)
                if not name.startswith("article:")
            ],
        ),
        ("json-ld", [k for n in ld for k in _split_keywords(n.get("articleSection"))]),
    ]
    # Keywords from every source, merged; the section only when there are no keywords (it is a
    # coarse label such as "World" that would otherwise sit on every article of the section).
    for group in (keywords, sections):
        tags: list[str] = []
        origin = None
        for source_origin, values in group:
            for tag in values:
                if tag and len(tag) <= 60 and tag.lower() not in {t.lower() for t in tags}:
                    tags.append(tag)
                    origin = origin or source_origin
        if tags and origin is not None:
            return Found(tuple(tags[:_MAX_TAGS]), origin)
    return None


def _is_tag_link(element: HtmlElement) -> bool:
    return element.tag == "a" and "tag" in (element.get("rel") or "").split()


def _microdata_values(view: PageView, prop: str) -> Iterator[str]:
    for element in view.select(_ITEMPROP):
        if prop in (element.get("itemprop") or "").split():
            value = element.get("content") or element_text(element)
            if value:
                yield value


def find_image(view: PageView) -> Found[str] | None:
    """The lead image URL: og:image, JSON-LD image, twitter:image, <link rel=image_src>."""
    for name, content in view.meta_values(sel.IMAGE_META):
        return Found(content, "opengraph" if name.startswith("og:") else "meta")
    for node in _ld_nodes_for_facts(view):
        for image in _ld_resolve(view, node.get("image")):
            if (url := _ld_url(image)) is not None:
                return Found(url, "json-ld")
    for link in [] if view.is_embedded else view.tree.iter("link"):
        if link.get("rel") == "image_src" and link.get("href"):
            return Found(link.get("href", "").strip(), "markup")
    return None


def license_name(value: str) -> str:
    """A Creative Commons licence URL or text as its short name ("CC BY 2.5", "CC BY-SA 4.0",
    "CC0 1.0"); anything else unchanged."""
    match = sel.CREATIVE_COMMONS_URL.search(value)
    if match is not None:
        version = match.group("version")
        if match.group("pd") == "zero":
            return "CC0 " + (version or "1.0")
        if match.group("pd") == "mark":
            return "Public Domain Mark " + (version or "1.0")
        kind = match.group("kind").upper()
        return f"CC {kind} {version}" if version else f"CC {kind}"
    match = sel.CREATIVE_COMMONS_TEXT.search(value)
    if match is not None:
        if match.group(0).upper().startswith("CC0"):
            return "CC0 1.0"
        return f"CC {re.sub(r'[- ]', '-', match.group('kind').upper())} {match.group('version')}"
    return clean_text(value)


def find_license(view: PageView, body: str = "") -> Found[str] | None:
    """The licence: <link rel=license>, <a rel=license>, JSON-LD license, a link to a Creative
    Commons licence, or a "CC BY x.y" notice at the end of the body or in the page footer."""
    for element in [] if view.is_embedded else view.select(_LICENSE_RELS):
        if "license" in (element.get("rel") or "").lower().split() and element.get("href"):
            return Found(license_name(element.get("href", "")), "markup")
    for node in _ld_nodes_for_facts(view):
        for value in _ld_resolve(view, node.get("license")):
            if (url := _ld_url(value) or _ld_text(value)) is not None:
                return Found(license_name(url), "json-ld")
    for element in view.select(_CREATIVE_COMMONS_LINKS):
        if sel.CREATIVE_COMMONS_URL.search(element.get("href") or ""):
            return Found(license_name(element.get("href", "")), "markup")
    # A licence notice is printed at the end of the article or in the page footer.
    footers = [] if view.is_embedded else view.select(_FOOTERS)
    lines = [body[-2000:]] + [e.text_content()[-2000:] for e in footers]
    for text in lines:
        if sel.CREATIVE_COMMONS_TEXT.search(text):
            return Found(license_name(text), "text")
    return None


# --- everything at once -------------------------------------------------------------------------


@dataclass(frozen=True)
class Metadata:
    """All metadata of one article and the provenance of each field."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    source: str | None = None
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    url: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    license: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)

    def with_language(self, language: Found[str] | None) -> Metadata:
        if language is None:
            return self
        return replace(
            self,
            language=language.value,
            provenance={**self.provenance, "language": language.origin},
        )


def read_metadata(view: PageView) -> Metadata:
    """Every metadata cascade over one view (language is added once the body is known)."""
    found: dict[str, Found[Any] | None] = {
        "title": find_title(view),
        "authors": (authors := find_authors(view)),
        "source": find_source(view, authors.value if authors is not None else ()),
        "published": find_published(view),
        "modified": find_modified(view),
        "url": find_url(view),
        "description": find_description(view),
        "tags": find_tags(view),
        "image": find_image(view),
    }
    published, modified = found["published"], found["modified"]
    if (
        published is not None
        and modified is not None
        and (modified.value[:10] < published.value[:10] or modified.value == published.value)
    ):
        # An "update" before publication, or at the very moment of it, says nothing new.
        found["modified"] = None
    provenance = {name: f.origin for name, f in found.items() if f is not None}
    if published is not None and published.origin == "relative" and view.reference is not None:
        provenance["published_reference"] = view.reference.origin
    values = {name: f.value for name, f in found.items() if f is not None}
    return Metadata(provenance=provenance, **values)
