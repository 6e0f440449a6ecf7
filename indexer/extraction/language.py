"""The article's language: what the page declares, else what its text is written in."""

from __future__ import annotations

import re

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import word_count
from indexer.extraction.view import Found, PageView, ld_text

_LANGUAGE_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.I)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def normalise_language(value: str | None) -> str | None:
    """ "en-US", "en_GB", "EN" -> "en"; anything that is not a language tag -> None."""
    match = _LANGUAGE_CODE.match((value or "").strip())
    return match.group(1).lower() if match else None


def find_language(view: PageView, body: str = "") -> Found[str] | None:
    """The article's language (ISO 639 code): <html lang>, og:locale, content-language <meta>,
    JSON-LD inLanguage; else detected from the body text with py3langid."""
    if (code := normalise_language(view.tree.get("lang") or view.tree.get(_XML_LANG))) is not None:
        return Found(code, "markup")
    for _, content in view.meta_values(("og:locale",)):
        if (code := normalise_language(content)) is not None:
            return Found(code, "opengraph")
    for _, content in view.meta_values(sel.LANGUAGE_META):
        if (code := normalise_language(content.split(",")[0])) is not None:
            return Found(code, "meta")
    for node in view.facts_nodes():
        if (code := normalise_language(ld_text(node.get("inLanguage")))) is not None:
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
