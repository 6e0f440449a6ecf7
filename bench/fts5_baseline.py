"""The SQLite FTS5 yardstick of bench/perf.py: the same extracted text, the same query mix.

Built from the articles the product extracted (the index manifest, one copy per article id, the
copy the index holds), into one SQLite file:

- ``docs_fts``: an FTS5 table of title and body with the porter tokenizer;
- ``docs``: the filter and facet columns (source key and name, published, year), one row per
  article with the same rowid.

Two ways to search. ``search`` does the same work the product's search does: the total and the
source and year facet counts over every match (one ``GROUP BY`` over the matches, with the filters
as ``WHERE``), then the top 10 by ``bm25()`` with the title weighted 2 (or by date for a newest-
first query; a later page with ``OFFSET``), each with a ``snippet()`` of the body. Like the
product, a plain multi-word query that matches nothing with AND is run again with OR. FTS5 has no
"did you mean": a misspelt word costs it one more term lookup. Prefixes are FTS5 prefix queries,
exclusions ``NOT``. ``search_top`` only fetches the top 10 with their snippets (no total, no
facets): the lighter yardstick, likely the one of the product owner's figures (issue 17).
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from query_mix import BenchQuery

from indexer.article import Article
from indexer.index.manifest import Manifest, source_preference
from indexer.index.schema import name_key, parse_published

TITLE_WEIGHT = 2.0
TOP = 10
FACET_LIMIT = 20
SNIPPET_TOKENS = 48

_CREATE = """
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, tokenize = 'porter unicode61');
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    source_key TEXT,
    source_name TEXT,
    published TEXT,
    year TEXT
);
"""
_INDEXES = """
CREATE INDEX docs_by_source ON docs (source_key);
CREATE INDEX docs_by_published ON docs (published);
"""


@dataclass(frozen=True)
class FtsBuild:
    documents: int
    seconds: float
    size_bytes: int


@dataclass(frozen=True)
class FtsResult:
    total: int
    top: list[tuple[str, str, str]]  # article id, title, snippet
    sources: list[tuple[str, int]]
    years: list[tuple[str, int]]


def indexed_articles(manifest_path: Path) -> list[Article]:
    """One copy per article id, chosen the way the builder chooses the copy it indexes."""
    manifest = Manifest(manifest_path)
    try:
        chosen: dict[str, tuple[tuple[int, str, int], Article]] = {}
        for article in manifest.iter_articles():
            key = source_preference(article, 0)
            if article.id not in chosen or key < chosen[article.id][0]:
                chosen[article.id] = (key, article)
    finally:
        manifest.close()
    return [article for _, article in sorted(chosen.values(), key=lambda item: item[0])]


_Row = tuple[int, str, str | None, str | None, str | None, str | None]


def _row(rowid: int, article: Article) -> _Row:
    published = parse_published(article.published)
    stamp = published.isoformat(timespec="seconds") if published else None
    return (
        rowid,
        article.id,
        name_key(article.source) if article.source else None,
        article.source,
        stamp,
        stamp[:4] if stamp else None,
    )


def build_fts5(articles: Iterable[Article], path: Path) -> FtsBuild:
    """Write a fresh FTS5 database at ``path``; timed: inserting, indexing and optimising."""
    path.unlink(missing_ok=True)
    articles = list(articles)
    started = time.perf_counter()
    db = sqlite3.connect(path)
    try:
        db.executescript(_CREATE)
        with db:
            db.executemany(
                "INSERT INTO docs_fts (rowid, title, body) VALUES (?, ?, ?)",
                ((i, a.title, a.body) for i, a in enumerate(articles, 1)),
            )
            db.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                (_row(i, a) for i, a in enumerate(articles, 1)),
            )
        db.executescript(_INDEXES)
        with db:
            db.execute("INSERT INTO docs_fts (docs_fts) VALUES ('optimize')")
    finally:
        db.close()
    return FtsBuild(len(articles), time.perf_counter() - started, path.stat().st_size)


def _match_expression(query: BenchQuery, relaxed: bool) -> str:
    quoted = [f'"{word}"' for word in query.words]
    if query.is_phrase:
        return '"' + " ".join(query.words) + '"'
    if query.form == "prefix":
        return f'"{query.words[0]}" *'
    if query.form == "exclusion":
        return " ".join(quoted[:-1]) + f" NOT {quoted[-1]}"
    return (" OR " if relaxed else " ").join(quoted)


def _filters(query: BenchQuery) -> tuple[str, list[str]]:
    clauses: list[str] = []
    values: list[str] = []
    if query.source:
        clauses.append("d.source_key = ?")
        values.append(name_key(query.source))
    if query.date_from:
        clauses.append("d.published >= ?")
        values.append(query.date_from)
    if query.date_to:
        clauses.append("d.published <= ?")
        values.append(f"{query.date_to}T23:59:59")
    return "".join(f" AND {c}" for c in clauses), values


class FtsSearcher:
    """Searches one FTS5 database; one connection, used from one thread."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=True)

    def close(self) -> None:
        self._db.close()

    def search(self, query: BenchQuery) -> FtsResult:
        where, values = _filters(query)
        expression = _match_expression(query, relaxed=False)
        counts = self._counts(expression, where, values)
        if not counts and len(query.words) > 1 and query.form == "words":
            expression = _match_expression(query, relaxed=True)
            counts = self._counts(expression, where, values)
        sources: Counter[str] = Counter()
        years: Counter[str] = Counter()
        for source, year, count in counts:
            if source:
                sources[source] += count
            if year:
                years[year] += count
        top = self._top(query, expression, where, values)
        return FtsResult(
            total=sum(count for _, _, count in counts),
            top=top,
            sources=_top_counts(sources),
            years=_top_counts(years),
        )

    def search_top(self, query: BenchQuery) -> int:
        """Only the top 10 with ``snippet()``: no total, no facets (the lighter yardstick, as a
        search page without counts would be).  Returns how many rows came back."""
        where, values = _filters(query)
        rows = self._top(query, _match_expression(query, relaxed=False), where, values)
        if not rows and len(query.words) > 1 and query.form == "words":
            rows = self._top(query, _match_expression(query, relaxed=True), where, values)
        return len(rows)

    def _top(
        self, query: BenchQuery, expression: str, where: str, values: list[str]
    ) -> list[tuple[str, str, str]]:
        if query.sort == "newest":
            order = "d.published IS NULL, d.published DESC, d.id"
        elif query.sort == "oldest":
            order = "d.published IS NULL, d.published, d.id"
        else:
            order = f"bm25(docs_fts, {TITLE_WEIGHT}, 1.0)"
        offset = ((query.page or 1) - 1) * TOP
        if not where and not query.sort:
            # Nothing to filter or sort by in the docs table: FTS5 alone, its rowid as the id.
            # (A subquery joined to docs afterwards made SQLite compute every match's snippet.)
            return self._db.execute(
                "SELECT f.rowid, f.title,"
                f" snippet(docs_fts, 1, '<mark>', '</mark>', '…', {SNIPPET_TOKENS})"
                f" FROM docs_fts f WHERE docs_fts MATCH ? ORDER BY {order}"
                f" LIMIT {TOP} OFFSET {offset}",
                [expression],
            ).fetchall()
        return self._db.execute(
            "SELECT d.article_id, f.title,"
            f" snippet(docs_fts, 1, '<mark>', '</mark>', '…', {SNIPPET_TOKENS})"
            " FROM docs_fts f JOIN docs d ON d.id = f.rowid"
            f" WHERE docs_fts MATCH ?{where}"
            f" ORDER BY {order} LIMIT {TOP} OFFSET {offset}",
            [expression, *values],
        ).fetchall()

    def _counts(self, expression: str, where: str, values: list[str]) -> list[tuple[str, str, int]]:
        return self._db.execute(
            "SELECT d.source_name, d.year, count(*) FROM docs_fts f JOIN docs d ON d.id = f.rowid"
            f" WHERE docs_fts MATCH ?{where} GROUP BY d.source_name, d.year",
            [expression, *values],
        ).fetchall()


def _top_counts(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
