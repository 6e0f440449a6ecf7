"""The article's language: what the page declares, else what its text is written in."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from indexer.extraction import selectors as sel
from indexer.extraction.pagetext import word_count
from indexer.extraction.view import Found, PageView, ld_text

# A detected language is used only when py3langid gives it at least this probability: below,
# the article's language is unknown (analysed as English is, no facet value).  Measured with
# bench/language_detection.py on the pages that declare their language (docs/decisions.md).
MIN_DETECTED_CONFIDENCE = 0.8
_MIN_DETECTED_WORDS = 5
_DETECTED_CHARS = 3000
# py3langid's code for "no linguistic content".
_NOT_LANGUAGE = frozenset({"zxx"})
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
    """The language of a text by py3langid; None for too little text, for text that is not
    language (py3langid's "zxx": tables of figures), and when py3langid is not sure."""
    code, confidence = detection(text)
    if code is None or confidence < MIN_DETECTED_CONFIDENCE:
        return None
    return code


def detection(text: str) -> tuple[str | None, float]:
    """py3langid's language of a text and how sure it is (0-1); (None, 0) for too little text
    or text that is not language."""
    if word_count(text) < _MIN_DETECTED_WORDS:
        return None, 0.0
    code, confidence = _identifier().classify(text[:_DETECTED_CHARS])
    if code in _NOT_LANGUAGE:
        return None, 0.0
    return str(code), float(confidence)


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # Loaded on the first page that needs it; probabilities, not raw scores, so that one floor
    # (MIN_DETECTED_CONFIDENCE) means the same for a short text and a long one.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
