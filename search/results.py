"""What a search returns: small frozen dataclasses with ``to_dict()``.

The JSON API serialises these with ``to_dict()``; the templates read their attributes.  No Whoosh
object ever leaves the ``search`` package.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any

from indexer.article import Article
from search.request import FILTER_PARAMETERS, SearchRequest


def day_of(value: str | None) -> str | None:
    """The day (``YYYY-MM-DD``) of an ISO 8601 date or date-time."""
    return value[:10] if value else None


def time_of(value: str | None) -> str | None:
    """The ISO 8601 date-time as the page stated it (with its offset when it gave one), or None
    when it gave a day only."""
    return value if value and len(value) > 10 else None


def public_article(article: Article) -> dict[str, Any]:
    """An article as the API and the exports show it: every field, with ``published`` and
    ``modified`` as days (``YYYY-MM-DD``, one format whatever the page stated) and the stated
    time of publication, when there is one, in ``published_time``."""
    data = article.to_dict()
    data["published"] = day_of(article.published)
    data["published_time"] = time_of(article.published)
    data["modified"] = day_of(article.modified)
    return data


@dataclass(frozen=True)
class StorySummary:
    """What a result says of its story: how many versions (copies) and texts it has, every
    outlet of the shown text's copies, and the story's first publication and last update (days)."""

    versions: int = 1
    texts: int = 1
    outlets: tuple[str, ...] = ()
    first_published: str | None = None
    last_updated: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "versions": self.versions,
            "texts": self.texts,
            "outlets": list(self.outlets),
            "first_published": self.first_published,
            "last_updated": self.last_updated,
        }


@dataclass(frozen=True)
class Hit:
    """One result: the article, its score, a snippet and the title with its matches marked.

    ``snippet`` and ``title_html`` are HTML: article text escaped by our own code, matched terms
    wrapped in ``<mark>``.  ``title_html`` is the escaped title when it was not given.
    """

    article: Article
    score: float
    snippet: str
    title_html: str = ""
    story: StorySummary | None = None

    @property
    def versions(self) -> int:
        """How many versions the result's story has (1 without stories)."""
        return self.story.versions if self.story is not None else 1

    @property
    def marked_title(self) -> str:
        return self.title_html or escape(self.article.title)

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "id": a.id,
            "path": a.path,
            "title": a.title,
            "url": a.url,
            "source": a.source,
            "authors": list(a.authors),
            "published": day_of(a.published),
            "published_time": time_of(a.published),
            "language": a.language,
            "snippet": self.snippet,
            "title_html": self.marked_title,
            "score": round(self.score, 4),
            "versions": self.versions,
            "story": self.story.to_dict() if self.story is not None else None,
        }


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet group: how many results it has, and whether the request chose it."""

    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass(frozen=True)
class TimelineBar:
    """The results published in one period (``unit`` "year" or "month"), from ``start`` to ``end``
    (inclusive ISO days); ``period`` is ``YYYY`` or ``YYYY-MM``."""

    period: str
    unit: str
    start: str
    end: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "unit": self.unit,
            "from": self.start,
            "to": self.end,
            "count": self.count,
        }


@dataclass(frozen=True)
class SearchResults:
    """One page of results with the total, facet counts, the timeline and a "did you mean".

    ``searched`` is the query these results are for: the request's own, or its corrected
    spelling when the query as typed found nothing and the correction did (``corrected``).
    ``total`` counts what the results list: stories when ``counts == "stories"`` (each shown
    once, ``group=story``), documents (distinct texts) otherwise; ``total_documents`` counts
    the matching texts either way, and the facet counts count what ``counts`` says.
    """

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    searched: str | None = None
    timeline: tuple[TimelineBar, ...] = ()
    total_documents: int | None = None
    counts: str = "documents"

    @property
    def documents(self) -> int:
        return self.total if self.total_documents is None else self.total_documents

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    @property
    def searched_for(self) -> str:
        return self.request.q if self.searched is None else self.searched

    @property
    def corrected(self) -> bool:
        return self.searched_for != self.request.q

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.request.q,
            "searched": self.searched_for,
            "corrected": self.corrected,
            "total": self.total,
            "counts": self.counts,
            "total_stories": self.total if self.counts == "stories" else None,
            "total_documents": self.documents,
            "group": self.request.group,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "sort": self.request.sort,
            "filters": {
                name: value
                for name, value in self.request.to_dict().items()
                if name in (*FILTER_PARAMETERS, "from", "to")
            },
            "results": [hit.to_dict() for hit in self.hits],
            "facets": {
                name: [value.to_dict() for value in values] for name, values in self.facets.items()
            },
            "timeline": [bar.to_dict() for bar in self.timeline],
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class RelatedHit:
    """A related article with the terms it shares with the article it is related to, and how far
    its score stands out from the article's similarity to the rest of the archive (in standard
    deviations above the mean)."""

    hit: Hit
    shared_terms: tuple[str, ...]
    standout: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = self.hit.to_dict()
        data["reason"] = {
            "shared_terms": list(self.shared_terms),
            "text": "Shares: " + ", ".join(self.shared_terms) if self.shared_terms else "",
            "standout": self.standout,
        }
        return data


@dataclass(frozen=True)
class IndexStats:
    """What `artsearch stats` prints and ``/api/stats`` returns.

    ``articles`` counts distinct texts, ``stories`` the stories they form (None for an index
    without stories); source and year counts count stories when there are stories (a story
    counts once under each outlet that printed it), texts otherwise.

    ``path`` and ``corpus`` are folders on the server: they are for the CLI's user and are left out
    of :meth:`to_dict`, which is what the public API serves.
    """

    path: str
    articles: int
    sources: tuple[FacetValue, ...]
    years: tuple[FacetValue, ...]
    size_bytes: int
    built_at: str | None
    corpus: str | None
    stories: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "stories": self.stories,
            "sources": [v.to_dict() for v in self.sources],
            "years": [v.to_dict() for v in self.years],
            "size_bytes": self.size_bytes,
            "built_at": self.built_at,
        }


@dataclass
class AllMatches:
    """Every article a search matches, for exports, feeds and notebooks
    (:meth:`search.SearchService.all_matches`).

    ``total`` counts all matches; iterating yields the articles in the request's order, at most
    the limit asked for, read from the index one at a time.  The index version stays checked
    out until the iteration ends: iterate to the end, or call :meth:`close`.
    """

    request: SearchRequest
    total: int
    articles: Iterator[Article]

    def __iter__(self) -> Iterator[Article]:
        return self.articles

    def close(self) -> None:
        close = getattr(self.articles, "close", None)
        if close is not None:
            close()
