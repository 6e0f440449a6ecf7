"""The Atom feed of a query and the OpenSearch description, through the real server, read back
by a real feed parser (feedparser) and an XML parser."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from live_server import get, running_server
from lxml import etree

from web.feeds import ATOM_NAMESPACE, FEED_ENTRIES, OPENSEARCH_NAMESPACE


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    with running_server(index_dir) as base:
        yield base


def feed_of(server: str, query: str) -> feedparser.FeedParserDict:
    status, headers, body = get(f"{server}/search.atom?{query}")
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def api_results(server: str, query: str) -> dict[str, object]:
    status, _, body = get(f"{server}/api/search?{query}&per_page=100")
    assert status == 200
    data: dict[str, object] = json.loads(body)
    return data


def test_the_feed_lists_the_newest_matches_first_with_the_same_filters(server: str) -> None:
    feed = feed_of(server, "q=&sort=relevance")  # sort is the feed's own: newest first
    newest = api_results(server, "q=&sort=newest")
    expected = [hit["id"] for hit in newest["results"]][:FEED_ENTRIES]  # type: ignore[attr-defined]
    assert [entry.link.rsplit("/", 1)[-1] for entry in feed.entries] == expected
    dated = [entry.published_parsed for entry in feed.entries if "published_parsed" in entry]
    assert dated == sorted(dated, reverse=True) and len(dated) > 3

    source = newest["results"][0]["source"]  # type: ignore[index]
    filtered = feed_of(server, urllib.parse.urlencode({"q": "", "source": source}))
    assert filtered.entries
    # A story is found through any of its copies' outlets (issue 14): each entry's text has a
    # copy from the source, whichever copy the entry shows.
    chosen = api_results(
        server, urllib.parse.urlencode({"q": "", "source": source, "sort": "newest"})
    )
    hits = chosen["results"]  # type: ignore[index]
    assert [entry.link.rsplit("/", 1)[-1] for entry in filtered.entries] == [
        hit["id"] for hit in hits
    ][:FEED_ENTRIES]
    assert all(source in hit["story"]["outlets"] for hit in hits)


def test_feed_entries_carry_what_atom_requires_and_link_the_original(server: str) -> None:
    feed = feed_of(server, "q=stampede")
    assert feed.feed.title == "artsearch: stampede"
    assert feed.feed.id and feed.feed.updated and feed.feed.author
    assert feed.entries
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.summary
        alternates = [link for link in entry.links if link.rel == "alternate"]
        assert len(alternates) == 1 and alternates[0].type == "text/html"
        status, _, _ = get(alternates[0].href)
        assert status == 200
    assert any(link.rel == "related" for entry in feed.entries for link in entry.links)


def test_feed_text_with_markup_and_control_characters_stays_well_formed(server: str) -> None:
    # The query is echoed in the feed's title: it must come back as text, not markup.
    query = "<script>alert(1)</script> & \x01"
    status, _, body = get(f"{server}/search.atom?q=" + urllib.parse.quote(query))
    assert status == 200
    root = etree.fromstring(body)
    title = root.find(f"{{{ATOM_NAMESPACE}}}title")
    assert title is not None and "<script>" in (title.text or "")
    assert b"<script>" not in body


def test_the_results_page_links_its_feed_with_the_same_filters(server: str) -> None:
    status, _, body = get(f"{server}/search?q=stampede&sort=oldest&page=1")
    assert status == 200
    links = re.findall(rb'<link rel="alternate" type="application/atom\+xml"[^>]*>', body)
    assert len(links) == 1
    href = re.search(rb'href="([^"]+)"', links[0])
    assert href is not None
    target = href[1].decode().replace("&amp;", "&")
    assert target == "/search.atom?q=stampede"  # sort and page do not change what it lists
    feed_of(server, target.split("?", 1)[1])


def test_opensearch_description_is_valid_and_its_templates_search(server: str) -> None:
    status, headers, body = get(f"{server}/opensearch.xml")
    assert status == 200
    assert headers["Content-Type"].startswith("application/opensearchdescription+xml")
    root = etree.fromstring(body)
    namespace = f"{{{OPENSEARCH_NAMESPACE}}}"
    assert root.tag == namespace + "OpenSearchDescription"
    short_name = root.findtext(namespace + "ShortName")
    description = root.findtext(namespace + "Description")
    # OpenSearch 1.1: ShortName at most 16 characters, Description at most 1024, plain text.
    assert short_name and len(short_name) <= 16
    assert description and len(description) <= 1024
    urls = root.findall(namespace + "Url")
    kinds = {url.get("type"): url.get("template") for url in urls}
    assert {"text/html", "application/atom+xml", "application/json"} <= set(kinds)
    for kind, template in kinds.items():
        assert template and template.startswith(server)
        if kind == "application/opensearchdescription+xml":
            continue
        assert "{searchTerms}" in template
        status, found_headers, _ = get(template.replace("{searchTerms}", "ferry"))
        assert status == 200 and found_headers["Content-Type"].startswith(kind)


@pytest.mark.parametrize("path", ["/", "/search?q=ferry", "/search?q=&page=0", "/nowhere"])
def test_every_page_links_the_opensearch_description(server: str, path: str) -> None:
    _, headers, body = get(server + path)
    assert headers["Content-Type"].startswith("text/html")
    assert re.search(
        rb'<link rel="search" type="application/opensearchdescription\+xml" title="artsearch" '
        rb'href="/opensearch.xml">',
        body,
    )
