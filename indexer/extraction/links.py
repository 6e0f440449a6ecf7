"""The article's URL, lead image and licence."""

from __future__ import annotations

import re

from lxml import etree

from indexer.extraction import selectors as sel
from indexer.extraction.headline import canonical_link
from indexer.extraction.pagetext import clean_text
from indexer.extraction.view import Found, PageView, ld_text, ld_url

_LICENSE_RELS = etree.XPath("//link[contains(@rel, 'icense')] | //a[contains(@rel, 'icense')]")
_CREATIVE_COMMONS_LINKS = etree.XPath("//a[contains(@href, 'creativecommons.org/')]")
_FOOTERS = etree.XPath("//footer")


def find_url(view: PageView) -> Found[str] | None:
    """The canonical URL: <link rel=canonical>, og:url, JSON-LD url (absolute http(s) only)."""
    if not view.is_embedded and (href := canonical_link(view.tree)) is not None:
        return Found(href, "markup")
    for _, content in view.meta_values(("og:url",)):
        if content.startswith(("http://", "https://")):
            return Found(content, "opengraph")
    for node in view.facts_nodes():
        for key in ("url", "mainEntityOfPage"):
            url = ld_url(node.get(key))
            if url and url.startswith(("http://", "https://")):
                return Found(url, "json-ld")
    return None


def find_image(view: PageView) -> Found[str] | None:
    """The lead image URL: og:image, JSON-LD image, twitter:image, <link rel=image_src>."""
    for name, content in view.meta_values(sel.IMAGE_META):
        return Found(content, "opengraph" if name.startswith("og:") else "meta")
    for node in view.facts_nodes():
        for image in view.resolve(node.get("image")):
            if (url := ld_url(image)) is not None:
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
    for node in view.facts_nodes():
        for value in view.resolve(node.get("license")):
            if (url := ld_url(value) or ld_text(value)) is not None:
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
