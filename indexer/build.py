"""Building and updating an index from a corpus folder.

``build_index`` is incremental by default: only new, changed (by content hash) and removed files are
touched.  With ``rebuild=True``, or when there is no index yet, it builds a whole new generation
beside the live one and swaps it in atomically (see :mod:`indexer.store`).  Extraction runs in
worker processes (one per core) that die with the build and have a time and memory limit per page
(:mod:`indexer.pool`); the parent process writes the index, because Whoosh allows one writer at a
time and parallel writers gave no gain here (docs/decisions.md, Whoosh
rule 5).

Web archives (WARC, WACZ) in the corpus are read by :mod:`indexer.archives`: each HTML capture is
an entry like a page file, named ``<archive>#<URI>``.  An archive whose size and modification time
did not change is not read; in one that changed, only captures whose payload changed are extracted,
and captures no longer in it are removed.

Nothing in the corpus aborts a build: every entry that cannot be indexed is listed with its
reason in the report and in ``skipped.jsonl`` beside the index (:func:`read_skip_report`), which
each run rewrites so that it always lists everything not indexed, not only this run's finds.
A run that would remove more than :data:`MAX_SHRINK` of the index (an empty or unmounted corpus
folder) is refused unless ``allow_shrink=True``.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.archives import (
    ArchiveRecord,
    ArchiveScan,
    archive_of,
    capture_seconds,
    read_capture,
    scan_archive,
    with_capture,
)
from indexer.article import Article
from indexer.corpus import CorpusListing, content_hash, corpus_root, is_archive, list_corpus
from indexer.errors import ExtractionError, IndexerError, ShrinkRefusedError
from indexer.extraction import extract_page
from indexer.extraction.htmlparse import MAX_PAGE_BYTES, refuse_oversized
from indexer.index.arrays import STORY_ARRAYS_PREFIX, arrays_codec, story_arrays_path
from indexer.index.manifest import FileRecord, Manifest
from indexer.index.schema import (
    ID,
    SCHEMA_VERSION,
    SOURCE,
    from_stored,
    outlets_field,
    to_document,
)
from indexer.index.store import MANIFEST_FILE, SKIP_REPORT_FILE, IndexStore
from indexer.index.stories import Signature, text_signature
from indexer.index.whoosh_private import delete_uncommitted, next_segment_docnum
from indexer.pool import Limits, WorkerPool

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
# A run that would remove more than this share of the pages the index holds is refused unless
# the caller allows it: an unmounted share or an emptied folder must not wipe the live index
# (rsync's --max-delete is the same guard).
MAX_SHRINK = 0.5
# Fewer pages than this are extracted by one worker: starting a second costs more than it saves.
_PAGES_PER_EXTRA_WORKER = 8

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SkippedFile:
    """An entry of the corpus that is not indexed, and why.  ``new`` is set when this run found
    it (the report of an incremental run also lists what earlier runs skipped)."""

    path: str
    reason: str
    new: bool = True

    @property
    def group(self) -> str:
        return reason_group(self.reason)

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def reason_group(reason: str) -> str:
    """The kind of a skip reason, for summaries: its words before any detail
    ("cannot read folder: Permission denied" -> "cannot read folder")."""
    return reason.split(":", 1)[0].split(" (", 1)[0].strip()


@dataclass
class BuildReport:
    """What a build did, file by file; the CLI prints it and the tests assert on it.

    ``indexed``/``updated``/``unchanged``/``removed`` count entries: page files and the HTML
    captures in web archives; ``skipped`` lists every corpus entry not in the index, each with its
    reason (``new`` for those this run found); ``ignored`` counts regular files that are neither
    pages nor archives.  ``records`` counts the archive records that are not captures to index, by
    kind (:data:`indexer.archives.RECORD_KINDS`), over every archive in the corpus.
    ``articles`` is the number of distinct articles in the index afterwards; ``embedded`` the
    articles found inside other pages this run; ``duplicates`` the extracted articles that were
    copies of another one and so not indexed twice.  ``versions`` counts every extracted copy
    (each kept, with its outlet, URL and dates), ``stories`` the stories they form
    (docs/stories.md).
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
    stories: int = 0
    versions: int = 0
    records: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def new_skips(self) -> list[SkippedFile]:
        return [skipped for skipped in self.skipped if skipped.new]

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
            "new_skips": len(self.new_skips),
            "ignored": self.ignored,
            "articles": self.articles,
            "embedded": self.embedded,
            "duplicates": self.duplicates,
            "stories": self.stories,
            "versions": self.versions,
            "records": dict(self.records),
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
    # One per article: its text for the story grouping (signed here, in the worker).
    signatures: tuple[Signature, ...] = ()


@dataclass(frozen=True)
class _Job:
    """One page to extract: where it is, its stat signature from the walk, its previous hash."""

    root: str
    path: str
    location: str
    size: int
    mtime_ns: int
    previous_sha: str | None


@dataclass(frozen=True)
class _CaptureJob:
    """One HTML capture in a web archive to extract (the scan found where it lies)."""

    root: str
    record: ArchiveRecord

    @property
    def path(self) -> str:
        return self.record.path

    @property
    def size(self) -> int:
        return self.record.size

    @property
    def mtime_ns(self) -> int:
        return self.record.captured_ns


def _skip(
    job: _Job | _CaptureJob, reason: str, size: int | None = None, mtime_ns: int | None = None
) -> _Extracted:
    # The walk's stat signature is recorded with the reason, so the page is not tried again
    # until it changes (``--rebuild`` tries every page again).
    size = job.size if size is None else size
    mtime_ns = job.mtime_ns if mtime_ns is None else mtime_ns
    return _Extracted(job.path, size, mtime_ns, "", False, (), reason)


def _extract_entry(job: _Job | _CaptureJob) -> _Extracted:
    """Extract one corpus entry (runs in a worker process)."""
    if isinstance(job, _CaptureJob):
        return _extract_capture(job)
    return _extract_file(job)


def _extract_capture(job: _CaptureJob) -> _Extracted:
    """Read one capture from its archive and extract it, its URI and capture date completing
    what the page does not say (:func:`indexer.archives.with_capture`)."""
    record = job.record
    if record.reason is not None:
        return _skip(job, record.reason)
    try:
        data = read_capture(job.root, record)
    except ExtractionError as error:
        return _skip(job, str(error))
    sha = content_hash(data)
    try:
        extracted = extract_page(data, record.path, mtime=capture_seconds(record))
        articles, reason = tuple(with_capture(extracted, record)), None
    except ExtractionError as error:
        articles, reason = (), str(error)
    return _Extracted(
        record.path,
        record.size,
        record.captured_ns,
        sha,
        False,
        articles,
        reason,
        _signed(articles),
    )


def _extract_file(job: _Job) -> _Extracted:
    """Read, hash and extract one page (runs in a worker process).

    The size is checked before reading, and the file opened without blocking: a FIFO put in
    place of a page since the walk would otherwise hang the worker.
    """
    full = os.path.join(job.root, job.location or job.path)
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        return _skip(job, f"cannot read file: {error.strerror or error}")
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _skip(job, "not a regular file: it changed since the folder was listed")
        try:
            refuse_oversized(info.st_size)
            data = handle.read(MAX_PAGE_BYTES + 1)
            refuse_oversized(len(data))  # it grew since the stat
        except ExtractionError as error:
            return _skip(job, str(error), info.st_size, info.st_mtime_ns)
        except OSError as error:  # EIO on a failing disk or share
            return _skip(job, f"cannot read file: {error.strerror or error}")
    sha = content_hash(data)
    if sha == job.previous_sha:
        return _Extracted(job.path, info.st_size, info.st_mtime_ns, sha, True, (), None)
    try:
        articles = tuple(extract_page(data, job.path, mtime=info.st_mtime))
        reason = None
    except ExtractionError as error:
        articles, reason = (), str(error)
    return _Extracted(
        job.path, info.st_size, info.st_mtime_ns, sha, False, articles, reason, _signed(articles)
    )


def _signed(articles: tuple[Article, ...]) -> tuple[Signature, ...]:
    """Each article's body as the story grouping compares texts (docs/stories.md)."""
    return tuple(text_signature(article.body) for article in articles)


def _run_extraction(
    jobs: list[_Job | _CaptureJob],
    workers: int,
    progress: ProgressCallback | None,
    limits: Limits | None,
) -> Iterator[_Extracted]:
    total = len(jobs)
    if progress:
        progress(0, total)
    workers = max(1, min(workers, -(-total // _PAGES_PER_EXTRA_WORKER)))
    pool = WorkerPool(_extract_entry, workers=workers, on_failure=_skip, limits=limits)
    # Results come back in job (path) order, which keeps builds repeatable.
    for done, result in enumerate(pool.map(jobs), 1):
        if progress:
            progress(done, total)
        yield result


def build_index(
    corpus: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    allow_shrink: bool = False,
    follow_external_links: bool = False,
    limits: Limits | None = None,
) -> BuildReport:
    """Bring the index at ``index_dir`` up to date with the pages and web archives under
    ``corpus`` (a folder, or a single WARC or WACZ file).

    Raises IndexerError when the corpus folder does not exist, IndexBusyError when another
    process is writing the index, and ShrinkRefusedError when the run would remove more than
    :data:`MAX_SHRINK` of the index and ``allow_shrink`` is not set.  An entry that cannot be
    indexed is skipped and reported, never fatal.  Nothing becomes visible to readers until the
    build has fully succeeded.  ``limits`` are each page's time and memory limits.
    """
    started = time.perf_counter()
    corpus = Path(corpus).resolve()
    if corpus.is_file() and not is_archive(corpus.name):
        raise IndexerError(
            f"corpus {corpus} is a file but not a web archive (.warc, .warc.gz, .wacz): "
            "give the folder that holds the pages, or an archive file"
        )
    if not corpus.exists():
        raise IndexerError(f"corpus folder {corpus} does not exist or is not a folder")
    store = IndexStore(index_dir)
    workers = workers or os.cpu_count() or 1
    with store.write_lock():
        store.remove_partial_generations()  # left by a build that was killed
        full = rebuild or not store.exists() or _schema_changed(store)
        listing = list_corpus(corpus, follow_external=follow_external_links)
        previous_skips = read_skip_report(store.root) if store.exists() else {}
        entries = _read_archives(
            corpus_root(corpus), listing, {} if full else _previous_archives(store)
        )
        if not allow_shrink:
            _refuse_to_shrink(store, entries, corpus)
        generation = store.new_generation() if full else store.current_generation()
        report = BuildReport(corpus=str(corpus), index=str(store.root), rebuilt=full)
        manifest = Manifest(generation / MANIFEST_FILE)
        try:
            _update(_Run(generation, manifest, entries, report), corpus, workers, progress, limits)
            _record_skips(generation, manifest, entries, report, previous_skips)
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
        # Documents added to the segment being written: id -> number in that segment.
        self._uncommitted: dict[str, int] = {}
        self._writer = self._open()

    def _open(self) -> Any:
        return self._ix.writer(limitmb=WRITER_LIMIT_MB, **WRITER_OPTIONS)

    def add(self, document: dict[str, Any]) -> None:
        self._uncommitted[document[ID]] = next_segment_docnum(self._writer)
        self._writer.add_document(**document)
        self._pending += 1
        if self._segment_docs and self._pending >= self._segment_docs:
            self._writer.commit(merge=False)
            self._writer = self._open()
            self._pending = 0
            self._uncommitted = {}

    def replace(self, document: dict[str, Any]) -> None:
        """Replace a document this build wrote, in the segment being written (a document of an
        earlier segment is deleted there): no segment of its own, which would slow every search
        (docs/stories.md)."""
        found = self._uncommitted.pop(document[ID], None)
        if found is None:
            self._writer.update_document(**document)
            return
        delete_uncommitted(self._writer, found)
        self.add(document)

    def update(self, document: dict[str, Any]) -> None:
        self._writer.update_document(**document)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term(ID, article_id)

    def commit(self) -> None:
        # Merging the segments of a full build would rewrite every posting on one core.
        self._writer.commit(merge=not self._segment_docs)

    def cancel(self) -> None:
        # A writer already closed (by a commit, or a commit that failed partway) has nothing to
        # cancel, and raising "This writer is closed" here would hide the build's own error.
        if not self._writer.is_closed:
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
            outlets = manifest.outlets(article_id)
            if path not in changed and _indexed_copy(searcher, article_id) == (
                path,
                outlets_field(outlets),
            ):
                continue
            preferred = manifest.preferred(article_id)
            assert preferred is not None
            writer.update(to_document(preferred, outlets))


def _indexed_copy(searcher: Any, article_id: str) -> tuple[str, str] | None:
    """The file the index's copy of an article came from and the outlets its ``source`` field
    holds (None when the index has no copy)."""
    docnum = searcher.document_number(**{ID: article_id})
    if docnum is None:
        return None
    stored = searcher.reader().stored_fields(docnum)
    return from_stored(stored).path, str(stored.get(SOURCE) or "")


def _write_story_arrays(ix: Any, generation: Path, manifest: Manifest) -> None:
    """Save the stories of the index version just committed beside it, and drop those of
    versions before the previous one (a reader may still be opening that one)."""
    toc = int(ix.latest_generation() or 0)
    manifest.story_arrays().save(story_arrays_path(generation, toc))
    for old in generation.glob(f"{STORY_ARRAYS_PREFIX}*.npz"):
        number = old.name[len(STORY_ARRAYS_PREFIX) : -len(".npz")]
        if number.isdigit() and int(number) < toc - 1:
            old.unlink(missing_ok=True)


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


def _refuse_to_shrink(store: IndexStore, entries: _Entries, corpus: Path) -> None:
    """Raise ShrinkRefusedError when the run would remove more than MAX_SHRINK of the pages the
    live index holds (whether by an update or by a rebuild)."""
    if not store.exists():
        return
    manifest = Manifest(store.manifest_path())
    try:
        known = manifest.paths()
    finally:
        manifest.close()
    gone = [path for path in known if not entries.keeps(path)]
    if known and gone and len(gone) > MAX_SHRINK * len(known):
        raise ShrinkRefusedError(
            f"refusing to remove {len(gone)} of the {len(known)} pages in the index at "
            f"{store.root}: the corpus {corpus} has only {entries.count()} pages now "
            f"(is it unmounted or half-synced?). The live index is untouched. If the pages "
            f"are really gone, run again with --allow-shrink."
        )


def _record_skips(
    generation: Path,
    manifest: Manifest,
    entries: _Entries,
    report: BuildReport,
    previous: dict[str, str],
) -> None:
    """Set the report's skip list to everything not indexed now (the walk's problems and the
    manifest's skipped pages) and write it to the generation's skip report."""
    reasons = dict(entries.problems())
    reasons.update(manifest.skipped())
    report.skipped = [
        SkippedFile(path, reason, new=previous.get(path) != reason)
        for path, reason in sorted(reasons.items())
    ]
    target = generation / SKIP_REPORT_FILE
    temporary = target.with_name(target.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        for skipped in report.skipped:
            handle.write(json.dumps(skipped.to_dict(), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)


def read_skip_report(index_dir: Path | str) -> dict[str, str]:
    """Path -> reason of every corpus entry the live index does not hold (empty when the index
    predates skip reports).  Raises IndexNotFoundError when there is no index."""
    target = IndexStore(index_dir).current_generation() / SKIP_REPORT_FILE
    try:
        with open(target, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return {}
    return {row["path"]: row["reason"] for row in rows}


def summarise_skips(skips: dict[str, str]) -> list[tuple[str, int]]:
    """(reason group, count) pairs, the most frequent first."""
    counts = Counter(reason_group(reason) for reason in skips.values())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _live_name(store: IndexStore) -> str | None:
    try:
        return store.current_generation().name
    except IndexerError:
        return None


# The manifest's meta key holding each archive's size, modification time and record counts as
# of the last run that read it to its end (an archive unchanged since is not read again).
ARCHIVES_META = "archives"


@dataclass
class _Entries:
    """What the corpus holds this run: the walk's listing, the archives read this run, and the
    signatures of those not read because they did not change."""

    root: Path
    listing: CorpusListing
    scans: dict[str, ArchiveScan]
    unread: dict[str, dict[str, Any]]

    def captures(self) -> Iterator[ArchiveRecord]:
        for archive in sorted(self.scans):
            yield from self.scans[archive].records.values()

    def keeps(self, path: str) -> bool:
        """Whether an entry the index holds is still in the corpus, or may be (it lies in a
        folder or an archive that could not be read to its end)."""
        if path in self.listing.pages or self.listing.hides(path):
            return True
        archive = archive_of(path)
        if archive is None or archive not in self.listing.archives:
            return False
        scan = self.scans.get(archive)
        return scan is None or path in scan.records or not scan.complete

    def count(self) -> int:
        """Entries found: pages, and captures in the archives read (plus those not read)."""
        captures = sum(len(scan.records) for scan in self.scans.values())
        unread = sum(int(sig.get("captures", 0)) for sig in self.unread.values())
        return len(self.listing.pages) + captures + unread

    def problems(self) -> list[tuple[str, str]]:
        found = [(problem.path, problem.reason) for problem in self.listing.problems]
        found += [(path, scan.problem) for path, scan in self.scans.items() if scan.problem]
        return found

    def record_counts(self) -> dict[str, int]:
        """Records not indexed, by kind, over every archive of the corpus."""
        total: Counter[str] = Counter()
        for scan in self.scans.values():
            total.update(scan.counts)
        for signature in self.unread.values():
            total.update(signature.get("records", {}))
        return dict(sorted(total.items()))

    def signatures(self) -> dict[str, dict[str, Any]]:
        """What the next run compares with: archives read to their end and those not read."""
        signatures = dict(self.unread)
        for path, scan in self.scans.items():
            if scan.complete:
                signatures[path] = {
                    "size": scan.archive.size,
                    "mtime_ns": scan.archive.mtime_ns,
                    "captures": len(scan.records),
                    "records": dict(scan.counts),
                }
        return signatures


def _read_archives(
    root: Path, listing: CorpusListing, previous: dict[str, dict[str, Any]]
) -> _Entries:
    """Scan every archive of the listing whose size or modification time differs from the last
    run's (every archive when ``previous`` is empty)."""
    scans: dict[str, ArchiveScan] = {}
    unread: dict[str, dict[str, Any]] = {}
    for path in sorted(listing.archives):
        archive = listing.archives[path]
        signature = previous.get(path)
        if (
            signature is not None
            and signature.get("size") == archive.size
            and signature.get("mtime_ns") == archive.mtime_ns
        ):
            unread[path] = signature
        else:
            log.info("reading the web archive %s", path)
            scans[path] = scan_archive(str(root), archive)
    return _Entries(root, listing, scans, unread)


def _previous_archives(store: IndexStore) -> dict[str, dict[str, Any]]:
    """The archive signatures the live index was built with (empty without an index)."""
    if not store.exists():
        return {}
    return read_archive_signatures(store.root)


def read_archive_signatures(index_dir: Path | str) -> dict[str, dict[str, Any]]:
    """Archive path -> its size, modification time, captures and record counts, as of the last
    run that read it.  Raises IndexNotFoundError when there is no index."""
    manifest = Manifest(IndexStore(index_dir).manifest_path())
    try:
        raw = manifest.meta().get(ARCHIVES_META)
    finally:
        manifest.close()
    try:
        found = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class _Run:
    """One run's work on a generation: which pages to read, and applying what workers send back.

    On a full build an article's own page (in path order) is the copy to index, so it is written
    as soon as it arrives and writing overlaps extraction.  Copies embedded in other pages wait:
    most of them turn out to have a page of their own, and only the rest are written at the end.
    Whoosh cannot replace a document its own uncommitted writer added, so writing an embedded copy
    first would mean a second pass over every such article.  An update instead collects the ids
    its changes touch and rewrites each one's preferred copy at the end.
    """

    def __init__(
        self, generation: Path, manifest: Manifest, entries: _Entries, report: BuildReport
    ) -> None:
        self.generation = generation
        self.manifest = manifest
        self.entries = entries
        self.listing = entries.listing
        self.report = report
        self.known = manifest.files()
        self.affected: set[str] = set()
        self.changed: set[str] = set()
        self.written: set[str] = set()
        self.deferred: set[str] = set()
        # Opened before any change: creating the story tables would commit the transaction.
        manifest.grouper()

    def jobs(self) -> list[_Job | _CaptureJob]:
        """The entries to read: new pages, pages whose size or modification time changed, and
        captures, in the archives read this run, that are new or whose payload changed."""
        root = str(self.entries.root)
        jobs: list[_Job | _CaptureJob] = []
        for path in sorted(self.listing.pages):
            page = self.listing.pages[path]
            record = self.known.get(path)
            if record and record.size == page.size and record.mtime_ns == page.mtime_ns:
                self.report.unchanged += 1
            else:
                previous_sha = record.sha if record else None
                jobs.append(_Job(root, path, page.location, page.size, page.mtime_ns, previous_sha))
        self.report.unchanged += sum(
            1 for path in self.known if archive_of(path) in self.entries.unread
        )
        for capture in self.entries.captures():
            known = self.known.get(capture.path)
            # The same payload gives the same articles, or the same extraction failure: only
            # a capture the scan itself refused (too large, damaged) compares its reason.
            if (
                known is None
                or known.sha != capture.sha
                or (capture.reason is not None and known.reason != capture.reason)
            ):
                jobs.append(_CaptureJob(root, capture))
            else:
                self.manifest.touch(capture.path, capture.size, capture.captured_ns)
                self.report.unchanged += 1
        jobs.sort(key=lambda job: job.path)  # results come back in this order
        return jobs

    def remove_gone(self) -> None:
        """Forget the entries that left the corpus (those in a folder that could not be read, or
        in an archive that could not be read to its end, are kept, not removed)."""
        gone = [path for path in self.known if not self.entries.keeps(path)]
        for path in sorted(gone):
            self.affected |= self.manifest.ids_of(path)
            self.changed.add(path)
            self.manifest.remove_file(path)
            self.report.removed += 1

    def apply(self, result: _Extracted, writer: _SegmentedWriter) -> None:
        """Record one page's result in the manifest and, on a full build, write its article."""
        report = self.report
        if result.unchanged:
            self.manifest.touch(result.path, result.size, result.mtime_ns)
            report.unchanged += 1
            return
        was_known = result.path in self.known
        self.affected |= self.manifest.ids_of(result.path)
        self.changed.add(result.path)
        self.manifest.replace_file(
            FileRecord(result.path, result.size, result.mtime_ns, result.sha, result.reason),
            result.articles,
            result.signatures,
        )
        if result.reason is not None:
            return  # listed by _record_skips from the manifest
        if was_known:
            report.updated += 1
        else:
            report.indexed += 1
        for article in result.articles:
            report.embedded += article.embedded
            if not report.rebuilt:
                self.affected.add(article.id)
            elif article.id in self.written:
                continue  # an earlier page's own copy, preferred (source_preference)
            elif article.embedded:
                self.deferred.add(article.id)
            else:
                self.written.add(article.id)
                writer.add(to_document(article))

    def finish(self, ix: Any, writer: _SegmentedWriter) -> None:
        """Write the embedded copies that have no page of their own, and the preferred copy of
        every article an update touched."""
        for article_id in sorted(self.deferred - self.written):
            preferred = self.manifest.preferred(article_id)
            if preferred is not None:
                writer.add(to_document(preferred, self.manifest.outlets(article_id)))
        if self.report.rebuilt:
            # Each page's article was written when it came, with its own outlet; the texts that
            # other outlets printed too are written again with all of theirs.
            for article_id in self.manifest.multi_outlet_ids():
                if article_id not in self.written:
                    continue
                preferred = self.manifest.preferred(article_id)
                assert preferred is not None
                writer.replace(to_document(preferred, self.manifest.outlets(article_id)))
        if self.affected:
            _write_preferred(ix, writer, self.manifest, sorted(self.affected), self.changed)


def _update(
    run: _Run,
    corpus: Path,
    workers: int,
    progress: ProgressCallback | None,
    limits: Limits | None,
) -> None:
    run.report.ignored = run.listing.ignored
    run.report.records = run.entries.record_counts()
    jobs = run.jobs()

    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(run.generation))
    writer = _SegmentedWriter(ix, segment_docs=SEGMENT_DOCS if run.report.rebuilt else None)
    try:
        run.remove_gone()
        for result in _run_extraction(jobs, workers, progress, limits):
            run.apply(result, writer)
        run.finish(ix, writer)
        run.manifest.stamp_build(corpus, SCHEMA_VERSION)
        run.manifest.set_meta(**{ARCHIVES_META: json.dumps(run.entries.signatures())})
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    _write_story_arrays(ix, run.generation, run.manifest)
    # The manifest is committed after the index: if we die in between, the next run sees the
    # same files as changed and redoes the same (idempotent) updates.
    run.manifest.commit()
    run.report.articles = ix.doc_count()
    run.report.duplicates = run.manifest.copy_count()
    tables = run.manifest.grouper()
    run.report.stories = tables.story_count()
    run.report.versions = tables.version_count()
    ix.close()
