"""The article's tags (keywords, else its section) and the summary its publisher wrote."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import clean_text, element_text
from indexer.extraction.view import Found, PageView, ld_text

_REL_LINKS = etree.XPath("//a[@rel]")
_MAX_TAGS = 30
_MAX_TAG_CHARS = 60


def find_description(view: PageView) -> Found[str] | None:
    """The summary the publisher wrote: og:description, <meta name=description>, JSON-LD."""
    for _, content in view.meta_values(("og:description",)):
        return Found(content, "opengraph")
    for _, content in view.meta_values(sel.DESCRIPTION_META):
        return Found(content, "meta")
    for node in view.facts_nodes():
        if (text := ld_text(node.get("description"))) is not None:
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
    ld = view.facts_nodes()[:1]
    microdata = [element.get("content") or element_text(element) for element in
                 view.with_itemprop("keywords")]  # fmt: skip
    keywords: list[tuple[str, list[str]]] = [
        ("opengraph", [v for _, v in view.meta_values(("article:tag",))]),
        ("meta", [k for _, v in view.meta_values(sel.TAG_META[1:]) for k in _split_keywords(v)]),
        ("json-ld", [k for n in ld for k in _split_keywords(n.get("keywords"))]),
        ("microdata", [k for v in microdata if v for k in _split_keywords(v)]),
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
                if (
                    tag
                    and len(tag) <= _MAX_TAG_CHARS
                    and tag.lower() not in {t.lower() for t in tags}
                ):
                    tags.append(tag)
                    origin = origin or source_origin
        if tags and origin is not None:
            return Found(tuple(tags[:_MAX_TAGS]), origin)
    return None


def _is_tag_link(element: HtmlElement) -> bool:
    return element.tag == "a" and "tag" in (element.get("rel") or "").split()
