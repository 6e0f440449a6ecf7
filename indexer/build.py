"""Building and updating an index from a corpus folder.

``build_index`` is incremental by default: only new, changed (by content hash) and removed files are
touched.  With ``rebuild=True``, or when there is no index yet, it builds a whole new generation
beside the live one and swaps it in atomically (see :mod:`indexer.store`).  Extraction runs in a
pool of worker processes (one per core); the parent process writes the index, because Whoosh
allows one writer at a time and parallel writers gave no gain here (docs/decisions.md, Whoosh
rule 5).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.article import Article
from indexer.corpus import content_hash, list_corpus
from indexer.errors import ExtractionError, IndexerError
from indexer.extraction import extract_page
from indexer.index.arrays import arrays_codec
from indexer.index.manifest import FileRecord, Manifest
from indexer.index.schema import ID, SCHEMA_VERSION, from_stored, to_document
from indexer.index.store import MANIFEST_FILE, IndexStore

log = logging.getLogger(__name__)

# The "timeout" below is the seconds to wait for Whoosh's own writer lock; ours
# (IndexStore.write_lock) is taken first, so it only matters when something else opened a writer.
# Memory Whoosh may use for its in-memory posting pool before spilling to disk: at 256 MB the
# spills were ~27% of the writer's time on 21,578 articles; 1 GB cut writing CPU by ~31%.
WRITER_LIMIT_MB = 1024
# Segments are written as separate files, not one compound file: Whoosh copies each file of a
# compound segment into memory every time a searcher opens it (docs/decisions.md, Whoosh rule 6),
# which cost ~100 ms per searcher on 21,578 articles; separate files open in under a millisecond.
# The codec also saves each segment's postings and per-document values as arrays for searching
# (indexer.index.arrays).
WRITER_OPTIONS = {"timeout": 10.0, "compound": False, "codec": arrays_codec()}
# A full build commits a segment every this many articles instead of one at the end: a commit
# (sorting and writing the postings) takes one core, and committed this way it overlaps the
# extraction of the following pages, leaving only the last segment's commit to wait for.
SEGMENT_DOCS = 25_000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class BuildReport:
    """What a build did, file by file; the CLI prints it and the tests assert on it.

    ``indexed``/``updated``/``unchanged``/``removed`` count page files; ``skipped`` lists the pages
    this run read but could not extract, each with its reason; ``ignored`` counts non-page files.
    ``articles`` is the number of distinct articles in the index afterwards; ``embedded`` the
    articles found inside other pages this run; ``duplicates`` the extracted articles that were
    copies of another one and so not indexed twice.
    """

    corpus: str
    index: str
    rebuilt: bool
    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    ignored: int = 0
    articles: int = 0
    embedded: int = 0
    duplicates: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "index": self.index,
            "rebuilt": self.rebuilt,
            "indexed": self.indexed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": [s.to_dict() for s in self.skipped],
            "ignored": self.ignored,
            "articles": self.articles,
            "embedded": self.embedded,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _Extracted:
    """What a worker sends back for one file."""

    path: str
    size: int
    mtime_ns: int
    sha: str
    unchanged: bool
    articles: tuple[Article, ...]
    reason: str | None


def _extract_file(job: tuple[str, str, str | None]) -> _Extracted:
    """Read, hash and extract one page (runs in a worker process)."""
    root, path, previous_sha = job
    full = os.path.join(root, path)
    try:
        stat = os.stat(full)
        with open(full, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return _Extracted(path, 0, 0, "", False, (), f"cannot read file: {error.strerror}")
    sha = content_hash(data)
    if sha == previous_sha:
        return _Extracted(path, stat.st_size, stat.st_mtime_ns, sha, True, (), None)
    try:
        articles = tuple(extract_page(data, path, mtime=stat.st_mtime))
        reason = None
    except ExtractionError as error:
        articles, reason = (), str(error)
    return _Extracted(path, stat.st_size, stat.st_mtime_ns, sha, False, articles, reason)


def _run_extraction(
    root: Path, jobs: list[tuple[str, str | None]], workers: int, progress: ProgressCallback | None
) -> Iterator[_Extracted]:
    tasks = [(str(root), path, sha) for path, sha in jobs]
    total = len(tasks)
    if progress:
        progress(0, total)
    if workers <= 1 or total < 8:
        results: Iterable[_Extracted] = map(_extract_file, tasks)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        # Small chunks keep both workers busy to the end; ordered results keep builds repeatable.
        results = pool.map(_extract_file, tasks, chunksize=max(1, min(32, total // (workers * 8))))
    try:
        for done, result in enumerate(results, 1):
            if progress:
                progress(done, total)
            yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def build_index(
    corpus: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Bring the index at ``index_dir`` up to date with the pages under ``corpus``.

    Raises IndexerError when the corpus folder does not exist and IndexBusyError when another
    process is writing the index.  A page that cannot be extracted is skipped and reported, never
    fatal.  Nothing becomes visible to readers until the build has fully succeeded.
    """
    started = time.perf_counter()
    corpus = Path(corpus).resolve()
    if not corpus.is_dir():
        raise IndexerError(f"corpus folder {corpus} does not exist or is not a folder")
    store = IndexStore(index_dir)
    workers = workers or os.cpu_count() or 1
    with store.write_lock():
        full = rebuild or not store.exists() or _schema_changed(store)
        generation = store.new_generation() if full else store.current_generation()
        report = BuildReport(corpus=str(corpus), index=str(store.root), rebuilt=full)
        manifest = Manifest(generation / MANIFEST_FILE)
        try:
            _update(store, generation, manifest, corpus, report, workers, progress)
        except BaseException:
            manifest.close()
            if full:
                # The new generation never went live; the old index keeps serving.
                store.remove_stale_generations(keep={_live_name(store)})
            raise
        manifest.close()
        if full:
            store.swap_in(generation)
    report.seconds = time.perf_counter() - started
    return report


class _SegmentedWriter:
    """A Whoosh writer that, when ``segment_docs`` is set, commits a new segment every that many
    added documents and never merges segments (a full build into a new generation, where
    intermediate commits are invisible to readers until the swap)."""

    def __init__(self, ix: Any, *, segment_docs: int | None) -> None:
        self._ix = ix
        self._segment_docs = segment_docs
        self._pending = 0
        self._writer = self._open()

    def _open(self) -> Any:
        return self._ix.writer(limitmb=WRITER_LIMIT_MB, **WRITER_OPTIONS)

    def add(self, document: dict[str, Any]) -> None:
        self._writer.add_document(**document)
        self._pending += 1
        if self._segment_docs and self._pending >= self._segment_docs:
            self._writer.commit(merge=False)
            self._writer = self._open()
            self._pending = 0

    def update(self, document: dict[str, Any]) -> None:
        self._writer.update_document(**document)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term(ID, article_id)

    def commit(self) -> None:
        # Merging the segments of a full build would rewrite every posting on one core.
        self._writer.commit(merge=not self._segment_docs)

    def cancel(self) -> None:
        self._writer.cancel()


def _write_preferred(
    ix: Any, writer: _SegmentedWriter, manifest: Manifest, ids: list[str], changed: set[str]
) -> None:
    """Make the index hold the preferred copy of each article in ``ids``, or delete it.

    An article whose preferred copy is in a file this run did not change, and is the copy the
    index already holds, is left alone: a changed rail or a syndicated copy touches the ids of
    stories whose own pages did not change, and rewriting those cost most of an incremental run.
    """
    with ix.searcher() as searcher:  # the index before this run: the writer has not committed
        for article_id in ids:
            path = manifest.preferred_path(article_id)
            if path is None:
                writer.delete(article_id)
                continue
            if path not in changed and _indexed_path(searcher, article_id) == path:
                continue
            preferred = manifest.preferred(article_id)
            assert preferred is not None
            writer.update(to_document(preferred))


def _indexed_path(searcher: Any, article_id: str) -> str | None:
    """The file the index's copy of an article came from (None when it has none)."""
    docnum = searcher.document_number(**{ID: article_id})
    if docnum is None:
        return None
    return from_stored(searcher.reader().stored_fields(docnum)).path


def _schema_changed(store: IndexStore) -> bool:
    """Whether the live index was written under another schema version (it must be rebuilt)."""
    manifest = Manifest(store.manifest_path())
    try:
        written = manifest.meta().get("schema_version")
    finally:
        manifest.close()
    if written != SCHEMA_VERSION:
        log.warning("index schema %s differs from %s: rebuilding", written, SCHEMA_VERSION)
        return True
    return False


def _live_name(store: IndexStore) -> str | None:
    try:
        return store.current_generation().name
    except IndexerError:
        return None


def _update(
    store: IndexStore,
    generation: Path,
    manifest: Manifest,
    corpus: Path,
    report: BuildReport,
    workers: int,
    progress: ProgressCallback | None,
) -> None:
    listing = list_corpus(corpus)
    report.ignored = listing.ignored
    known = manifest.files()
    jobs: list[tuple[str, str | None]] = []
    for path in sorted(listing.pages):
        page = listing.pages[path]
        record = known.get(path)
        if record and record.size == page.size and record.mtime_ns == page.mtime_ns:
            report.unchanged += 1
        else:
            jobs.append((path, record.sha if record else None))
    removed = sorted(known.keys() - listing.pages.keys())

    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(generation))
    writer = _SegmentedWriter(ix, segment_docs=SEGMENT_DOCS if report.rebuilt else None)
    try:
        affected: set[str] = set()
        changed: set[str] = set(removed)
        for path in removed:
            affected |= manifest.ids_of(path)
            manifest.remove_file(path)
            report.removed += 1
        # On a full build an article's own page (in path order) is the copy to index, so it is
        # written as soon as it arrives and writing overlaps extraction.  Copies embedded in other
        # pages wait: most of them turn out to have a page of their own, and only the rest are
        # written at the end.  Whoosh cannot replace a document its own uncommitted writer added,
        # so writing an embedded copy first would mean a second pass over every such article.
        written: set[str] = set()
        deferred: set[str] = set()
        for result in _run_extraction(corpus, jobs, workers, progress):
            if result.unchanged:
                manifest.touch(result.path, result.size, result.mtime_ns)
                report.unchanged += 1
                continue
            was_known = result.path in known
            affected |= manifest.ids_of(result.path)
            changed.add(result.path)
            manifest.replace_file(
                FileRecord(result.path, result.size, result.mtime_ns, result.sha, result.reason),
                result.articles,
            )
            if result.reason is not None:
                report.skipped.append(SkippedFile(result.path, result.reason))
                continue
            if was_known:
                report.updated += 1
            else:
                report.indexed += 1
            for article in result.articles:
                report.embedded += article.embedded
                if not report.rebuilt:
                    affected.add(article.id)
                elif article.id in written:
                    continue  # an earlier page's own copy, preferred (source_preference)
                elif article.embedded:
                    deferred.add(article.id)
                else:
                    written.add(article.id)
                    writer.add(to_document(article))
        for article_id in sorted(deferred - written):
            preferred = manifest.preferred(article_id)
            if preferred is not None:
                writer.add(to_document(preferred))
        if affected:
            _write_preferred(ix, writer, manifest, sorted(affected), changed)
        manifest.stamp_build(corpus, SCHEMA_VERSION)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    # The manifest is committed after the index: if we die in between, the next run sees the
    # same files as changed and redoes the same (idempotent) updates.
    manifest.commit()
    report.articles = ix.doc_count()
    report.duplicates = manifest.copy_count()
    ix.close()
