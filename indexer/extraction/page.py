"""One page's bytes in, its Articles out: the page's own article, then those embedded in it.

The steps, each in its own module: parse (:mod:`~indexer.extraction.htmlparse`), read what the
page declares once (:func:`~indexer.extraction.view.read_head`), find the title heading
(:mod:`~indexer.extraction.headline`) and the page's structure around the article
(:func:`~indexer.extraction.rails.find_layout`), turn embedded rail items into articles, remove
rails and furniture from the tree, then read the main article's metadata
(:mod:`~indexer.extraction.metadata`) and body (:mod:`~indexer.extraction.body`) from what is
left.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from indexer.article import Article, article_id
from indexer.errors import ExtractionError
from indexer.extraction.body import (
    drop_code,
    extract_body,
    unwrap_layout_tables,
    without_page_furniture,
)
from indexer.extraction.headline import choose_article_ld, find_main_heading, header_region
from indexer.extraction.htmlparse import load_page
from indexer.extraction.language import find_language
from indexer.extraction.links import find_license, find_url
from indexer.extraction.metadata import Metadata, read_head_with_reference, read_metadata
from indexer.extraction.pagetext import clean_text, element_text, word_count
from indexer.extraction.rails import EMBEDDED_MIN_WORDS, RailItem, find_layout
from indexer.extraction.view import (
    Found,
    JsonNode,
    PageHead,
    PageView,
    Selections,
    article_nodes,
    ld_string,
)

log = logging.getLogger(__name__)

# A title made from the body when the page has none: this many words.
_TITLE_FROM_BODY_WORDS = 12
_SAFE_SCHEMES = ("http", "https")


def extract_page(data: bytes, path: str, *, mtime: float | None = None) -> list[Article]:
    """All articles on one page: the page's own article first (embedded=False), then any articles
    embedded in full on it (e.g. a news aggregator's "Related Articles" rail; embedded=True).
    `path` is the page's path relative to the corpus root ('/' separators), stored in Article.path.
    `mtime` is the file's modification time (epoch seconds), the fallback reference time for
    relative dates. Raises ExtractionError(reason) when the page yields no article; never raises
    anything else (a bug-proofing `except` at this top level may convert unexpected errors into an
    ExtractionError whose reason names the exception type, logged with the traceback).

    A page whose own text is empty but which embeds full articles yields those alone.
    """
    try:
        return _extract_page(data, path, mtime)
    except ExtractionError:
        raise
    except Exception as error:  # the documented bug-proofing boundary: log it, report it
        log.exception("unexpected error while extracting %s", path)
        raise ExtractionError(f"extractor bug: {type(error).__name__}") from error


def _extract_page(data: bytes, path: str, mtime: float | None) -> list[Article]:
    tree = load_page(data)
    head = read_head_with_reference(tree, mtime)
    ld_articles = article_nodes(head)
    article_ld = choose_article_ld(tree, head, ld_articles)
    heading = find_main_heading(tree, head, article_ld)

    layout = find_layout(tree, heading)
    before_pruning = Selections()  # the rail items' views select from the same unpruned tree
    page_url = _page_url(tree, head, article_ld)
    embedded = [_rail_article(item, tree, head, path, page_url, before_pruning)
                for item in layout.embedded]  # fmt: skip
    embedded += [_ld_article(node, tree, head, path) for node in ld_articles
                 if node is not article_ld]  # fmt: skip
    layout.prune()

    unwrap_layout_tables(tree)
    view = PageView(tree, head, article_ld, heading, header_region(tree, heading))
    main = _main_article(view, path)
    articles = _unique([main, *embedded])
    if not articles:
        raise ExtractionError("no article text found")
    return articles


def _main_article(view: PageView, path: str) -> Article | None:
    metadata = read_metadata(view)  # htmldate's search, in there, reads the page's scripts too
    drop_code(view.tree)
    body = extract_body(
        view.tree,
        elements=view.elements,
        page_url=metadata.url,
    )
    if body is None:
        return None
    # Extractors keep the title, a date line, the page's address or a byline around
    # short articles.
    heading = element_text(view.heading) if view.heading is not None else None
    language = find_language(view, body.value)  # date lines are read in it
    code = language.value if language is not None else None
    body = Found(
        without_page_furniture(body.value, metadata.title, heading, metadata.url, language=code),
        body.origin,
    )
    if word_count(body.value) == 0:
        return None
    metadata = metadata.with_field("language", language)
    return _article(
        metadata,
        body,
        path,
        embedded=False,
        license=find_license(view, body.value),
        base_url=metadata.url,
    )


def _rail_article(
    item: RailItem,
    tree: HtmlElement,
    head: PageHead,
    path: str,
    page_url: str | None,
    selections: Selections,
) -> Article | None:
    """An article shown in full in a rail: its own title, source, date and body."""
    elements = item.descendants()
    view = PageView(
        tree, head, heading=item.heading, region=tuple(elements), scope=frozenset(elements),
        selections=selections,
    )  # fmt: skip
    # The item's headline is its title; the page's <title> and og:title are the page's.
    metadata = read_metadata(view).with_field("title", Found(clean_text(item.title), "markup"))
    page_view = PageView(tree, head)
    metadata = metadata.with_field("language", find_language(page_view, " ".join(item.paragraphs)))
    link = next((a.get("href") for a in item.heading.iterancestors("a")), None)
    link = link or next((a.get("href") for a in item.heading.iter("a")), None)
    url = _safe_url(link, page_url)
    if url is not None:
        metadata = metadata.with_field("url", Found(url, "markup"))
    body = Found("\n\n".join(item.paragraphs), "markup")
    return _article(metadata, body, path, embedded=True)


def _ld_article(node: JsonNode, tree: HtmlElement, head: PageHead, path: str) -> Article | None:
    """An article described in full (with articleBody) by a JSON-LD node that is not the page's."""
    text = ld_string(node, "articleBody")
    if not text or word_count(text) < EMBEDDED_MIN_WORDS:
        return None
    view = PageView(tree, head, article_ld=node, scope=frozenset())
    metadata = read_metadata(view)
    paragraphs = [clean_text(p) for p in text.split("\n") if clean_text(p)]
    return _article(metadata, Found("\n\n".join(paragraphs), "json-ld"), path, embedded=True)


def _article(
    metadata: Metadata,
    body: Found[str],
    path: str,
    *,
    embedded: bool,
    license: Found[str] | None = None,
    base_url: str | None = None,
) -> Article | None:
    if not body.value.strip():
        return None
    provenance = {**metadata.provenance, "body": body.origin}
    title = metadata.title
    if not title:
        words = body.value.split()
        title = " ".join(words[:_TITLE_FROM_BODY_WORDS]) + (
            "…" if len(words) > _TITLE_FROM_BODY_WORDS else ""
        )
        provenance["title"] = "text"
    if license is not None:
        provenance["license"] = license.origin
    image = _safe_url(metadata.image, base_url)
    if image is None:
        provenance.pop("image", None)
    url = _safe_url(metadata.url, None)
    if url is None:
        provenance.pop("url", None)
    return Article(
        id=article_id(body.value),
        path=path,
        title=title,
        body=body.value,
        authors=metadata.authors,
        source=metadata.source,
        published=metadata.published,
        modified=metadata.modified,
        language=metadata.language,
        url=url,
        description=metadata.description,
        tags=metadata.tags,
        image=image,
        license=license.value if license is not None else None,
        embedded=embedded,
        provenance=provenance,
    )


def _unique(articles: list[Article | None]) -> list[Article]:
    """Articles without repeats (the same story in the rail and in JSON-LD, or the page's own
    story repeated in its rail): the first of each id is kept."""
    seen: set[str] = set()
    unique = []
    for article in articles:
        if article is not None and article.id not in seen:
            seen.add(article.id)
            unique.append(article)
    return unique


def _page_url(tree: HtmlElement, head: PageHead, article_ld: JsonNode | None) -> str | None:
    found = find_url(PageView(tree, head, article_ld))
    return found.value if found is not None else None


def _safe_url(value: str | None, base: str | None) -> str | None:
    """An http(s) URL (relative ones resolved against `base`); None for anything else, such as
    javascript: and data: URLs."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("//"):
        value = "https:" + value
    try:
        if base and not urlsplit(value).scheme:
            value = urljoin(base, value)
        scheme = urlsplit(value).scheme.lower()
    except ValueError:  # not a URL at all ("http://[broken")
        return None
    return value if scheme in _SAFE_SCHEMES else None
