#!/usr/bin/env python3
"""Archives in, data out (issue 16): WARC indexing next to the same pages as HTML files, the two
WARC readers, and exporting 100,000 articles.  Prints figures; never pass/fail.

1. **WARC against a folder** (same run, alternating, medians): the first --pages pages of a
   generated corpus (/work/shared/tools/make_html_corpus.py, cached under --data) as a folder of
   HTML files and as one WARC file (gzip per record, an HTTP response record per page, written
   with warcio), each indexed from scratch with ``build_index`` (--workers processes); then an
   incremental re-run of the WARC with nothing changed, and one after re-writing the WARC with
   1% of the pages changed (a new capture: the archive changed, so it is read again and only
   the changed captures extracted).
2. **Readers**: warcio against fastwarc on a WARC written from the demo corpus (corpus/, copied
   under --copies URIs): CPU per record to iterate every record and read each payload, next to
   the CPU extraction takes per page (``extract_page`` on the same pages).
3. **Export**: every article of a 100,000-article index (`--export-size`) exported to JSON
   Lines, CSV and SQLite (with its FTS5 index) by the library, and streamed as JSON Lines and
   CSV from ``/api/search`` of a real `artsearch serve`.  The index is written straight from the
   generated corpus's ground truth (title, body, author, source, date per page; extraction is
   not what is measured here) under --data, once.

    .venv/bin/pip install -e ".[bench]"   # fastwarc, for section 2
    .venv/bin/python bench/io.py
    .venv/bin/python bench/io.py --pages 500 --export-size 10000 --skip-readers
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from perf_corpus import ensure_corpus, truth_path  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from indexer.article import Article, article_id  # noqa: E402
from indexer.build import WRITER_OPTIONS, build_index  # noqa: E402

CAPTURED = "2024-03-01T12:00:00Z"
BASE = "https://news.example.org/"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def say(text: str = "") -> None:
    print(text, flush=True)


# -- 1. WARC against a folder -----------------------------------------------------------------


def first_pages(corpus: Path, count: int) -> list[Path]:
    pages: list[Path] = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        pages.extend(sorted(folder.glob("*.html")))
        if len(pages) >= count:
            break
    return pages[:count]


def write_capture_warc(target: Path, pages: list[Path], root: Path, *, changed: int = 0) -> None:
    """One response record per page; the first ``changed`` pages get a new sentence."""
    partial = target.with_name(target.name + ".tmp")
    with open(partial, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number, page in enumerate(pages):
            body = page.read_bytes()
            if number < changed:
                body = body.replace(b"<p>", b"<p>Updated with new figures. ", 1)
            headers = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                BASE + page.relative_to(root).as_posix(),
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": CAPTURED},
            )
            writer.write_record(record)
    partial.rename(target)


def copy_pages(target: Path, pages: list[Path], root: Path) -> None:
    partial = target.with_name(target.name + ".tmp")
    shutil.rmtree(partial, ignore_errors=True)
    for page in pages:
        destination = partial / page.relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, destination)
    partial.rename(target)


def timed_build(corpus: Path, index: Path, workers: int, **options: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    report = build_index(corpus, index, workers=workers, **options)
    return time.perf_counter() - started, report


def bench_warc_against_folder(data: Path, pages: int, workers: int, repeat: int) -> None:
    corpus, _ = ensure_corpus(data, 100_000, 1987)
    chosen = first_pages(corpus, pages)
    folder = data / f"pages-{pages}"
    if not folder.is_dir():
        copy_pages(folder, chosen, corpus)
    warc_folder = data / f"warc-{pages}"
    warc = warc_folder / "crawl.warc.gz"
    if not warc.is_file():
        warc_folder.mkdir(parents=True, exist_ok=True)
        write_capture_warc(warc, chosen, corpus)
    say(f"## 1. WARC against a folder: {pages} generated pages, {workers} workers")
    say(f"   WARC {warc.stat().st_size / 1e6:.1f} MB (gzip per record); load {load_average()}")
    times: dict[str, list[float]] = {"folder": [], "warc": []}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=data) as scratch:
        for round_number in range(repeat):
            for kind, source in (("folder", folder), ("warc", warc_folder)):
                index = Path(scratch) / f"{kind}-{round_number}"
                seconds, report = timed_build(source, index, workers)
                times[kind].append(seconds)
                counts[kind] = report.articles
                say(f"   round {round_number + 1} {kind:6s} {seconds:6.1f} s "
                    f"({report.indexed} entries, {report.articles} articles)")  # fmt: skip
        folder_s = statistics.median(times["folder"])
        warc_s = statistics.median(times["warc"])
        say()
        say("   | input | median s | pages/s | articles |")
        say("   |---|---|---|---|")
        say(f"   | folder of HTML | {folder_s:.1f} | {pages / folder_s:.1f} | {counts['folder']} |")
        say(f"   | one WARC file | {warc_s:.1f} | {pages / warc_s:.1f} | {counts['warc']} |")
        say(f"   WARC / folder time: {warc_s / folder_s:.2f}  (load {load_average()})")
        index = Path(scratch) / f"warc-{repeat - 1}"
        seconds, report = timed_build(warc_folder, index, workers)
        say(f"   re-run, WARC unchanged: {seconds:.2f} s, {report.unchanged} unchanged")
        changed = max(1, pages // 100)
        warc.unlink()
        write_capture_warc(warc, chosen, corpus, changed=changed)
        try:
            seconds, report = timed_build(warc_folder, index, workers)
            say(f"   re-run, WARC re-written with {changed} pages changed: {seconds:.2f} s, "
                f"{report.updated} updated, {report.unchanged} unchanged")  # fmt: skip
        finally:
            warc.unlink()
            write_capture_warc(warc, chosen, corpus)


# -- 2. readers --------------------------------------------------------------------------------


def demo_warc(target: Path, copies: int) -> int:
    pages = sorted((ROOT / "corpus").rglob("*.html"))
    with open(target, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for copy in range(copies):
            for page in pages:
                body = page.read_bytes()
                headers = StatusAndHeaders(
                    "200 OK",
                    [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                    protocol="HTTP/1.1",
                )
                writer.write_record(writer.create_warc_record(
                    f"{BASE}{copy}/{page.name}", "response", payload=io.BytesIO(body),
                    length=len(body), http_headers=headers,
                    warc_headers_dict={"WARC-Date": CAPTURED},
                ))  # fmt: skip
    return copies * len(pages)


def read_with_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                record.content_stream().read()
                count += 1
    return count


def read_with_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with open(path, "rb") as handle:
        # auto_decode="all": chunked and gzip-encoded payloads decoded, as warcio does.
        records = ArchiveIterator(
            handle, record_types=WarcRecordType.response, parse_http=True, auto_decode="all"
        )
        for record in records:
            record.reader.read()
            count += 1
    return count


def cpu_per_call(function: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        function()
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def bench_readers(copies: int, repeat: int) -> None:
    from indexer.extraction import extract_page

    say("## 2. WARC readers (one process, CPU time, median of "
        f"{repeat}); load {load_average()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        warc = Path(scratch) / "demo.warc.gz"
        records = demo_warc(warc, copies)
        assert read_with_warcio(warc) == records and read_with_fastwarc(warc) == records
        warcio_s = cpu_per_call(lambda: read_with_warcio(warc), repeat)
        fastwarc_s = cpu_per_call(lambda: read_with_fastwarc(warc), repeat)
    pages = sorted((ROOT / "corpus").rglob("*.html"))
    datas = [(page.read_bytes(), page.name) for page in pages]

    def extract_all() -> None:
        for data, name in datas:
            extract_page(data, name, mtime=0.0)

    extract_all()  # imports and caches
    extraction_s = cpu_per_call(extract_all, max(1, repeat // 2)) / len(pages)
    warcio_ms = warcio_s / records * 1000
    fastwarc_ms = fastwarc_s / records * 1000
    say(f"   {records} HTTP response records ({copies} copies of the {len(pages)} demo pages)")
    say("   | step | CPU ms per record/page | share of extraction |")
    say("   |---|---|---|")
    say(f"   | read with warcio | {warcio_ms:.3f} | {warcio_ms / extraction_s / 10:.2f} % |")
    say(f"   | read with fastwarc | {fastwarc_ms:.3f} | {fastwarc_ms / extraction_s / 10:.2f} % |")
    say(f"   | extract_page | {extraction_s * 1000:.1f} | 100 % |")
    say(f"   warcio / fastwarc: {warcio_ms / fastwarc_ms:.1f}x")


# -- 3. export ---------------------------------------------------------------------------------


def truth_articles(truth: Path, count: int) -> Iterator[Article]:
    with open(truth, encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= count:
                return
            row = json.loads(line)
            body = row["body"]
            yield Article(
                id=article_id(body) + f"{number:x}",  # unique even where generated bodies repeat
                path=row["file"],
                title=row["title"],
                body=body,
                authors=(row["author"],) if row.get("author") else (),
                source=row.get("source"),
                published=(row.get("published") or "")[:10] or None,
                language="en",
                url=BASE + row["file"],
                tags=tuple(row.get("topics") or ()),
            )


def ensure_export_index(data: Path, size: int) -> Path:
    """An index of ``size`` articles from the generated corpus's ground truth, written once."""
    from whoosh.index import open_dir

    from indexer.index.manifest import Manifest
    from indexer.index.schema import SCHEMA_VERSION, to_document
    from indexer.index.store import MANIFEST_FILE, IndexStore

    target = data / f"export-index-{size}"
    if (target / "CURRENT").is_file():
        return target
    ensure_corpus(data, max(size, 100_000), 1987)
    store = IndexStore(target)
    generation = store.new_generation()
    ix = open_dir(str(generation))
    writer = ix.writer(limitmb=1024, **WRITER_OPTIONS)
    started = time.perf_counter()
    for number, article in enumerate(truth_articles(truth_path(data, 100_000), size), 1):
        writer.add_document(**to_document(article))
        if number % 25_000 == 0:
            writer.commit(merge=False)
            writer = ix.writer(limitmb=1024, **WRITER_OPTIONS)
            elapsed = time.perf_counter() - started
            say(f"   export index: {number} articles written ({elapsed:.0f} s)")
    writer.commit(merge=False)
    ix.close()
    manifest = Manifest(generation / MANIFEST_FILE)
    manifest.stamp_build(data, SCHEMA_VERSION)
    manifest.commit()
    manifest.close()
    store.swap_in(generation)
    return target


def bench_export(data: Path, size: int) -> None:
    from search import SearchRequest, SearchService
    from search.export import csv_lines, jsonl_lines, write_sqlite

    say(f"## 3. Export of {size} articles; load {load_average()}")
    index = ensure_export_index(data, size)
    service = SearchService(index)
    request = SearchRequest(q="", sort="newest")
    say("   | export | seconds | articles/s | MB |")
    say("   |---|---|---|---|")
    with tempfile.TemporaryDirectory(dir=data) as scratch:
        for form in ("jsonl", "csv", "sqlite"):
            target = Path(scratch) / f"export.{form}"
            started = time.perf_counter()
            matches = service.all_matches(request)
            if form == "sqlite":
                count = write_sqlite(matches, target, about={"q": ""})
            else:
                count = 0
                with open(target, "w", encoding="utf-8") as handle:
                    for line in (jsonl_lines if form == "jsonl" else csv_lines)(matches):
                        handle.write(line)
                        count += 1
                count -= form == "csv"  # the header
            seconds = time.perf_counter() - started
            size_mb = target.stat().st_size / 1e6
            say(f"   | library, {form} | {seconds:.1f} | {count / seconds:,.0f} | {size_mb:.0f} |")
        for form in ("jsonl", "csv"):
            seconds, count, size_mb = stream_from_server(index, form)
            say(f"   | /api/search?format={form} (real server) | {seconds:.1f} | "
                f"{count / seconds:,.0f} | {size_mb:.0f} |")  # fmt: skip
    say(f"   load {load_average()}")


def stream_from_server(index: Path, form: str) -> tuple[float, int, float]:
    from live_server import running_server

    with running_server(index, workers=1) as base:
        started = time.perf_counter()
        lines = 0
        size = 0
        with urllib.request.urlopen(f"{base}/api/search?q=&sort=newest&format={form}",
                                    timeout=600) as response:  # fmt: skip
            for line in response:
                lines += 1
                size += len(line)
        seconds = time.perf_counter() - started
    return seconds, lines - (form == "csv"), size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/data/io"))
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=20, help="copies of the demo corpus")
    parser.add_argument("--export-size", type=int, default=100_000)
    parser.add_argument("--skip-warc", action="store_true")
    parser.add_argument("--skip-readers", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    command = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
    revision = subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    say(f"# bench/io.py at {revision}, {os.cpu_count()} CPUs, load {load_average()}")
    if not args.skip_readers:
        bench_readers(args.copies, args.repeat)
    if not args.skip_warc:
        bench_warc_against_folder(args.data, args.pages, args.workers, args.repeat)
    if not args.skip_export:
        bench_export(args.data, args.export_size)


if __name__ == "__main__":
    main()
