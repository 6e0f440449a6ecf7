"""Walking a corpus folder: which entries are article pages, and which cannot be indexed and why.

Real archives are network shares, half-synced folders and decade-old dumps, so the walk never
stops on one odd entry: each one it cannot use is listed as a :class:`CorpusProblem` with a
reason, and the walk goes on.

- Symbolic links inside the corpus are followed; a link back to a folder already walked (a loop
  such as ``ln -s . self``, or a second link to the same folder) is reported, not walked again.
  A link whose target lies outside the corpus root is reported unless ``follow_external=True``
  (an archive should not be able to make the indexer read ``/etc/passwd``).
- Names that are not valid UTF-8 (``caf\\xe9.html`` from an old Latin-1 file system) are kept: the
  page is read under its real name and shown under a readable one with the bad bytes escaped
  (``caf\\xe9.html`` as the seven characters ``\\``, ``x``, ``e``, ``9``...).
- A folder that cannot be read is reported, and the pages the index already holds from it are
  kept (:attr:`CorpusListing.unreadable_folders`): an unreadable share loses nothing.
- FIFOs, devices, sockets and dangling links are reported; reading a FIFO would block forever.
- Web archives (``.warc``, ``.warc.gz``, ``.wacz``) are listed apart from pages
  (:attr:`CorpusListing.archives`): each HTML capture in one is an entry of its own, read by
  :mod:`indexer.archives`.  A single archive file may be the whole corpus.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")

_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class CorpusFile:
    """A page found in the corpus.

    ``path`` is its readable path relative to the corpus root ('/' separators): the name the
    manifest, the index and every report use.  ``location`` is the name to open, relative to the
    root, which differs from ``path`` only for names that are not valid UTF-8.
    """

    path: str
    size: int
    mtime_ns: int
    location: str = ""

    @property
    def name_on_disk(self) -> str:
        return self.location or self.path


@dataclass(frozen=True)
class CorpusProblem:
    """An entry the walk cannot index, with the reason (``"symlink loop: ..."``)."""

    path: str
    reason: str


@dataclass(frozen=True)
class CorpusListing:
    pages: dict[str, CorpusFile]
    ignored: int
    problems: list[CorpusProblem] = field(default_factory=list)
    # Readable paths (ending in '/') of folders that could not be read.
    unreadable_folders: tuple[str, ...] = ()
    # Web archive files (WARC, WACZ) by readable path.
    archives: dict[str, CorpusFile] = field(default_factory=dict)

    def hides(self, path: str) -> bool:
        """Whether ``path`` lies in a folder this walk could not read (so it may still exist)."""
        return path.startswith(self.unreadable_folders) if self.unreadable_folders else False


def is_page(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(PAGE_SUFFIXES)


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def readable_name(name: str) -> str:
    """``name`` with bytes that are not UTF-8 written as ``\\xNN`` (always encodable text)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


class _Walk:
    """One walk of a corpus folder; see :func:`list_corpus`."""

    def __init__(self, root: Path, follow_external: bool) -> None:
        self.root = os.path.realpath(root)
        self.follow_external = follow_external
        self.pages: dict[str, CorpusFile] = {}
        self.archives: dict[str, CorpusFile] = {}
        self.ignored = 0
        self.problems: list[CorpusProblem] = []
        self.unreadable: list[str] = []
        # (device, inode) of every folder walked -> its readable path, to detect loops.
        self.walked: dict[tuple[int, int], str] = {}

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(CorpusProblem(path, reason))

    def run(self) -> CorpusListing:
        root_stat = os.stat(self.root)
        self.walked[(root_stat.st_dev, root_stat.st_ino)] = "./"
        self.stack: list[tuple[str, str, str, tuple[str, ...]]] = [(self.root, "", "", ("./",))]
        # Links to folders are walked after every real folder, so that a folder reached both
        # ways is listed under its real name.
        self.folder_links: list[tuple[str, str, str, tuple[str, ...], tuple[int, int]]] = []
        while self.stack or self.folder_links:
            while self.stack:
                self.folder(*self.stack.pop())
            if self.folder_links:
                self.enter(*self.folder_links.pop(0))
        return CorpusListing(
            self.pages, self.ignored, sorted(self.problems, key=lambda p: p.path),
            tuple(self.unreadable), self.archives,
        )  # fmt: skip

    def folder(self, full: str, shown: str, real: str, ancestors: tuple[str, ...]) -> None:
        try:
            with os.scandir(full) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            self.unreadable.append(shown)
            self.problem(shown or "./", f"cannot read folder: {error.strerror or error}")
            return
        subfolders = len(self.stack)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            self.entry(entry, shown + readable_name(entry.name), real + entry.name, ancestors)
        # Walk the subfolders in name order (the stack pops the last pushed first).
        self.stack[subfolders:] = reversed(self.stack[subfolders:])

    def enter(
        self, full: str, shown: str, real: str, ancestors: tuple[str, ...], key: tuple[int, int]
    ) -> None:
        """Queue a folder for walking unless it was reached before (a loop or a second link)."""
        seen = self.walked.get(key)
        if seen is not None:
            if seen in ancestors:
                self.problem(shown, f"symlink loop: links back to the folder {seen}")
            else:
                self.problem(shown, f"folder reached twice: already indexed as {seen}")
            return
        self.walked[key] = shown + "/"
        self.stack.append((full, shown + "/", real + "/", (*ancestors, shown + "/")))

    def entry(
        self, entry: os.DirEntry[str], shown: str, real: str, ancestors: tuple[str, ...]
    ) -> None:
        try:
            is_link = entry.is_symlink()
            if is_link:
                target = os.path.realpath(entry.path)
                if not self.follow_external and not _inside(target, self.root):
                    self.problem(
                        shown,
                        f"link outside the corpus: points to {readable_name(target)}; "
                        "pass --follow-external-links to index it",
                    )
                    return
            info = os.stat(entry.path)  # follows links
        except FileNotFoundError:
            self.problem(shown, "dangling link: its target does not exist")
            return
        except OSError as error:
            if error.errno == errno.ELOOP:  # a link that resolves to itself (a -> b -> a)
                self.problem(shown, "symlink loop: the link never resolves to a file or folder")
            else:
                self.problem(shown, f"cannot read entry: {error.strerror or error}")
            return
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if is_link:
                self.folder_links.append((entry.path, shown, real, ancestors, key))
            else:
                self.enter(entry.path, shown, real, ancestors, key)
        elif stat.S_ISREG(info.st_mode):
            location = real if real != shown else ""
            found = CorpusFile(shown, info.st_size, info.st_mtime_ns, location)
            if is_page(entry.name):
                self.pages[shown] = found
            elif is_archive(entry.name):
                self.archives[shown] = found
            else:
                self.ignored += 1
        else:
            kind = next((name for test, name in _SPECIAL_KINDS if test(info.st_mode)), "special")
            self.problem(shown, f"not a regular file: {kind}")


def corpus_root(corpus: Path) -> Path:
    """The folder entry paths are relative to: the corpus folder, or the folder holding a single
    archive file given as the corpus."""
    return corpus.parent if corpus.is_file() else corpus


def list_corpus(root: Path, *, follow_external: bool = False) -> CorpusListing:
    """Every page and web archive under ``root`` (recursively, hidden entries skipped), the count
    of other regular files, and every entry that cannot be indexed with its reason (see the
    module docstring).  ``root`` may also be a single archive file: the listing then holds it
    alone, named relative to its folder.

    ``os.scandir`` entries and strings (not pathlib) keep a re-run over 100,000 unchanged pages to
    a fraction of a second per 10,000 files.
    """
    if Path(root).is_file() and is_archive(Path(root).name):
        info = os.stat(root)
        name = Path(root).name
        shown = readable_name(name)
        found = CorpusFile(shown, info.st_size, info.st_mtime_ns, name if name != shown else "")
        return CorpusListing({}, 0, archives={shown: found})
    return _Walk(root, follow_external).run()


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
