"""Following a query and adding the site to a browser: an Atom feed per query, and the OpenSearch
description.

``/search.atom`` takes the search page's parameters (query and filters) and lists the newest
:data:`FEED_ENTRIES` matching articles, newest first, whatever ``sort`` says (a feed reader wants
what is new).  The results page links to it with ``<link rel="alternate">``
(:func:`feed_url` builds the link from the page's own parameters).  The feed (Atom, RFC 4287) is
built as an lxml tree, which escapes every text it holds.  (feedgen 1.0 was tried first: it
drops the ``rel`` and ``type`` of an entry's links, so an entry's link to its original became a
second "alternate" link, which RFC 4287 forbids.)

``/opensearch.xml`` describes the search for browsers (OpenSearch 1.1): every page links to it
with ``<link rel="search">``, and a browser then offers artsearch as a search engine.  URLs in
both are absolute, built from the request's host (behind a reverse proxy, let it pass
``X-Forwarded-Host``/``-Proto`` and configure the proxy fix in front of the app).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request, url_for
from lxml import etree

from indexer.article import Article
from search import parse_request
from web.extension import current_service

feeds = Blueprint("feeds", __name__)

# Entries in a feed: the newest matches.  Feed readers poll; 50 covers a busy query between two
# polls an hour apart on a news archive without making every poll heavy.
FEED_ENTRIES = 50
# Characters of the body used as an entry's summary when the article has no description.
SUMMARY_CHARACTERS = 400
SHORT_NAME = "artsearch"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_ATOM = "{" + ATOM_NAMESPACE + "}"
# Characters XML 1.0 cannot hold (lxml refuses them rather than writing a broken feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
OPENSEARCH_NAMESPACE = "http://a9.com/-/spec/opensearch/1.1/"
# Parameters of the search page that do not change which articles a feed lists.
_NOT_FILTERS = ("page", "per_page", "sort", "format", "verbatim")


@feeds.app_template_global()
def feed_url() -> str:
    """The Atom feed of the current search page's query and filters."""
    args: dict[str, Any] = {
        name: request.args.getlist(name) for name in request.args if name not in _NOT_FILTERS
    }
    return url_for("feeds.search_feed", **args)


@feeds.get("/search.atom")
def search_feed() -> Response:
    search_request = replace(parse_request(request.args), sort="newest", page=1)
    matches = current_service().all_matches(search_request, limit=FEED_ENTRIES)
    articles = list(matches)
    built = _index_built()
    query = search_request.q
    feed = etree.Element(_ATOM + "feed", nsmap={None: ATOM_NAMESPACE})
    _text(feed, "id", request.url)
    _text(feed, "title", f"{SHORT_NAME}: {query}" if query else f"{SHORT_NAME}: newest articles")
    _text(feed, "subtitle", f"The newest of {matches.total} matching articles")
    updated = [_updated(article, built) for article in articles]
    _text(feed, "updated", _rfc3339(max(updated, default=built)))
    _text(etree.SubElement(feed, _ATOM + "author"), "name", SHORT_NAME)
    _text(feed, "generator", SHORT_NAME)
    _link(feed, request.url, "self", "application/atom+xml")
    page_args: dict[str, Any] = {name: request.args.getlist(name) for name in request.args}
    _link(feed, url_for("ui.search", _external=True, **page_args), "alternate", "text/html")
    for article, when in zip(articles, updated, strict=True):
        _add_entry(feed, article, when)
    body = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Response(body, mimetype="application/atom+xml")


def _text(parent: Any, name: str, text: str) -> Any:
    element = etree.SubElement(parent, _ATOM + name)
    element.text = _xml_text(text)
    return element


def _link(parent: Any, href: str, rel: str, kind: str, title: str | None = None) -> None:
    element = etree.SubElement(parent, _ATOM + "link", href=_xml_text(href), rel=rel, type=kind)
    if title:
        element.set("title", title)


def _add_entry(feed: Any, article: Article, updated: datetime) -> None:
    entry = etree.SubElement(feed, _ATOM + "entry")
    page = url_for("ui.article", article_id=article.id, _external=True)
    _text(entry, "id", page)
    _text(entry, "title", article.title)
    _text(entry, "updated", _rfc3339(updated))
    if article.published:
        _text(entry, "published", _rfc3339(_moment(article.published)))
    for name in article.authors:
        _text(etree.SubElement(entry, _ATOM + "author"), "name", name)
    _link(entry, page, "alternate", "text/html")
    if article.url:
        _link(entry, article.url, "related", "text/html", "The original")
    for tag in article.tags:
        etree.SubElement(entry, _ATOM + "category", term=_xml_text(tag))
    if article.source:
        source = etree.SubElement(entry, _ATOM + "source")
        _text(source, "title", article.source)
    _text(entry, "summary", article.description or _shortened(article.body))


def _xml_text(text: str) -> str:
    """Text without the characters XML cannot hold (control characters a page may carry)."""
    return _NOT_XML.sub("", text)


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _shortened(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= SUMMARY_CHARACTERS:
        return text
    return text[:SUMMARY_CHARACTERS].rsplit(" ", 1)[0] + " …"


def _moment(value: str) -> datetime:
    """An ISO date or date-time as an aware datetime: a day is its midnight, a time without an
    offset is taken as UTC (Atom requires an offset)."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _updated(article: Article, fallback: datetime) -> datetime:
    for value in (article.modified, article.published):
        if value:
            try:
                return _moment(value)
            except ValueError:
                continue
    return fallback


def _index_built() -> datetime:
    built_at = current_service().stats().built_at
    if built_at:
        try:
            return _moment(built_at)
        except ValueError:
            pass
    return datetime.now(UTC).replace(microsecond=0)


@feeds.get("/opensearch.xml")
def opensearch() -> Response:
    """The OpenSearch 1.1 description of this site's search."""
    namespace = "{" + OPENSEARCH_NAMESPACE + "}"
    root = etree.Element(namespace + "OpenSearchDescription", nsmap={None: OPENSEARCH_NAMESPACE})
    etree.SubElement(root, namespace + "ShortName").text = SHORT_NAME
    etree.SubElement(
        root, namespace + "Description"
    ).text = "Full-text search over the articles of this artsearch archive"
    etree.SubElement(root, namespace + "InputEncoding").text = "UTF-8"
    etree.SubElement(root, namespace + "OutputEncoding").text = "UTF-8"
    for kind, endpoint in (
        ("text/html", "ui.search"),
        ("application/atom+xml", "feeds.search_feed"),
        ("application/json", "api.search"),
    ):
        template = url_for(endpoint, _external=True) + "?q={searchTerms}"
        etree.SubElement(root, namespace + "Url", type=kind, method="get", template=template)
    self_url = url_for("feeds.opensearch", _external=True)
    etree.SubElement(root, namespace + "Url", type="application/opensearchdescription+xml",
                     rel="self", template=self_url)  # fmt: skip
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Response(body, mimetype="application/opensearchdescription+xml")
