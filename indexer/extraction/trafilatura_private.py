"""The one module that touches trafilatura's private names (trafilatura is pinned in
pyproject.toml; a new version is read against this module before the pin moves, and so is a new
lxml: the bound below relies on how its libxml2 parses HTML).

trafilatura's default settings compare its own text with readability's and jusText's
(``trafilatura.external.compare_extraction``): about a third of its time on a page.  Its rules
(2.3.1, balanced focus) keep its own text unless

1. that text is empty, shorter than its floor (``min_extracted_size``), or holds elements it
   treats as unclean (figures, asides, times, inputs, iframes...): jusText is run;
2. that text has no paragraph, or more tables than paragraphs: readability's text is taken when
   longer than twice the floor;
3. readability's text is more than twice as long as its own.

Readability's text is taken from the page it is given (scripts and styles dropped, five letters
"VIDEO" written into each iframe), so it is never longer than that page's text -- but for the
text of ``<xmp>``, ``<noembed>``, ``<noframes>`` and ``<plaintext>``: readability writes its result
out as XML and parses it back as HTML, and libxml2 (2.14, as browsers do) reads those elements'
content as raw text, so each ``&`` comes back as ``&amp;`` (found in review: a page with an
``<xmp>`` of 400 ampersands).  Pages with one of them are always compared.  When none of 1-3
can hold -- the own text is long enough, clean, made of paragraphs, and at least half of all the
page's text -- the comparison would keep the own text, and :func:`skipping_needless_comparisons`
returns it without running readability.  The text is the same either way (bench/extraction.py
checks it on every page set: ``--check-comparison``); only the time differs.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import trafilatura.core
import trafilatura.external
from lxml import etree

_ORIGINAL: Callable[..., tuple[Any, str]] = trafilatura.external.compare_extraction
_SKIPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("skipping", default=False)
# What readability drops before it reads a page (and a fenced frame, counted as kept), and what
# it writes into an iframe (with a space that may separate it from its neighbours).
_DROPPED_BY_READABILITY = ("script", "style")
_IFRAME_TEXT = len(" VIDEO")
_NORMALIZED_LENGTH = etree.XPath("string-length(normalize-space(.))")
# Elements whose text grows on readability's way out and back in (see the module's notes).
_RAW_TEXT_ELEMENTS = ("xmp", "noembed", "noframes", "plaintext")


def comparison_could_change(body: etree._Element, text: str, raw_tree: etree._Element,
                            options: Any) -> bool:  # fmt: skip
    """Whether trafilatura's comparison with readability and jusText could replace ``text`` (the
    text of ``body``, trafilatura's own extraction of ``raw_tree``): see the module's rules."""
    if options.focus != "balanced":
        return True  # the recall retry and precision focus have other rules
    if len(text) < options.min_extracted_size or body.xpath(trafilatura.external.SANITIZED_XPATH):
        return True
    if not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p")):
        return True
    if next(raw_tree.iter(*_RAW_TEXT_ELEMENTS), None) is not None:
        return True
    return 2 * len(text) < readability_text_bound(raw_tree, enough=2 * len(text))


def readability_text_bound(tree: etree._Element, enough: int = 0) -> int:
    """At least the length of any text readability can return for ``tree``, as trafilatura
    measures it (whitespace runs as one space); a bound of ``enough`` or more may be returned
    without the work of a closer one.

    Readability's text is the text of some of the tree's elements, in the tree's order, with
    "VIDEO" written into iframes and without scripts and styles.  Dropping text from a string
    never lengthens it once whitespace runs are collapsed, and XPath's ``normalize-space`` keeps
    every character Python's ``str.split`` would also count (it collapses fewer kinds of space).
    Cutting a script's text out of the page's shortens the page's by at least that text's own
    normalized length less one (the space that may join its neighbours).
    """
    bound = int(_NORMALIZED_LENGTH(tree)) + _IFRAME_TEXT * sum(1 for _ in tree.iter("iframe"))
    if bound <= enough:
        return bound
    for element in tree.iter(*_DROPPED_BY_READABILITY):
        # Each script's or style's text cut out once (one inside another, which no HTML parser
        # makes, is inside its outer one's); a fenced frame's is counted as kept (rare).
        if element.text and next(element.iterancestors(*_DROPPED_BY_READABILITY), None) is None:
            bound -= max(0, int(_NORMALIZED_LENGTH(element)) - 1)
    return bound


def _compare_extraction(
    cleaned_tree: etree._Element, raw_tree: etree._Element, body: etree._Element, text: str,
    options: Any,
) -> tuple[Any, str]:  # fmt: skip
    if _SKIPPING.get() and not comparison_could_change(body, text, raw_tree, options):
        return body, text
    return _ORIGINAL(cleaned_tree, raw_tree, body, text, options)


# trafilatura.core calls the name it imported; the replacement runs the original unless a
# caller asked for the skip (trafilatura called by anyone else runs as published).
trafilatura.core.compare_extraction = _compare_extraction  # type: ignore[attr-defined]


@contextmanager
def skipping_needless_comparisons(enabled: bool = True) -> Iterator[None]:
    """trafilatura calls within this block skip the comparisons that cannot change their text."""
    token = _SKIPPING.set(enabled)
    try:
        yield
    finally:
        _SKIPPING.reset(token)
