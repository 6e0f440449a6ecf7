"""Extraction: one page's bytes in, its articles out (pure functions over the parsed tree).

:func:`extract_page` is the entry point; the modules are the steps and the fields:
``htmlparse`` (bytes to tree), ``view`` (what the page declares, read once), ``headline`` (the
title and its header region), ``rails`` (other articles and furniture on the page), ``body``
(the main text), and one module per metadata field (``bylines``, ``outlet``, ``published``,
``language``, ``links``, ``tags``) combined by ``metadata``.  ``dates``, ``pagetext`` and
``selectors`` are what they share.
"""

from __future__ import annotations

from indexer.extraction.page import extract_page

__all__ = ["extract_page"]
