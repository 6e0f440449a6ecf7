"""The article's authors: the author cascade and the cleaning of byline strings into names."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import clean_text, element_text, marker_text
from indexer.extraction.view import REGION_LINE_CHARS, Found, PageView, ld_text

_REL_LINKS = etree.XPath("//a[@rel]")

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
    for node in view.facts_nodes()[:1]:
        for author in view.resolve(node.get("author") or node.get("creator")):
            name = author if isinstance(author, str) else ld_text(author)
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
    for _, text in view.region_lines():
        if sel.BYLINE_PREFIX.match(text) and (authors := clean_authors([text])):
            return Found(authors, "text")
    return None


def _microdata_authors(view: PageView) -> list[str]:
    names = []
    for element in view.with_itemprop("author"):
        named = [e for e in element.iter() if e.get("itemprop") == "name"]
        target = named[0] if named else element
        names.append(target.get("content") or element_text(target))
    return names


def _markup_authors(view: PageView) -> list[str]:
    names = [
        element_text(a) for a in view.select(_REL_LINKS) if "author" in (a.get("rel") or "").split()
    ]
    for element in view.region:
        if sel.AUTHOR_MARKER.search(marker_text(element)):
            text = element_text(element)
            if 0 < len(text) <= REGION_LINE_CHARS:
                names.append(text)
    return names
