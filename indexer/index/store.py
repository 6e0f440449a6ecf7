"""Where indexes live on disk: opening the live one, building a new one beside it, swapping.

Layout of an index folder::

    INDEX/
      CURRENT         the name of the live generation (one line)
      .write.lock     held by the one process writing (DECISIONS.md rule 5); holds its pid
      gen-<stamp>/    a Whoosh index plus ``manifest.sqlite`` (which file gave which articles)
                      and ``skipped.jsonl`` (what the corpus has that the index does not, and why)

Readers resolve ``CURRENT`` each time they open a searcher.  A full rebuild writes a new generation
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
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.searching import Searcher

from indexer.errors import IndexBusyError, IndexNotFoundError
from indexer.index.schema import SCHEMA

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
    """One index folder: resolves the live generation and caches its open Whoosh ``Index``.

    Safe to share between threads: each thread gets its own searcher (DECISIONS.md rule 2).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: tuple[str, Index] | None = None
        self._local = threading.local()
        self._searchers: set[Searcher] = set()

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
        """The live Whoosh index, reopened only when a swap has replaced the generation."""
        generation = self.current_generation()
        with self._lock:
            if self._open is None or self._open[0] != generation.name:
                self._open = (generation.name, whoosh_index.open_dir(str(generation)))
            return self._open[1]

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A Whoosh searcher on the live index version, for the calling thread only.

        Each thread keeps its own searcher while the index is unchanged, because opening one reads
        every segment's column offsets (~8 ms per search at 21,578 articles).  When a commit or a
        swap has changed the index, the thread's old searcher is closed and a new one opened:
        never refreshed (DECISIONS.md rule 1), never shared with another thread (rule 2).
        """
        generation = self.current_generation()
        cached: tuple[str, Searcher] | None = getattr(self._local, "searcher", None)
        if cached is not None:
            name, searcher = cached
            if name == generation.name and searcher.up_to_date():
                yield searcher
                return
            self._local.searcher = None
            self._forget(searcher)
        searcher = self.open().searcher()
        with self._lock:
            self._searchers.add(searcher)
        self._local.searcher = (generation.name, searcher)
        yield searcher

    def _forget(self, searcher: Searcher) -> None:
        with self._lock:
            self._searchers.discard(searcher)
        searcher.close()

    def close(self) -> None:
        """Close every thread's searcher; the next call opens new ones."""
        with self._lock:
            searchers, self._searchers = self._searchers, set()
            self._open = None
        self._local = threading.local()
        for searcher in searchers:
            searcher.close()

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
    """" (pid N)" from the lock file, or "" when it names none."""
    try:
        handle.seek(0)  # type: ignore[attr-defined]
        pid = int(handle.read().decode("ascii").strip())  # type: ignore[attr-defined]
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})"
