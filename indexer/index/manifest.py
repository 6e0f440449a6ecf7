"""The manifest: which corpus file gave which articles, kept beside each index generation.

It is what makes builds incremental: a file whose size and modification time are unchanged is not
read again, and when a file goes away the manifest says which articles it held and whether another
file still holds a copy of any of them (the same text found on two pages is indexed once, from
its preferred copy).

Every extracted article is a *version* (``path#ordinal``: the file and the article's place in it),
and the story grouping of :mod:`indexer.index.stories` lives in the same SQLite file
(:meth:`Manifest.grouper`), so the files, their versions and the stories are committed together.
From them, each run writes the index's :class:`~indexer.index.arrays.StoryArrays`
(:meth:`Manifest.story_arrays`), and the article page reads a text's copies and its story
(:func:`read_story`).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from whoosh.util.times import datetime_to_long

from indexer.article import Article, Story, Version
from indexer.index.arrays import StoryArrays
from indexer.index.schema import document_key, name_key, parse_published, stored_json
from indexer.index.stories import Reason, Signature, StoryGrouper, StoryTables

T = TypeVar("T")

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
    source TEXT,
    published TEXT,
    modified TEXT,
    data BLOB NOT NULL,
    PRIMARY KEY (path, ordinal)
);
CREATE INDEX IF NOT EXISTS articles_by_id ON articles (id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Pages a build's connection may keep in memory (KiB, as SQLite's negative cache_size counts):
# grouping reads and updates the story tables for every version, and SQLite's default 2 MB cache
# spilled them to disk mid-transaction (about twice the time per version, bench/grouping.py).
BUILD_CACHE_KIB = 262_144
# How long a reader waits for a build's commit to finish before giving up.
READ_TIMEOUT_SECONDS = 5.0


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


# zlib's level for the stored articles: the manifest keeps every copy's full article (a removed
# file's copy is indexed from it without reading the page again), three quarters of the file.
# Compressed, an article's JSON takes 0.54 of its size on the Reuters pages (levels 1 to 9 within
# 0.013 of each other, ~0.1 ms per article).
ARTICLE_COMPRESSION = 6


def packed_article(article: Article) -> bytes:
    """An article as the manifest keeps it: its stored JSON, compressed."""
    return zlib.compress(stored_json(article).encode("utf-8"), ARTICLE_COMPRESSION)


def unpacked_article(data: bytes | str) -> Article:
    """The article :func:`packed_article` kept (or plain JSON, as manifests written before
    compression hold it)."""
    text = zlib.decompress(data).decode("utf-8") if isinstance(data, bytes) else data
    return Article.from_dict(json.loads(text))


def version_id(path: str, ordinal: int) -> str:
    """The story grouping's name for one extracted article: its file and its place there."""
    return f"{path}#{ordinal}"


class Manifest:
    """A SQLite file; changes become visible to the next build only after :meth:`commit`.

    ``readonly`` opens it for reading only (the search service), without creating anything.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._grouper: StoryGrouper | None = None
        if readonly:
            self._db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, timeout=READ_TIMEOUT_SECONDS
            )
            return
        self._db = sqlite3.connect(path, isolation_level="DEFERRED")
        self._db.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:
        self._db.commit()

    def grouper(self) -> StoryGrouper:
        """The story grouping kept in this file (raises StoryStateError when it was made with
        other parameters: the index must be rebuilt)."""
        if self._grouper is None:
            self._grouper = StoryGrouper(self._db)
        return self._grouper

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

    def versions_in(self, path: str) -> list[str]:
        """The version ids of the articles a file gave, in their order."""
        rows = self._db.execute(
            "SELECT ordinal FROM articles WHERE path = ? ORDER BY ordinal", (path,)
        )
        return [version_id(path, row[0]) for row in rows]

    def replace_file(
        self,
        record: FileRecord,
        articles: Iterable[Article],
        signatures: Sequence[Signature] | None = None,
    ) -> None:
        """Store a file's new signature and the articles it now gives (none when skipped).

        With ``signatures`` (one per article, :func:`~indexer.index.stories.text_signature` of its
        body), every article is a version in the story grouping: the file's versions it no longer
        has leave their stories, the others are placed (an unchanged text stays where it is).
        Without, the file's versions leave the grouping.
        """
        articles = list(articles)
        self._db.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (record.path, record.size, record.mtime_ns, record.sha, record.reason),
        )
        grouper = self.grouper()
        kept = {version_id(record.path, n) for n in range(len(articles))} if signatures else set()
        for version in self.versions_in(record.path):
            if version not in kept:
                grouper.remove(version)
        self._db.execute("DELETE FROM articles WHERE path = ?", (record.path,))
        self._db.executemany(
            "INSERT INTO articles (path, ordinal, id, embedded, source, published, modified,"
            " data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    record.path,
                    ordinal,
                    a.id,
                    int(a.embedded),
                    a.source,
                    a.published,
                    a.modified,
                    packed_article(a),
                )
                for ordinal, a in enumerate(articles)
            ],
        )
        if signatures:
            for ordinal, signature in enumerate(signatures):
                grouper.place(version_id(record.path, ordinal), signature)

    def remove_file(self, path: str) -> None:
        for version in self.versions_in(path):
            self.grouper().remove(version)
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._db.execute("DELETE FROM articles WHERE path = ?", (path,))

    def outlets(self, article_id: str) -> list[str]:
        """The outlets of every copy of a text, its preferred copy's first, each once."""
        rows = self._db.execute(
            "SELECT source FROM articles WHERE id = ? AND source IS NOT NULL"
            " ORDER BY embedded, path, ordinal",
            (article_id,),
        )
        seen: dict[str, str] = {}
        for (source,) in rows:
            seen.setdefault(name_key(source), source)
        return list(seen.values())

    def multi_outlet_ids(self) -> list[str]:
        """The texts whose copies name more than one outlet (a full build writes each text with
        its first copy's outlet, then these again with all of theirs)."""
        rows = self._db.execute(
            "SELECT id FROM articles WHERE source IS NOT NULL GROUP BY id"
            " HAVING COUNT(DISTINCT lower(source)) > 1 ORDER BY id"
        )
        return [row[0] for row in rows]

    def copy_printed_by(self, article_id: str, outlets: Iterable[str]) -> Article | None:
        """The preferred copy of the text ``article_id`` that one of ``outlets`` printed (names
        compared as :func:`name_key` compares them), or None when none of them printed it."""
        wanted = {name_key(outlet) for outlet in outlets}
        rows = self._db.execute(
            "SELECT source, data FROM articles WHERE id = ? AND source IS NOT NULL"
            " ORDER BY embedded, path, ordinal",
            (article_id,),
        )
        for source, data in rows:
            if name_key(source) in wanted:
                return unpacked_article(data)
        return None

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
        return unpacked_article(row[0]) if row else None

    def copy_count(self) -> int:
        """How many extracted articles repeat an article already extracted from another place."""
        row = self._db.execute("SELECT COUNT(*) - COUNT(DISTINCT id) FROM articles").fetchone()
        return int(row[0])

    def iter_articles(self) -> Iterator[Article]:
        for (data,) in self._db.execute("SELECT data FROM articles"):
            yield unpacked_article(data)

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

    # -- stories -----------------------------------------------------------------------------

    def story_arrays(self) -> StoryArrays:
        """What search needs of every document's story, from the articles and the grouping.

        A document (one distinct text, :attr:`Article.id`) belongs to the story of its preferred
        copy; a story's dates and version count are over every version the grouping put in it.
        """
        story_of_version = dict(
            self._db.execute(
                "SELECT v.version_id, t.story_id FROM story_versions v"
                " JOIN story_texts t ON t.text_id = v.text_id"
            )
        )
        main_version = dict(
            self._db.execute(
                "SELECT s.story_id, MIN(v.version_id) FROM stories s"
                " JOIN story_versions v ON v.text_id = s.representative GROUP BY s.story_id"
            )
        )
        doc_ids: list[str] = []
        doc_stories: list[int] = []
        doc_copies: list[int] = []
        outlet_codes: dict[str, int] = {}
        outlet_names: list[str] = []
        pairs: list[tuple[int, int]] = []
        first: dict[int, str] = {}
        last: dict[int, str] = {}
        versions: dict[int, int] = {}
        texts: dict[int, int] = {}
        id_of_version: dict[str, str] = {}
        rows = self._db.execute(
            "SELECT id, path, ordinal, source, published, modified FROM articles"
            " ORDER BY id, embedded, path, ordinal"
        )
        outlets_of_doc: set[int] = set()
        for article_id, path, ordinal, source, published, modified in rows:
            version = version_id(path, ordinal)
            id_of_version[version] = article_id
            story = story_of_version.get(version)
            if not doc_ids or doc_ids[-1] != article_id:
                # The first row of a document is its preferred copy: the document's story.
                doc_ids.append(article_id)
                doc_stories.append(-1 if story is None else story)
                doc_copies.append(0)
                outlets_of_doc = set()
                if story is not None:
                    texts[story] = texts.get(story, 0) + 1
            doc_copies[-1] += 1
            if source:
                key = name_key(source)
                code = outlet_codes.get(key)
                if code is None:
                    code = outlet_codes[key] = len(outlet_names)
                    outlet_names.append(source)
                if code not in outlets_of_doc:
                    outlets_of_doc.add(code)
                    pairs.append((len(doc_ids) - 1, code))
            if story is None:
                continue
            versions[story] = versions.get(story, 0) + 1
            if published and (story not in first or _moment(published) < _moment(first[story])):
                first[story] = published
            for when in (published, modified):
                if when and (story not in last or _moment(when) > _moment(last[story])):
                    last[story] = when
        story_ids = sorted(versions)
        main_keys = {
            story: document_key(id_of_version[version])
            for story, version in main_version.items()
            if version in id_of_version
        }
        return StoryArrays.build(
            [
                (document_key(i), story, copies)
                for i, story, copies in zip(doc_ids, doc_stories, doc_copies, strict=True)
            ],
            [
                (
                    s,
                    _long(first.get(s)),
                    _long(last.get(s)),
                    versions[s],
                    texts.get(s, 0),
                    main_keys.get(s, 0),
                )
                for s in story_ids
            ],
            outlet_names,
            pairs,
        )

    def story(self, article_id: str) -> Story | None:
        """The story of the text ``article_id`` with every version of it (its main text's copies
        first, then by text and copy preference), each with why it belongs; None when no file
        has the text."""
        tables = StoryTables(self._db)
        row = self._db.execute(
            f"SELECT path, ordinal FROM articles WHERE id = ? {_PREFERRED_FIRST}", (article_id,)
        ).fetchone()
        if row is None:
            return None
        found = tables.story_of(version_id(*row))
        if found is None:
            return None
        members = tables.versions_of(found.story_id)
        placed = {version: n for n, version in enumerate(members)}
        versions: list[tuple[tuple[int, int, str, int], Version]] = []
        for version in members:
            path, _, ordinal_text = version.rpartition("#")
            got = self._db.execute(
                "SELECT data, embedded FROM articles WHERE path = ? AND ordinal = ?",
                (path, int(ordinal_text)),
            ).fetchone()
            if got is None:
                continue
            copy = unpacked_article(got[0])
            assignment = tables.story_of(version)
            reason = assignment.reason if assignment is not None else None
            versions.append(
                (
                    (placed[version], int(got[1]), path, int(ordinal_text)),
                    _version(copy, reason),
                )
            )
        if not versions:
            return None
        main_id = versions[0][1].article_id
        # The main text's copies first, then each other text together, copies by preference.
        text_rank = {v.article_id: rank for rank, (_, v) in reversed(list(enumerate(versions)))}
        ordered = [
            v
            for _, v in sorted(
                versions,
                key=lambda item: (
                    item[1].article_id != main_id,
                    text_rank[item[1].article_id],
                    item[0][1:],
                ),
            )
        ]
        dated = [v.published for v in ordered if v.published]
        updates = [w for v in ordered for w in (v.published, v.modified) if w]
        return Story(
            found.story_id,
            main_id,
            min(dated, key=_moment) if dated else None,
            max(updates, key=_moment) if updates else None,
            tuple(ordered),
        )


def _read_only(manifest_path: Path, read: Callable[[Manifest], T], default: T) -> T:
    """``read`` of the manifest at ``manifest_path``, opened read-only; ``default`` when the
    manifest cannot be read (an index written before stories, or being replaced)."""
    try:
        manifest = Manifest(manifest_path, readonly=True)
    except sqlite3.Error:
        return default
    try:
        return read(manifest)
    except sqlite3.Error:
        return default
    finally:
        manifest.close()


def read_story(manifest_path: Path, article_id: str) -> Story | None:
    """:meth:`Manifest.story` on the manifest at ``manifest_path`` (None when it cannot be read)."""
    return _read_only(manifest_path, lambda manifest: manifest.story(article_id), None)


def read_copies_printed_by(
    manifest_path: Path, article_ids: Iterable[str], outlets: Sequence[str]
) -> dict[str, Article]:
    """:meth:`Manifest.copy_printed_by` for each of ``article_ids`` that one of ``outlets``
    printed, the manifest opened once (empty when it cannot be read)."""
    copies: dict[str, Article | None] = _read_only(
        manifest_path,
        lambda manifest: {i: manifest.copy_printed_by(i, outlets) for i in article_ids},
        {},
    )
    return {i: copy for i, copy in copies.items() if copy is not None}


def _version(copy: Article, reason: Reason | None) -> Version:
    relation = "" if reason is None else reason.kind
    return Version(
        article_id=copy.id,
        path=copy.path,
        title=copy.title,
        source=copy.source,
        url=copy.url,
        published=copy.published,
        modified=copy.modified,
        embedded=copy.embedded,
        relation="main" if relation == "representative" else relation,
        reason="" if reason is None else reason.describe(),
        jaccard=None if reason is None else round(reason.jaccard, 3),
        containment=None if reason is None else round(reason.containment, 3),
    )


def _moment(value: str) -> str:
    """An ISO date or date-time as a string that sorts in time (the publisher's local time, as
    :func:`~indexer.index.schema.parse_published` reads it): its first 19 characters."""
    return value[:19]


def _long(value: str | None) -> int:
    """Whoosh's datetime units of an ISO date, 0 when there is none (undated)."""
    parsed = parse_published(value)
    return int(datetime_to_long(parsed)) if parsed is not None else 0
