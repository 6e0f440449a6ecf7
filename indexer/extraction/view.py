"""What the metadata cascades read: the page's declared facts, read once, and a view of one article.

Two immutable records:

- :class:`PageHead`: what the page declares for machines (``<meta>`` tags, JSON-LD nodes, the
  reference time relative dates count back from), read once from the freshly parsed tree by
  :func:`read_head`.  Pruning the tree never changes it.
- :class:`PageView`: one article's view of the page, built complete: the tree as it is when the
  view is made, the page's head, the article's JSON-LD node, its title heading, its header region
  (where bylines and dates are printed) and, for an article embedded in the page, the elements
  it is scoped to.  Its :class:`Selections` cache XPath results for one state of the tree: the
  page's own view is made after pruning, the rail items' views before it (they share one).

Also here, the small JSON-LD readers every field module uses.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import clean_text, element_text

log = logging.getLogger(__name__)

T = TypeVar("T")
JsonNode = dict[str, Any]

# On pages with more elements than this, the whole-page guesses (htmldate, looking for the site
# name in the page's text, scanning every element for a headline) are skipped: each takes
# seconds on a 20 MB page of hundreds of thousands of elements.
HUGE_PAGE_ELEMENTS = 30_000
# A line of the header region (byline, source, date) is at most this long.
REGION_LINE_CHARS = 160
# JSON-LD is read this many levels deep (@graph, lists, nested values): real pages use three or
# four, and a hostile page nesting 100,000 levels must not cost a recursion per level.
MAX_JSON_LD_DEPTH = 6
# The JSON parser itself recurses per level; a script nesting deeper than this is not read.
_MAX_JSON_NESTING = 64

_COUNT_ELEMENTS = etree.XPath("count(//*)")
_ITEMPROP = etree.XPath("//*[@itemprop]")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A metadata value and where it came from (one of ``PROVENANCE_ORIGINS``)."""

    value: T
    origin: str


@dataclass(frozen=True)
class PageHead:
    """What a page declares for machines, read once: ``<meta>`` contents by lower-cased name,
    typed JSON-LD nodes (and those with an ``@id``), the WebPage node, the reference time, and
    how many elements the page has (huge pages skip the slow guesses)."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    json_ld: tuple[JsonNode, ...] = ()
    ld_ids: dict[str, JsonNode] = field(default_factory=dict)
    page_ld: JsonNode | None = None
    reference: Found[datetime] | None = None
    elements: int = 0

    def meta_values(self, names: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(name, content) of the <meta> tags with these names, in the order of ``names``."""
        for name in names:
            for content in self.meta.get(name, ()):
                yield name, content


class Selections:
    """XPath results by expression, for one state of a tree: several cascades read the same
    elements.  Make a new one whenever the tree changes (pruning)."""

    def __init__(self) -> None:
        self._found: dict[etree.XPath, list[HtmlElement]] = {}

    def __call__(self, path: etree.XPath, tree: HtmlElement) -> list[HtmlElement]:
        found = self._found.get(path)
        if found is None:
            found = self._found[path] = path(tree)
        return found


@dataclass(frozen=True)
class PageView:
    """One article's view of a page (see the module docstring).  ``scope`` is None for the
    page's own article; for an embedded one, the elements where its microdata and ``<time>``
    elements are looked for (empty for an article known only from JSON-LD)."""

    tree: HtmlElement
    head: PageHead
    article_ld: JsonNode | None = None
    heading: HtmlElement | None = None
    region: tuple[HtmlElement, ...] = ()
    scope: frozenset[HtmlElement] | None = None
    selections: Selections = field(default_factory=Selections, repr=False, compare=False)

    @property
    def is_embedded(self) -> bool:
        """True for the view of an article embedded in a page (a rail item), not the page's own."""
        return self.scope is not None

    @property
    def reference(self) -> Found[datetime] | None:
        return self.head.reference

    @property
    def elements(self) -> int:
        return self.head.elements

    def meta_values(self, names: Iterable[str]) -> Iterator[tuple[str, str]]:
        """The page's <meta> values; an embedded article has none of its own."""
        if self.is_embedded:
            return iter(())
        return self.head.meta_values(names)

    def select(self, path: etree.XPath) -> list[HtmlElement]:
        """The elements an XPath finds on the page, kept to the view's scope when it has one."""
        found = self.selections(path, self.tree)
        if self.scope is None:
            return found
        return [element for element in found if element in self.scope]

    def with_itemprop(self, prop: str) -> Iterator[HtmlElement]:
        """Elements (in scope) whose microdata ``itemprop`` includes ``prop``."""
        for element in self.select(_ITEMPROP):
            if prop in (element.get("itemprop") or "").split():
                yield element

    def facts_nodes(self) -> list[JsonNode]:
        """The JSON-LD nodes that state this article's facts: its article node first, then the
        page's WebPage node (which holds dates and publisher on some sites)."""
        page_ld = None if self.is_embedded else self.head.page_ld
        return [n for n in (self.article_ld, page_ld) if n is not None]

    def resolve(self, value: Any) -> list[Any]:
        """A JSON-LD value as a list, with ``{"@id": ...}`` references replaced by their nodes."""
        return ld_resolve(self.head.ld_ids, value)

    def region_lines(self) -> Iterator[tuple[HtmlElement, str]]:
        """(element, text) of the header region's short elements, in document order."""
        for element in self.region:
            if element.tag in sel.NON_TEXT_TAGS or element.tag in sel.HEADING_TAGS:
                continue
            if len(element.text_content()) > 4 * REGION_LINE_CHARS:  # a container, not a line
                continue
            text = element_text(element)
            if text and len(text) <= REGION_LINE_CHARS:
                yield element, text


# --- reading the page once ----------------------------------------------------------------------


def read_head(tree: HtmlElement, reference: Found[datetime] | None = None) -> PageHead:
    """The :class:`PageHead` of a freshly parsed page; ``reference`` is its reference time
    (``indexer.extraction.published.find_reference_time`` reads it from the meta map)."""
    json_ld, ld_ids = read_json_ld(tree)
    return PageHead(
        meta=read_meta(tree),
        json_ld=tuple(json_ld),
        ld_ids=ld_ids,
        page_ld=next((n for n in json_ld if ld_types(n) & sel.PAGE_TYPES), None),
        reference=reference,
        elements=int(_COUNT_ELEMENTS(tree)),
    )


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
    if _nesting(text) > _MAX_JSON_NESTING:
        log.debug("JSON-LD nested too deep skipped: %.60r", text)
        return None
    for attempt in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(attempt, strict=False)
        except ValueError:
            continue
    log.debug("unreadable JSON-LD skipped: %.60r", text)
    return None


_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _nesting(text: str) -> int:
    """How deep the brackets of a JSON text nest (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _collect_ld_nodes(data: Any, nodes: list[JsonNode], depth: int) -> None:
    if depth > MAX_JSON_LD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            _collect_ld_nodes(item, nodes, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            nodes.append(data)
        for key, value in data.items():
            if key == "@graph" or isinstance(value, dict | list):
                _collect_ld_nodes(value, nodes, depth + 1)


def ld_types(node: JsonNode) -> set[str]:
    """The schema.org type names of a node: "schema:NewsArticle" and
    "http://schema.org/NewsArticle" both give "NewsArticle"."""
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return {re.split(r"[/:#]", t)[-1] for t in names if isinstance(t, str)}


def article_nodes(head: PageHead) -> list[JsonNode]:
    """The JSON-LD nodes that describe articles, in page order."""
    return [node for node in head.json_ld if ld_types(node) & sel.ARTICLE_TYPES]


def ld_text(value: Any) -> str | None:
    """A JSON-LD value as one line of text (the first of a list, the name of a node)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return clean_text(value) or None if isinstance(value, str) else None


def ld_url(value: Any) -> str | None:
    """A JSON-LD value as a URL (the first of a list, the url or @id of a node)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def ld_string(node: JsonNode | None, key: str) -> str | None:
    """A non-blank string value of a node, or None."""
    value = node.get(key) if node is not None else None
    return value if isinstance(value, str) and value.strip() else None


def ld_resolve(ld_ids: dict[str, JsonNode], value: Any) -> list[Any]:
    """A JSON-LD value as a list, with {"@id": ...} references replaced by the nodes they name."""
    items = value if isinstance(value, list) else [value]
    resolved = []
    for item in items:
        if isinstance(item, dict) and set(item) <= {"@id", "@type"} and item.get("@id") in ld_ids:
            item = ld_ids[item["@id"]]
        if item is not None:
            resolved.append(item)
    return resolved


def first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


def scope_of(elements: Sequence[HtmlElement]) -> frozenset[HtmlElement]:
    return frozenset(elements)
