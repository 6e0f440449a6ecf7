"""Where indexes live on disk: opening the live one, building a new one beside it, swapping.

Layout of an index folder::

    INDEX/
      CURRENT         the name of the live generation (one line)
      .write.lock     held by the one process writing (docs/decisions.md, Whoosh rule 5);
                      holds its pid
      gen-<stamp>/    a Whoosh index plus ``manifest.sqlite`` (which file gave which articles)
                      and ``skipped.jsonl`` (what the corpus has that the index does not, and why)

Readers resolve ``CURRENT`` on every request, and read through the live
:class:`~indexer.index.version.IndexVersion` (its caches and searchers), replaced as soon as an
update or a swap makes a newer version.  A full rebuild writes a new generation
folder and only then replaces ``CURRENT`` with ``os.replace``, which is atomic: readers see either
the old index or the new one, and a build interrupted at any point leaves the old one serving.
Incremental updates write into the live generation through Whoosh's own commit, which is atomic
too (a new table of contents is renamed into place), so readers never see half an update.
The previous generation is kept until the next swap, so a searcher opened just before a swap can
finish reading it.  Generations newer than the live one are builds that were killed: the next
writer removes them (:meth:`IndexStore.remove_partial_generations`).

The write lock is a POSIX record lock (``fcntl.lockf``), not ``flock``: a record lock belongs to
the process that took it, is never inherited by a child and is released by the kernel when that
process dies, however it dies.  With ``flock`` the extraction workers forked by a build shared
its lock, and a killed build's orphaned workers kept the index locked for as long as they lived.
Record locks do not exclude threads of one process, so the store also keeps a per-process set of
the folders being written.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher

from indexer.errors import IndexBusyError, IndexNotFoundError
from indexer.index.arrays import DocumentArrays, PostingArrays
from indexer.index.schema import SCHEMA, SCHEMA_VERSION
from indexer.index.version import IndexReader, IndexVersion, VersionKey
from indexer.index.whoosh_private import segment_files

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".write.lock"
GENERATION_PREFIX = "gen-"
MANIFEST_FILE = "manifest.sqlite"
SKIP_REPORT_FILE = "skipped.jsonl"

# Index folders this process is writing (record locks do not exclude its own threads).
_WRITING: set[Path] = set()
_WRITING_LOCK = threading.Lock()


class IndexStore:
    """One index folder: resolves the live generation, and hands each request an
    :class:`~indexer.index.version.IndexReader` on the live version.

    Safe to share between threads: each request checks a searcher out of the version's pool, so
    no two threads ever use one searcher at once (docs/decisions.md, Whoosh rule 2).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: tuple[str, Index] | None = None
        self._version: IndexVersion | None = None
        # Arrays of the segments of the live version, shared by consecutive versions (segments
        # never change); dropped as soon as no live version has the segment.
        self._segments: dict[tuple[str, str], tuple[PostingArrays | None, DocumentArrays | None]]
        self._segments = {}

    # -- reading -----------------------------------------------------------------------------

    def current_generation(self) -> Path:
        """The live generation's folder; raises IndexNotFoundError with a fix when there is none."""
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise IndexNotFoundError(
                f"no index at {self.root}: run `artsearch index CORPUS --index {self.root}`"
            ) from None
        generation = self.root / name
        if not name.startswith(GENERATION_PREFIX) or not generation.is_dir():
            raise IndexNotFoundError(
                f"the index at {self.root} is damaged ({CURRENT_FILE} names {name!r}, which is "
                f"missing): run `artsearch index CORPUS --index {self.root} --rebuild`"
            )
        return generation

    def exists(self) -> bool:
        try:
            self.current_generation()
        except IndexNotFoundError:
            return False
        return True

    def open(self) -> Index:
        """The live Whoosh index, reopened only when a swap has replaced the generation.

        An index another version of artsearch wrote (another schema version, or files this
        version's classes cannot unpickle) raises IndexNotFoundError saying to rebuild it.
        """
        generation = self.current_generation()
        with self._lock:
            if self._open is None or self._open[0] != generation.name:
                self._open = (generation.name, self._open_generation(generation))
            return self._open[1]

    def _open_generation(self, generation: Path) -> Index:
        rebuild = f"run `artsearch index CORPUS --index {self.root} --rebuild`"
        written = written_schema_version(generation / MANIFEST_FILE)
        if written is not None and written != SCHEMA_VERSION:
            raise IndexNotFoundError(
                f"the index at {self.root} was written by another version of artsearch (index "
                f"format {written}, this version reads {SCHEMA_VERSION}): {rebuild}"
            )
        try:
            return whoosh_index.open_dir(str(generation))
        except (AttributeError, ImportError, EOFError, ValueError, pickle.UnpicklingError) as error:
            # Whoosh unpickles its table of contents, which names the codec's classes.
            raise IndexNotFoundError(
                f"the index at {self.root} cannot be read by this version of artsearch "
                f"({type(error).__name__}: {error}): {rebuild}"
            ) from error

    @contextlib.contextmanager
    def reader(self) -> Iterator[IndexReader]:
        """An :class:`IndexReader` on the live version for one request (one thread)."""
        version, searcher = self._checkout()
        try:
            yield IndexReader(version, searcher)
        finally:
            version.checkin(searcher)

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A Whoosh searcher on the live version, for one request (the index layer's own use and
        tests; search reads through :meth:`reader`)."""
        with self.reader() as reader:
            yield reader.searcher

    def live_version(self) -> IndexVersion:
        """The live version (opened, with its caches loaded, if it was not yet)."""
        version, searcher = self._checkout()
        version.checkin(searcher)
        return version

    def _checkout(self) -> tuple[IndexVersion, Searcher]:
        generation = self.current_generation()
        ix = self.open()
        toc = int(ix.latest_generation() or 0)
        key: VersionKey = (generation.name, toc)
        with self._lock:
            current = self._version
        if current is not None and current.key == key:
            searcher = current.checkout()
            if searcher is not None:
                return current, searcher
        searcher = ix.searcher()
        key = (generation.name, int(searcher.reader().generation() or 0))
        with self._lock:
            current = self._version
            if current is not None and current.key == key:
                current.adopt(searcher)
                return current, searcher
        # A version this process has not read yet: load it outside the lock (it maps arrays).
        folder = str(generation)
        version = IndexVersion(
            key,
            searcher,
            lambda segment: self._segment_arrays(folder, segment),
            folder=folder,
        )
        version.adopt(searcher)
        retired = None
        with self._lock:
            if self._version is None or self._version.key < key:
                retired, self._version = self._version, version
                self._forget_segments_not_in(version, folder)
        if retired is not None:
            retired.retire()
        elif self._version is not version:
            version.retire()  # an older version than the live one: used for this request only
        return version, searcher

    def _segment_arrays(
        self, folder: str, segment: Any
    ) -> tuple[PostingArrays | None, DocumentArrays | None]:
        key = (folder, segment.segment_id())
        with self._lock:
            found = self._segments.get(key)
        if found is not None:
            return found
        files = segment_files(folder, segment)
        loaded = (PostingArrays.load(files), DocumentArrays.load(files))
        with self._lock:
            self._segments[key] = loaded
        return loaded

    def _forget_segments_not_in(self, version: IndexVersion, folder: str) -> None:
        live = {(folder, s.whoosh.segment_id()) for s in version.segments}
        for key in [k for k in self._segments if k not in live]:
            del self._segments[key]

    def close(self) -> None:
        """Retire the live version (closing its searchers); the next request opens a new one."""
        with self._lock:
            version, self._version = self._version, None
            self._open = None
            self._segments = {}
        if version is not None:
            version.retire()

    def __del__(self) -> None:
        # Searchers hold open files; a store dropped without close() must not leak them.
        with contextlib.suppress(Exception):
            self.close()

    def manifest_path(self) -> Path:
        return self.current_generation() / MANIFEST_FILE

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the folder's write lock; a second writer gets IndexBusyError at once, naming the
        process that holds it.  The lock dies with its process (see the module docstring)."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = self.root.resolve()
        with _WRITING_LOCK:
            if key in _WRITING:
                raise IndexBusyError(
                    f"another process is writing the index at {self.root} (this process, pid "
                    f"{os.getpid()}, in another thread); wait for it to finish"
                )
            _WRITING.add(key)
        try:
            with open(self.root / LOCK_FILE, "a+b") as handle:
                try:
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise IndexBusyError(
                        f"another process{_holder(handle)} is writing the index at {self.root}; "
                        "wait for it to finish"
                    ) from None
                handle.seek(0)
                handle.truncate()
                handle.write(f"{os.getpid()}\n".encode("ascii"))
                handle.flush()
                try:
                    yield
                finally:
                    fcntl.lockf(handle, fcntl.LOCK_UN)
        finally:
            with _WRITING_LOCK:
                _WRITING.discard(key)

    def new_generation(self) -> Path:
        """An empty Whoosh index in a fresh generation folder, not yet live."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        generation = self.root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
        generation.mkdir(parents=True)
        whoosh_index.create_in(str(generation), SCHEMA)
        return generation

    def swap_in(self, generation: Path) -> None:
        """Make ``generation`` live atomically, then delete generations older than the previous."""
        previous = None
        with contextlib.suppress(IndexNotFoundError):
            previous = self.current_generation().name
        pointer = self.root / f"{CURRENT_FILE}.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(generation.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / CURRENT_FILE)
        self._fsync_dir()
        self.remove_stale_generations(keep={generation.name, previous})

    def remove_partial_generations(self) -> None:
        """Delete generations newer than the live one (or all, when none is live): builds that
        were killed before their swap.  Call with the write lock held."""
        live = None
        with contextlib.suppress(IndexNotFoundError):
            live = self.current_generation().name
        for child in sorted(self.root.iterdir()):
            name = child.name
            if name.startswith(GENERATION_PREFIX) and (live is None or name > live):
                log.warning("removing %s, left by an interrupted build", child)
                shutil.rmtree(child, ignore_errors=True)

    def remove_stale_generations(self, keep: set[str | None]) -> None:
        """Delete generation folders that are neither live nor kept (e.g. interrupted builds)."""
        for child in self.root.iterdir():
            if child.name.startswith(GENERATION_PREFIX) and child.name not in keep:
                log.info("removing old index generation %s", child)
                shutil.rmtree(child, ignore_errors=True)

    def size_bytes(self) -> int:
        generation = self.current_generation()
        return sum(p.stat().st_size for p in generation.iterdir() if p.is_file())

    def _fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _holder(handle: object) -> str:
    """ " (pid N)" from the lock file, or "" when it names none."""
    try:
        handle.seek(0)  # type: ignore[attr-defined]
        pid = int(handle.read().decode("ascii").strip())  # type: ignore[attr-defined]
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})"


def written_schema_version(manifest: Path) -> str | None:
    """The index format version a generation's manifest records, or None when it records none
    (or cannot be read: Whoosh's own check then decides)."""
    try:
        # A build committing holds the file for a moment; the check is advisory, so wait little.
        connection = sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=1.0)
        with contextlib.closing(connection) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])
