"""Web archives as corpus entries: the HTML captures in WARC and WACZ files.

A WARC file (ISO 28500) holds a crawl as a sequence of records; a WACZ file is a ZIP holding WARC
files under ``archive/`` with indexes beside them.  Each HTML capture (a ``response`` record with
HTTP status 200 and an HTML content type, or a ``resource`` record of HTML) is a corpus entry of
its own, named ``<archive path>#<target URI>``.  When one archive captures a URI more than once,
the latest capture (by ``WARC-Date``; the later record on a tie) is the entry.

Reading is split so that the build reads every archive once: :func:`scan_archive` (in the build
process) walks an archive's records, hashing each capture's decoded payload, and returns where
each capture lies (:class:`ArchiveRecord`: archive, ZIP member, offset); a worker then reads only
its capture again (:func:`read_capture`), seeking straight to it.  An archive whose size and
modification time did not change is not read at all; in one that changed, only captures whose
payload hash changed are extracted.

Records that are not HTML captures are counted by kind (:data:`RECORD_KINDS`), not listed one by
one: revisits, other content types, other statuses, earlier captures of a URI.  A broken record is
an entry skipped with its reason; an archive that cannot be read further is a problem named with
its reason, and the captures read before the break are kept (as the entries the index already had
from its unread part).

The reader is warcio (docs/decisions.md, "Web archives"): it decodes chunked and gzip-encoded HTTP
payloads, which real crawls have, and writes the archives the tests read.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from indexer.article import Article
from indexer.corpus import CorpusFile, content_hash
from indexer.errors import ExtractionError
from indexer.extraction.htmlparse import MAX_PAGE_BYTES

# The content types of a page: the HTML serialisations a crawler stores.
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Kinds of records that are not indexed, counted per archive (build report, `artsearch stats`).
REVISIT = "revisit"
NOT_HTML = "not HTML"
NOT_OK = "status not 200"
EARLIER_CAPTURE = "earlier capture"
RECORD_KINDS = (REVISIT, NOT_HTML, NOT_OK, EARLIER_CAPTURE)
# The provenance origin of values taken from the capture (its URI and its date).
CAPTURE_ORIGIN = "capture"
# Where a WACZ file keeps its WARC files.
_WACZ_ARCHIVE_FOLDER = "archive/"
_WARC_SUFFIXES = (".warc", ".warc.gz")
_CHUNK = 1 << 16
# What warcio and the decompressors raise on a damaged archive or record.
_READ_ERRORS = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    ChunkedDataException,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    zipfile.BadZipFile,
)


@dataclass(frozen=True)
class ArchiveRecord:
    """One HTML capture in an archive: where it lies, and its payload's hash.

    ``path`` is the entry's name (``archive#uri``); ``member`` the WARC file inside a WACZ (empty
    for a WARC file); ``offset`` where the record starts in it.  ``captured`` is the WARC-Date
    (ISO 8601, UTC).  ``reason`` is set when the capture cannot be indexed (too large, damaged).
    """

    path: str
    archive: str
    location: str
    member: str
    offset: int
    uri: str
    captured: str
    size: int
    sha: str
    reason: str | None = None

    @property
    def captured_ns(self) -> int:
        """The capture time in nanoseconds since the epoch (the entry's "modification time")."""
        moment = datetime.fromisoformat(self.captured)
        return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


@dataclass
class ArchiveScan:
    """What one read of an archive found.

    ``records`` are its HTML captures by entry path; ``counts`` the records not indexed, by kind;
    ``problem`` why the archive could not be read (to its end), and ``complete`` whether it was
    read to its end (when it was not, the entries the index has from it are kept).
    """

    archive: CorpusFile
    records: dict[str, ArchiveRecord] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    problem: str | None = None
    complete: bool = True


def entry_path(archive: str, uri: str) -> str:
    return f"{archive}#{uri}"


def archive_of(path: str) -> str | None:
    """The archive an entry path belongs to (None for a page file)."""
    archive, hash_sign, _ = path.partition("#")
    return archive if hash_sign else None


def scan_archive(root: str, archive: CorpusFile) -> ArchiveScan:
    """Every HTML capture in ``archive`` (a :class:`CorpusFile` of the walk), read once."""
    scan = ArchiveScan(archive)
    full = os.path.join(root, archive.name_on_disk)
    try:
        with _warc_members(full) as members:
            for member, stream in members:
                _scan_warc(scan, member, stream)
                if not scan.complete:
                    break
    except _READ_ERRORS as error:
        _broken(scan, error)
    return scan


@contextlib.contextmanager
def _warc_members(full: str) -> Iterator[Iterator[tuple[str, IO[bytes]]]]:
    """The WARC streams of an archive file: itself, or each WARC file inside a WACZ."""
    if not full.lower().endswith(".wacz"):
        with open(full, "rb") as handle:
            yield iter([("", handle)])
        return
    with zipfile.ZipFile(full) as wacz:
        names = sorted(
            name
            for name in wacz.namelist()
            if name.startswith(_WACZ_ARCHIVE_FOLDER) and name.lower().endswith(_WARC_SUFFIXES)
        )
        if not names:
            raise ArchiveLoadFailed("no WARC file under archive/ in this WACZ file")

        def members() -> Iterator[tuple[str, IO[bytes]]]:
            for name in names:
                with wacz.open(name) as stream:
                    yield name, stream

        yield members()


def _scan_warc(scan: ArchiveScan, member: str, stream: IO[bytes]) -> None:
    records = ArchiveIterator(stream)
    try:
        for record in records:
            # The iterator's offset is the start of the record it just gave (get_record_offset
            # would read the record to its end first).
            offset = records.offset
            capture = _capture(scan, member, offset, record)
            if _cut_short(record):
                raise ArchiveLoadFailed(f"the record at byte {offset} is cut short")
            if capture is not None:
                _keep_latest(scan, capture)
    except _READ_ERRORS as error:
        _broken(scan, error, member)


def _cut_short(record: Any) -> bool:
    """Whether the record's block ends before the length its header declares (a truncated file:
    warcio then reads what there is without complaint)."""
    raw = record.raw_stream
    while raw.read(_CHUNK):
        pass
    return int(getattr(raw, "limit", 0) or 0) > 0


def _capture(scan: ArchiveScan, member: str, offset: int, record: Any) -> ArchiveRecord | None:
    """The record as a capture to index, or None after counting why it is not one."""
    kind = record.rec_type
    if kind == "revisit":
        scan.counts[REVISIT] += 1
        return None
    if kind not in ("response", "resource"):
        return None  # requests, metadata, warcinfo: not captures of pages
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
    headers = record.http_headers
    if kind == "response":
        if headers is None or headers.get_statuscode() != "200":
            scan.counts[NOT_OK] += 1
            return None
        content_type = headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    if content_type.split(";", 1)[0].strip().lower() not in HTML_TYPES:
        scan.counts[NOT_HTML] += 1
        return None
    archive = scan.archive.path
    captured = _capture_date(record.rec_headers.get_header("WARC-Date"))
    base = ArchiveRecord(
        entry_path(archive, uri), archive, scan.archive.name_on_disk, member, offset, uri,
        captured, 0, "",
    )  # fmt: skip
    if not uri:
        return replace(base, path=entry_path(archive, f"@{offset}"), reason=_NO_URI)
    try:
        payload = _bounded_read(record.content_stream())
    except ExtractionError as error:
        return replace(base, reason=str(error))
    except _READ_ERRORS as error:
        return replace(base, reason=f"damaged record: {_describe(error)}")
    return replace(base, size=len(payload), sha=content_hash(payload))


_NO_URI = "record without a WARC-Target-URI"


def _keep_latest(scan: ArchiveScan, capture: ArchiveRecord) -> None:
    """Keep the latest capture of each URI; count the others."""
    earlier = scan.records.get(capture.path)
    if earlier is not None:
        scan.counts[EARLIER_CAPTURE] += 1
        if earlier.captured > capture.captured:
            return
    scan.records[capture.path] = capture


def _capture_date(value: str | None) -> str:
    """WARC-Date as ISO 8601 in UTC, to the second; the epoch when missing or unreadable (the
    standard requires the header, so only a damaged record lacks it)."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        moment = datetime.fromtimestamp(0, tz=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _bounded_read(stream: IO[bytes]) -> bytes:
    """A capture's decoded payload, refusing one over MAX_PAGE_BYTES before reading it all (a
    gzip-encoded payload is decompressed block by block, so a bomb costs the limit, no more)."""
    parts = []
    size = 0
    while chunk := stream.read(_CHUNK):
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_PAGE_BYTES:
            raise ExtractionError(
                f"capture is larger than the {MAX_PAGE_BYTES // 1048576} MB limit (MAX_PAGE_BYTES)"
            )
    return b"".join(parts)


def _broken(scan: ArchiveScan, error: BaseException, member: str = "") -> None:
    where = f" (in {member})" if member else ""
    found = len(scan.records)
    scan.problem = (
        f"broken archive{where} after {found} captures: {_describe(error)}; "
        "the captures before the damage are indexed"
    )
    scan.complete = False


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if "non-chunked gzip" in text:
        return (
            "compressed as one gzip stream, so its records cannot be read one by one; "
            "recompress it per record with `warcio recompress IN OUT`"
        )
    name = type(error).__name__
    return f"{name}: {text[:200]}" if text else name


def read_capture(root: str, record: ArchiveRecord) -> bytes:
    """The decoded payload of one capture (runs in a worker process): seeks to its record and
    reads it alone.  Raises ExtractionError when it cannot be read as the scan found it."""
    full = os.path.join(root, record.location)
    try:
        with _open_member(full, record.member) as stream:
            stream.seek(record.offset)
            found = next(iter(ArchiveIterator(stream)), None)
            if found is None or (found.rec_headers.get_header("WARC-Target-URI") or "").strip() != (
                record.uri
            ):
                raise ExtractionError("the archive changed since it was read: run the index again")
            return _bounded_read(found.content_stream())
    except _READ_ERRORS as error:
        raise ExtractionError(f"damaged record: {_describe(error)}") from error


@contextlib.contextmanager
def _open_member(full: str, member: str) -> Iterator[IO[bytes]]:
    if not member:
        with open(full, "rb") as handle:
            yield handle
        return
    with zipfile.ZipFile(full) as wacz, wacz.open(member) as stream:
        yield stream


def with_capture(articles: list[Article], record: ArchiveRecord) -> list[Article]:
    """The page's own article completed from its capture: the target URI as its URL when the page
    declares none, the capture date as its publication date when the page states none.  The
    capture date is also the reference time of relative dates (the caller passes it to
    extraction); this renames that reference's origin."""
    captured = CAPTURE_ORIGIN
    completed = []
    for article in articles:
        provenance = dict(article.provenance)
        if provenance.get("published_reference") == "file-mtime":
            provenance["published_reference"] = captured
        changes: dict[str, Any] = {}
        if not article.embedded:
            if article.url is None and _is_web_url(record.uri):
                changes["url"] = record.uri
                provenance["url"] = captured
            if article.published is None:
                changes["published"] = record.captured
                provenance["published"] = captured
        completed.append(replace(article, provenance=provenance, **changes))
    return completed


def _is_web_url(uri: str) -> bool:
    try:
        return urlsplit(uri).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def capture_seconds(record: ArchiveRecord) -> float:
    """The capture time as epoch seconds (the reference time for relative dates)."""
    return datetime.fromisoformat(record.captured).timestamp()
