"""Jinja filters and globals the templates use.

All of them return plain text or plain values for Jinja to autoescape; none returns markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, url_for

from search import MAX_QUERY_LENGTH, SearchRequest
from web.search_links import search_args

# Article bodies separate paragraphs with a blank line (see indexer.article.Article).
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A BCP 47 language tag, loosely: "en", "pt-BR", "zh-Hant".  Anything else is not put in `lang`.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# Only these schemes become links: an article's URL is untrusted, and "javascript:" in an href
# runs on click even when the text around it is escaped.
_LINKABLE_SCHEMES = ("http", "https")


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs, without blank ones."""
    return [part.strip() for part in _PARAGRAPH_BREAK.split(body) if part.strip()]


def repeats_opening_of(description: str, body: str) -> bool:
    """True when ``description`` is (the start of) the body's first paragraph."""
    first = " ".join(paragraphs(body)[:1]).split()
    words = description.split()
    # A description cut short with an ellipsis still repeats the body.
    if words and words[-1].endswith(("…", "...")):
        words = words[:-1]
    return bool(words) and first[: len(words)] == words


def web_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL that is safe to put in an href, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINKABLE_SCHEMES or not parts.netloc:
        return None
    return url.strip()


def language_tag(language: str | None) -> str | None:
    """``language`` if it is usable as an HTML ``lang`` value, else None."""
    if language and _LANGUAGE_TAG.fullmatch(language):
        return language
    return None


def search_url(request: SearchRequest, changes: Mapping[str, object] | None = None) -> str:
    """The URL of the results page for ``request`` with ``changes`` (see ``search_args``)."""
    # Typed loosely: url_for's own keyword arguments (_external, ...) are not str.
    args: dict[str, Any] = search_args(request, changes)
    return url_for("ui.search", **args)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(paragraphs)
    app.add_template_filter(web_url)
    app.add_template_filter(language_tag)
    app.add_template_filter(repeats_opening_of)
    app.add_template_global(search_url)
    app.jinja_env.globals["MAX_QUERY_LENGTH"] = MAX_QUERY_LENGTH
