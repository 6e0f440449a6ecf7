"""The manifest: which corpus file gave which articles, kept beside each index generation.

It is what makes builds incremental: a file whose size and modification time are unchanged is not
read again, and when a file goes away the manifest says which articles it held and whether another
file still holds a copy of any of them (the same story found on two pages is indexed once, from
its preferred source).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from indexer.article import Article

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha TEXT NOT NULL,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    path TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    id TEXT NOT NULL,
    embedded INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (path, ordinal)
);
CREATE INDEX IF NOT EXISTS articles_by_id ON articles (id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    sha: str
    reason: str | None  # why the file was skipped, None when it gave articles


# The copy source_preference() puts first, as SQL.
_PREFERRED_FIRST = "ORDER BY embedded, path, ordinal LIMIT 1"


def source_preference(article: Article, ordinal: int) -> tuple[int, str, int]:
    """Sort key choosing which copy of an article is indexed: a page's own article before an
    embedded copy, then the first path in sort order, so the choice is the same on every build."""
    return (int(article.embedded), article.path, ordinal)


class Manifest:
    """A SQLite file; changes become visible to the next build only after :meth:`commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level="DEFERRED")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:
        self._db.commit()

    def files(self) -> dict[str, FileRecord]:
        rows = self._db.execute("SELECT path, size, mtime_ns, sha, reason FROM files")
        return {row[0]: FileRecord(*row) for row in rows}

    def paths(self) -> list[str]:
        """The paths of every file the manifest knows (a tenth of the cost of :meth:`files`)."""
        return [path for (path,) in self._db.execute("SELECT path FROM files")]

    def skipped(self) -> list[tuple[str, str]]:
        """(path, reason) of every file that gave no article, in path order."""
        rows = self._db.execute(
            "SELECT path, reason FROM files WHERE reason IS NOT NULL ORDER BY path"
        )
        return [(str(path), str(reason)) for path, reason in rows]

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Record a new stat signature for a file whose content hash did not change."""
        self._db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def ids_of(self, path: str) -> set[str]:
        rows = self._db.execute("SELECT id FROM articles WHERE path = ?", (path,))
        return {row[0] for row in rows}

    def replace_file(self, record: FileRecord, articles: Iterable[Article]) -> None:
        """Store a file's new signature and the articles it now gives (none when skipped)."""
        self._db.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (record.path, record.size, record.mtime_ns, record.sha, record.reason),
        )
        self._db.execute("DELETE FROM articles WHERE path = ?", (record.path,))
        self._db.executemany(
            "INSERT INTO articles (path, ordinal, id, embedded, data) VALUES (?, ?, ?, ?, ?)",
            [
                (record.path, ordinal, a.id, int(a.embedded), _dump(a))
                for ordinal, a in enumerate(articles)
            ],
        )

    def remove_file(self, path: str) -> None:
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._db.execute("DELETE FROM articles WHERE path = ?", (path,))

    def preferred_path(self, article_id: str) -> str | None:
        """The file holding the copy :meth:`preferred` returns, or None when no file has it."""
        row = self._db.execute(
            f"SELECT path FROM articles WHERE id = ? {_PREFERRED_FIRST}",
            (article_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def preferred(self, article_id: str) -> Article | None:
        """The copy of an article that the index should hold, or None when no file has it."""
        row = self._db.execute(
            f"SELECT data FROM articles WHERE id = ? {_PREFERRED_FIRST}",
            (article_id,),
        ).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def copy_count(self) -> int:
        """How many extracted articles repeat an article already extracted from another place."""
        row = self._db.execute("SELECT COUNT(*) - COUNT(DISTINCT id) FROM articles").fetchone()
        return int(row[0])

    def iter_articles(self) -> Iterator[Article]:
        for (data,) in self._db.execute("SELECT data FROM articles"):
            yield Article.from_dict(json.loads(data))

    def set_meta(self, **values: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items())
        )

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def stamp_build(self, corpus: Path, schema_version: str) -> None:
        self.set_meta(
            corpus=str(corpus),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            schema_version=schema_version,
        )


def _dump(article: Article) -> str:
    return json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":"))
