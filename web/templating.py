"""Jinja filters and globals the templates use.

They return plain text or plain values for Jinja to autoescape, except :func:`marked`, whose
markup is built by :func:`search.snippets.highlight` (the text escaped by our own code, only
``<mark>`` added).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from flask import Flask, url_for
from markupsafe import Markup

from indexer.article_body import Block, blocks
from search import MAX_QUERY_LENGTH, SearchRequest
from search.snippets import highlight
from web.search_links import search_args

# Article bodies separate paragraphs with a blank line (see indexer.article.Article).
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A BCP 47 language tag, loosely: "en", "pt-BR", "zh-Hant".  Anything else is not put in `lang`.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# Only these schemes become links: an article's URL is untrusted, and "javascript:" in an href
# runs on click even when the text around it is escaped.
_LINKABLE_SCHEMES = ("http", "https")
# The UI is in English: language names and dates are written for English readers.
_UI_LOCALE = Locale("en")
# "3 August 2025": day, month name and year, without a weekday (CLDR pattern).
_DATE_PATTERN = "d MMMM y"
# Headings of an article body sit under the page's h1 (the title): "##" is h2.
_FIRST_BODY_HEADING = 2


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs, without blank ones."""
    return [part.strip() for part in _PARAGRAPH_BREAK.split(body) if part.strip()]


def body_blocks(body: str) -> list[Block]:
    """The body's blocks, headings levelled so that none skips a level (``###`` right after the
    title becomes h2) while siblings stay siblings: the page's outline stays a tree."""
    found = []
    # The open headings: (level in the body, level on the page).
    open_headings: list[tuple[int, int]] = []
    for block in blocks(body):
        if block.kind == "heading":
            while open_headings and open_headings[-1][0] >= block.level:
                open_headings.pop()
            level = open_headings[-1][1] + 1 if open_headings else _FIRST_BODY_HEADING
            open_headings.append((block.level, level))
            block = dataclasses.replace(block, level=level)
        found.append(block)
    return found


def repeats_opening_of(description: str, body: str) -> bool:
    """True when ``description`` is (the start of) the body's first paragraph."""
    first_block = next((b for b in blocks(body) if b.kind != "heading"), None)
    first = first_block.plain.split() if first_block else []
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


def language_name(code: str | None) -> str:
    """The English name of a language code ("de" -> "German"), from CLDR; the code itself when
    CLDR does not know it."""
    if not code:
        return ""
    tag = language_tag(code)
    if tag is None:
        return code
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(_UI_LOCALE)
    except (UnknownLocaleError, ValueError):
        name = _UI_LOCALE.languages.get(tag.split("-")[0].lower())
    return name or code


def describe_filter_value(name: str, value: str) -> str:
    """How a filter value reads on the page: language codes as names, days as dates."""
    if name == "lang":
        return language_name(value)
    return human_date(value) if name == "date" else value


def human_date(iso: str | None) -> str:
    """An ISO date (or date-time) as "3 August 2025"; the text itself when it is not a date."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return str(format_date(day, _DATE_PATTERN, locale=_UI_LOCALE))


def marked(text: str, terms: Collection[str]) -> Markup:
    """``text`` escaped, the words matching ``terms`` in ``<mark>`` (safe: escaped by us)."""
    return Markup(highlight(text, terms))  # noqa: S704 - highlight escapes the text itself


def search_url(request: SearchRequest | None, changes: Mapping[str, object] | None = None) -> str:
    """The URL of the results page for ``request`` with ``changes`` (see ``search_args``)."""
    # Typed loosely: url_for's own keyword arguments (_external, ...) are not str.
    base = request if request is not None else SearchRequest(q="")
    args: dict[str, Any] = search_args(base, changes)
    return url_for("ui.search", **args)


def article_url(article_id: str, request: SearchRequest | None = None) -> str:
    """The URL of an article page; opened from a search, the search's parameters ride along
    (for "Back to results" and for highlighting the query's words)."""
    args: dict[str, Any] = {}
    if request is not None:
        args = dict(search_args(request, {"page": request.page}))
    return url_for("ui.article", article_id=article_id, **args)


def register_template_helpers(app: Flask) -> None:
    for helper in (
        paragraphs,
        body_blocks,
        web_url,
        language_tag,
        language_name,
        human_date,
        repeats_opening_of,
        marked,
    ):
        app.add_template_filter(helper)
    app.add_template_global(search_url)
    app.add_template_global(article_url)
    app.jinja_env.globals["MAX_QUERY_LENGTH"] = MAX_QUERY_LENGTH
