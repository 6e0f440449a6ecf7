"""An article's metadata from a :class:`~indexer.extraction.view.PageView`: every field's cascade
run once, with the provenance of each value.

Each field has its own module of pure functions (``find_*(view) -> Found | None``): the title in
:mod:`~indexer.extraction.headline`, authors in :mod:`~indexer.extraction.bylines`, the outlet in
:mod:`~indexer.extraction.outlet`, dates in :mod:`~indexer.extraction.published`, URL, image and
licence in :mod:`~indexer.extraction.links`, tags and description in
:mod:`~indexer.extraction.tags`, language in :mod:`~indexer.extraction.language`.  The cascades go
from what the publisher declared for machines (JSON-LD, OpenGraph, ``<meta>``, microdata) to what
the page shows people (markup, visible text), and end with a library (htmldate) or a detector
(py3langid) where the page says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lxml.html import HtmlElement

from indexer.extraction.bylines import find_authors
from indexer.extraction.headline import (
    choose_article_ld,
    find_main_heading,
    find_title,
    header_region,
)
from indexer.extraction.links import find_image, find_url
from indexer.extraction.outlet import find_source
from indexer.extraction.published import find_modified, find_published, find_reference_time
from indexer.extraction.tags import find_description, find_tags
from indexer.extraction.view import Found, PageHead, PageView, article_nodes, read_head


@dataclass(frozen=True)
class Metadata:
    """All metadata of one article and the provenance of each field."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    source: str | None = None
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    url: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    license: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)

    def with_field(self, name: str, found: Found[Any] | None) -> Metadata:
        """This metadata with one field set from ``found`` (unchanged when it is None)."""
        if found is None:
            return self
        provenance = {**self.provenance, name: found.origin}
        return replace(self, provenance=provenance, **{name: found.value})


def read_metadata(view: PageView) -> Metadata:
    """Every metadata cascade over one view (language is added once the body is known)."""
    found: dict[str, Found[Any] | None] = {
        "title": find_title(view),
        "authors": (authors := find_authors(view)),
        "source": find_source(view, authors.value if authors is not None else ()),
        "published": find_published(view),
        "modified": find_modified(view),
        "url": find_url(view),
        "description": find_description(view),
        "tags": find_tags(view),
        "image": find_image(view),
    }
    published, modified = found["published"], found["modified"]
    if (
        published is not None
        and modified is not None
        and (modified.value[:10] < published.value[:10] or modified.value == published.value)
    ):
        # An "update" before publication, or at the very moment of it, says nothing new.
        found["modified"] = None
    provenance = {name: f.origin for name, f in found.items() if f is not None}
    if published is not None and published.origin == "relative" and view.reference is not None:
        provenance["published_reference"] = view.reference.origin
    values = {name: f.value for name, f in found.items() if f is not None}
    return Metadata(provenance=provenance, **values)


def read_head_with_reference(tree: HtmlElement, mtime: float | None = None) -> PageHead:
    """The page's :class:`PageHead`, its reference time read from its <meta>, its Web Archive
    links or ``mtime``."""
    head = read_head(tree)
    return replace(head, reference=find_reference_time(head, mtime, tree))


def read_view(tree: HtmlElement, *, mtime: float | None = None) -> PageView:
    """The complete view of a page's own article on the tree as it is (the extraction pipeline
    prunes rails first and builds its view after; a page without rails reads the same)."""
    head = read_head_with_reference(tree, mtime)
    article_ld = choose_article_ld(tree, head, article_nodes(head))
    heading = find_main_heading(tree, head, article_ld)
    return PageView(tree, head, article_ld, heading, header_region(tree, heading))
