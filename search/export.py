"""Search results out, in the formats other tools read: JSON Lines, CSV and SQLite.

Every format carries the same columns (:data:`COLUMNS`): the article's id, title, authors,
source, dates (``published`` and ``modified`` as days, ``published_time`` as the page stated it),
URL, language, tags, description and its path in the corpus; JSON Lines and SQLite add the body
(CSV leaves it out: spreadsheets choke on multi-kilobyte cells).  Lists (authors, tags) are JSON
arrays in JSON Lines and SQLite (where Datasette shows them as lists) and ``"; "``-joined text in
CSV.

The SQLite file holds one table, ``articles``, with an FTS5 full-text index ``articles_fts`` over
its text columns, built by sqlite-utils the way Datasette looks for it: the file opens as it is in
Datasette (which offers a search box on the table) and in the ``sqlite3`` shell::

    SELECT title FROM articles
    WHERE rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ferry');

The writers take any iterable of articles, read one at a time: a 100,000-article export never
holds more than a batch in memory (bench/io.py has the figures).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.article import Article
from search.results import day_of, time_of

FORMATS = ("jsonl", "csv", "sqlite")
# Formats that can be streamed to a client as they are written (SQLite needs a file).
STREAMED_FORMATS = ("jsonl", "csv")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "sqlite": "application/vnd.sqlite3",
}
COLUMNS = (
    "id",
    "title",
    "authors",
    "source",
    "published",
    "published_time",
    "modified",
    "url",
    "language",
    "tags",
    "description",
    "path",
)
TABLE = "articles"
# The text columns of the full-text index, as Datasette searches them.
FTS_COLUMNS = ("title", "description", "authors", "tags", "body")
_LIST_SEPARATOR = "; "
# Rows written to SQLite per transaction: larger batches gained nothing measurable.
_SQLITE_BATCH = 1000


def export_row(article: Article, *, body: bool) -> dict[str, Any]:
    """One article as an export row: :data:`COLUMNS` (and ``body``), lists kept as lists."""
    row: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "authors": list(article.authors),
        "source": article.source,
        "published": day_of(article.published),
        "published_time": time_of(article.published),
        "modified": day_of(article.modified),
        "url": article.url,
        "language": article.language,
        "tags": list(article.tags),
        "description": article.description,
        "path": article.path,
    }
    if body:
        row["body"] = article.body
    return row


def jsonl_lines(articles: Iterable[Article]) -> Iterator[str]:
    """One JSON object per article, each a line ending in a newline."""
    for article in articles:
        row = export_row(article, body=True)
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_lines(articles: Iterable[Article]) -> Iterator[str]:
    """A header line, then one CSV record per article (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield _drain(buffer)
    for article in articles:
        row = export_row(article, body=False)
        row["authors"] = _LIST_SEPARATOR.join(row["authors"])
        row["tags"] = _LIST_SEPARATOR.join(row["tags"])
        writer.writerow(["" if row[name] is None else row[name] for name in COLUMNS])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_sqlite(
    articles: Iterable[Article], target: Path, *, about: dict[str, Any] | None = None
) -> int:
    """Write the articles to a new SQLite file at ``target`` (replacing it only once complete);
    returns how many were written.  ``about`` (the query, say) is kept in a one-row table
    ``export``."""
    import sqlite_utils  # imported here: the web app never needs it

    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".sqlite", dir=target.parent)
    os.close(handle)
    try:
        db = sqlite_utils.Database(temporary)
        table = db.table(TABLE)
        table.create(
            {name: str for name in (*COLUMNS, "body")},
            pk="id",
            not_null={"id", "title", "body"},
        )
        count = 0

        def rows() -> Iterator[dict[str, Any]]:
            nonlocal count
            for article in articles:
                count += 1
                yield export_row(article, body=True)

        # The same article found twice (an id repeated) is written once.
        table.insert_all(rows(), batch_size=_SQLITE_BATCH, ignore=True)
        table.enable_fts(list(FTS_COLUMNS), fts_version="FTS5", create_triggers=True)
        db.table("export").insert(
            {
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "articles": count,
                **{key: json.dumps(value) for key, value in (about or {}).items()},
            }
        )
        db.close()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
