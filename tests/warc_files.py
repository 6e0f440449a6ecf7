"""Writing web archives for the tests with warcio, the library artsearch reads them with.

:func:`write_warc` turns pages into a WARC file of HTTP response records, adding the records a
real crawl has besides pages: the crawler's request records, a revisit, a stylesheet (not HTML),
a 404.  :func:`write_wacz` wraps WARC files into a WACZ (a ZIP with ``archive/``, ``pages/`` and
``datapackage.json``, WARC files stored uncompressed as the WACZ specification asks).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

BASE_URI = "https://news.example.org/"


@dataclass(frozen=True)
class Capture:
    uri: str
    body: bytes
    date: str = "2024-03-01T12:00:00Z"
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    gzip_encoded: bool = False
    chunked: bool = False


def captures_of(folder: Path, *, date: str = "2024-03-01T12:00:00Z") -> list[Capture]:
    """One capture per page file under ``folder`` (sorted), at BASE_URI + its relative path."""
    pages = sorted(p for p in folder.rglob("*.html") if p.is_file())
    return [
        Capture(BASE_URI + page.relative_to(folder).as_posix(), page.read_bytes(), date)
        for page in pages
    ]


def write_warc(
    target: Path,
    captures: Iterable[Capture],
    *,
    extras: bool = True,
    compress: bool | None = None,
) -> Path:
    """A WARC file of ``captures`` (gzipped per record when ``target`` ends in .gz).

    With ``extras``, also a request record before each response, a revisit of the first capture,
    a stylesheet and a 404 page: records an index must count, not index.
    """
    gzipped = target.name.endswith(".gz") if compress is None else compress
    captures = list(captures)
    with open(target, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        for capture in captures:
            if extras:
                writer.write_record(_request(writer, capture.uri, capture.date))
            writer.write_record(_response(writer, capture))
        if extras and captures:
            first = captures[0]
            digest = "sha1:" + hashlib.sha1(first.body).hexdigest().upper()
            revisit = writer.create_revisit_record(
                first.uri,
                digest,
                first.uri,
                first.date,
                http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"
                ),
                warc_headers_dict={"WARC-Date": "2024-03-02T12:00:00Z"},
            )
            writer.write_record(revisit)
            css = Capture(BASE_URI + "style.css", b"body { color: #222 }", first.date,
                          content_type="text/css")  # fmt: skip
            writer.write_record(_response(writer, css))
            missing = Capture(BASE_URI + "missing.html", b"<html><body>Not found</body></html>",
                              first.date, status="404 Not Found")  # fmt: skip
            writer.write_record(_response(writer, missing))
    return target


def _request(writer: WARCWriter, uri: str, date: str) -> object:
    path = "/" + uri.split("/", 3)[-1]
    headers = StatusAndHeaders(
        f"GET {path} HTTP/1.1", [("Host", "news.example.org")], is_http_request=True
    )
    return writer.create_warc_record(
        uri, "request", http_headers=headers, warc_headers_dict={"WARC-Date": date}
    )


def _response(writer: WARCWriter, capture: Capture) -> object:
    body = capture.body
    headers = [("Content-Type", capture.content_type)]
    if capture.gzip_encoded:
        body = gzip.compress(body)
        headers.append(("Content-Encoding", "gzip"))
    if capture.chunked:  # as a server streaming the page sends it: in pieces of 1,000 bytes
        pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body))))
    return writer.create_warc_record(
        capture.uri,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(capture.status, headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": capture.date},
    )


def write_wacz(target: Path, warcs: Iterable[Path], pages: Iterable[Capture] = ()) -> Path:
    """A WACZ file holding ``warcs`` under archive/ (stored, not deflated), with its page list
    and a datapackage.json listing every file with its hash."""
    files: dict[str, bytes] = {}
    for warc in warcs:
        files[f"archive/{warc.name}"] = warc.read_bytes()
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    lines += [json.dumps({"url": page.uri, "ts": page.date}) for page in pages]
    files["pages/pages.jsonl"] = ("\n".join(lines) + "\n").encode()
    package = {
        "profile": "data-package",
        "wacz_version": "1.1.1",
        "resources": [
            {
                "name": Path(name).name,
                "path": name,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for name, data in files.items()
        ],
    }
    with zipfile.ZipFile(target, "w") as wacz:
        for name, data in files.items():
            wacz.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        wacz.writestr("datapackage.json", json.dumps(package, indent=2))
    return target
