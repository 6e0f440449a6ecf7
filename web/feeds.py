"""Following a query and adding the site to a browser: an Atom feed per query, and the OpenSearch
description.

``/search.atom`` takes the search page's parameters (query and filters) and lists the newest
:data:`FEED_ENTRIES` matching articles, newest first, whatever ``sort`` says (a feed reader wants
what is new).  The results page links to it with ``<link rel="alternate">``
(:func:`feed_url` builds the link from the page's own parameters).  The feed is written by
feedgen, which escapes every text it is given.

``/opensearch.xml`` describes the search for browsers (OpenSearch 1.1): every page links to it
with ``<link rel="search">``, and a browser then offers artsearch as a search engine.  URLs in
both are absolute, built from the request's host (behind a reverse proxy, let it pass
``X-Forwarded-Host``/``-Proto`` and configure the proxy fix in front of the app).
"""

from __future__ import annotations

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
    stats_built = _index_built()
    from feedgen.feed import FeedGenerator  # imported on first use: most requests never need it

    feed = FeedGenerator()
    query = search_request.q
    feed.id(request.url)
    feed.title(f"{SHORT_NAME}: {query}" if query else f"{SHORT_NAME}: newest articles")
    feed.subtitle(f"The newest of {matches.total} matching articles")
    feed.author({"name": SHORT_NAME})
    feed.link(href=request.url, rel="self", type="application/atom+xml")
    page_args: dict[str, Any] = {name: request.args.getlist(name) for name in request.args}
    feed.link(href=url_for("ui.search", _external=True, **page_args), rel="alternate",
              type="text/html")  # fmt: skip
    feed.generator(SHORT_NAME)
    updated = [_updated(article, stats_built) for article in articles]
    feed.updated(max(updated, default=stats_built))
    # feedgen writes entries in the reverse order of adding them: add the oldest first.
    for article, when in reversed(list(zip(articles, updated, strict=True))):
        _add_entry(feed, article, when)
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


def _add_entry(feed: Any, article: Article, updated: datetime) -> None:
    entry = feed.add_entry()
    page = url_for("ui.article", article_id=article.id, _external=True)
    entry.id(page)
    entry.title(article.title)
    entry.link(href=page, rel="alternate", type="text/html")
    if article.url:
        entry.link(href=article.url, rel="related", type="text/html", title="Original")
    entry.updated(updated)
    if article.published:
        entry.published(_moment(article.published))
    for name in article.authors:
        entry.author({"name": name})
    for tag in article.tags:
        entry.category(term=tag)
    if article.source:
        entry.source(title=article.source)
    summary = article.description or _shortened(article.body)
    entry.summary(summary)


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
    etree.SubElement(root, namespace + "Description").text = (
        "Full-text search over the articles of this artsearch archive"
    )
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
