"""Web archives (WARC, WACZ) as corpus input: written with warcio from the test pages, read back by
the scan, the build, the CLI and the real server."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest
from live_server import artsearch_command, get, running_server
from warc_files import BASE_URI, Capture, captures_of, write_wacz, write_warc

from indexer import archives
from indexer.archives import EARLIER_CAPTURE, NOT_HTML, NOT_OK, REVISIT, scan_archive
from indexer.article import PROVENANCE_ORIGINS
from indexer.build import build_index
from indexer.corpus import CorpusFile, list_corpus
from indexer.errors import IndexerError
from search import SearchService, parse_request

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
PAGES = DATA / "archives"
CAPTURED = "2024-03-01T12:00:00Z"


def _page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def _listed(path: Path) -> CorpusFile:
    info = path.stat()
    return CorpusFile(path.name, info.st_size, info.st_mtime_ns)


def _articles(index: Path) -> dict[str, object]:
    service = SearchService(index)
    results = service.search(parse_request({"q": "", "per_page": "100"}))
    return {hit.article.path: hit.article for hit in results.hits}


def test_each_html_capture_is_an_entry_and_other_records_are_counted_by_kind(
    tmp_path: Path,
) -> None:
    warc = write_warc(tmp_path / "crawl.warc.gz", captures_of(CORPUS))
    scan = scan_archive(str(tmp_path), _listed(warc))
    html_pages = len(list(CORPUS.rglob("*.html")))
    assert scan.problem is None and scan.complete
    assert len(scan.records) == html_pages
    assert all(path.startswith("crawl.warc.gz#" + BASE_URI) for path in scan.records)
    # The crawler's request records are not captures and not counted.
    assert scan.counts == {REVISIT: 1, NOT_HTML: 1, NOT_OK: 1}


def test_the_latest_capture_of_a_uri_wins_and_earlier_ones_are_counted(tmp_path: Path) -> None:
    uri = BASE_URI + "ferry"
    older = Capture(uri, _page("undated.html"), "2024-01-01T00:00:00Z")
    newer = Capture(uri, _page("relative-date.html"), "2024-03-01T00:00:00Z")
    # The newer capture first in the file: the date decides, not the order.
    warc = write_warc(tmp_path / "two.warc", [newer, older], extras=False)
    scan = scan_archive(str(tmp_path), _listed(warc))
    assert list(scan.records) == [f"two.warc#{uri}"]
    assert scan.records[f"two.warc#{uri}"].captured.startswith("2024-03-01")
    assert scan.counts == {EARLIER_CAPTURE: 1}


def test_a_capture_takes_its_uri_as_url_and_its_date_for_relative_and_missing_dates(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_warc(
        corpus / "crawl.warc.gz",
        [
            Capture(BASE_URI + "ferry", _page("relative-date.html"), CAPTURED),
            Capture(BASE_URI + "lanterns", _page("undated.html"), CAPTURED),
        ],
        extras=False,
    )
    report = build_index(corpus, tmp_path / "index", workers=1)
    assert report.indexed == 2, report.to_dict()
    found = _articles(tmp_path / "index")
    ferry = found[f"crawl.warc.gz#{BASE_URI}ferry"]
    assert ferry.url == BASE_URI + "ferry"  # type: ignore[attr-defined]
    # "Posted 2 days ago", counted back from the capture date (2024-03-01).
    assert ferry.published == "2024-02-28"  # type: ignore[attr-defined]
    assert ferry.provenance["published_reference"] == "capture"  # type: ignore[attr-defined]
    lanterns = found[f"crawl.warc.gz#{BASE_URI}lanterns"]
    assert lanterns.published == "2024-03-01T12:00:00+00:00"  # type: ignore[attr-defined]
    assert lanterns.provenance["published"] == "capture"  # type: ignore[attr-defined]
    for article in found.values():
        assert set(article.provenance.values()) <= set(PROVENANCE_ORIGINS)  # type: ignore[attr-defined]


def test_a_declared_canonical_url_is_kept_over_the_target_uri(tmp_path: Path) -> None:
    page = CORPUS / "outlets" / "daily-planet-hong-kong-election.html"
    warc = write_warc(tmp_path / "c.warc", [Capture(BASE_URI + "hk", page.read_bytes())])
    report = build_index(warc, tmp_path / "index", workers=1)
    assert report.indexed == 1
    (article,) = [a for a in _articles(tmp_path / "index").values() if not a.embedded]  # type: ignore[attr-defined]
    assert article.url == "https://dailyplanet.example/politics/2016-09-09/hong-kong-election"  # type: ignore[attr-defined]


def test_gzip_encoded_and_chunked_payloads_are_decoded(tmp_path: Path) -> None:
    body = _page("undated.html")
    warc = write_warc(
        tmp_path / "encoded.warc.gz",
        [
            Capture(BASE_URI + "gzip", body, gzip_encoded=True),
            Capture(BASE_URI + "chunked", body, chunked=True),
            Capture(BASE_URI + "both", body, gzip_encoded=True, chunked=True),
        ],
        extras=False,
    )
    scan = scan_archive(str(tmp_path), _listed(warc))
    assert {record.sha for record in scan.records.values()} == {archives.content_hash(body)}
    report = build_index(warc, tmp_path / "index", workers=1)
    assert report.indexed == 3 and not report.skipped, report.to_dict()


def test_a_recrawled_archive_extracts_only_what_changed_and_removes_what_is_gone(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    same = Capture(BASE_URI + "ferry", _page("relative-date.html"))
    changed = Capture(BASE_URI + "lanterns", _page("undated.html"))
    hong_kong = CORPUS / "outlets/daily-planet-hong-kong-election.html"
    gone = Capture(BASE_URI + "hk", hong_kong.read_bytes())
    warc = corpus / "crawl.warc.gz"
    write_warc(warc, [same, changed, gone])
    first = build_index(corpus, tmp_path / "index", workers=1)
    assert first.indexed == 3

    new_body = _page("undated.html").replace(b"doubled", b"tripled")
    stampede = CORPUS / "wikinews/hundreds-dead-in-hajj-stampede.html"
    added = Capture(BASE_URI + "stampede", stampede.read_bytes())
    write_warc(warc, [
        Capture(same.uri, same.body, "2024-04-01T00:00:00Z"),  # re-captured, same payload
        Capture(changed.uri, new_body, "2024-04-01T00:00:00Z"),
        added,
    ])  # fmt: skip
    second = build_index(corpus, tmp_path / "index", workers=1, allow_shrink=True)
    assert (second.indexed, second.updated, second.unchanged, second.removed) == (1, 1, 1, 1)
    paths = set(_articles(tmp_path / "index"))
    assert f"crawl.warc.gz#{gone.uri}" not in paths
    assert f"crawl.warc.gz#{added.uri}" in paths
    body = SearchService(tmp_path / "index").search(parse_request({"q": "tripled"}))
    assert body.total == 1


def test_a_capture_that_gave_no_article_is_not_extracted_again_while_it_is_the_same(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    empty = Capture(BASE_URI + "empty", b"<html><body><nav>Home</nav></body></html>")
    ferry = Capture(BASE_URI + "ferry", _page("relative-date.html"))
    warc = corpus / "crawl.warc"
    write_warc(warc, [empty, ferry], extras=False)
    first = build_index(corpus, tmp_path / "index", workers=1)
    assert [s.path for s in first.skipped] == [f"crawl.warc#{empty.uri}"]
    write_warc(warc, [empty, ferry, Capture(BASE_URI + "lanterns", _page("undated.html"))],
               extras=False)  # fmt: skip
    second = build_index(corpus, tmp_path / "index", workers=1)
    assert (second.indexed, second.unchanged) == (1, 2)
    assert [(s.path, s.new) for s in second.skipped] == [(f"crawl.warc#{empty.uri}", False)]


def test_an_unchanged_archive_is_not_read_again(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    warc = write_warc(corpus / "crawl.warc.gz", captures_of(CORPUS))
    build_index(corpus, tmp_path / "index", workers=1)
    # Same size and modification time, but garbage inside: reading it would report it broken.
    info = warc.stat()
    warc.write_bytes(b"\0" * info.st_size)
    os.utime(warc, ns=(info.st_atime_ns, info.st_mtime_ns))
    again = build_index(corpus, tmp_path / "index", workers=1)
    assert again.skipped == [s for s in again.skipped if not s.new]
    assert again.unchanged == len(list(CORPUS.rglob("*.html")))
    assert again.records == {REVISIT: 1, NOT_HTML: 1, NOT_OK: 1}  # kept from the run that read it


def test_a_wacz_file_is_read_like_the_warc_files_it_holds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    captures = captures_of(CORPUS)
    first = write_warc(tmp_path / "part-1.warc.gz", captures[:4])
    second = write_warc(tmp_path / "part-2.warc.gz", captures[4:], extras=False)
    write_wacz(corpus / "crawl.wacz", [first, second], captures)
    report = build_index(corpus, tmp_path / "index", workers=2)
    pages = len(list(CORPUS.rglob("*.html")))
    assert report.indexed + len(report.skipped) == pages, report.to_dict()
    assert report.records == {REVISIT: 1, NOT_HTML: 1, NOT_OK: 1}
    assert all(p.startswith("crawl.wacz#" + BASE_URI) for p in _articles(tmp_path / "index"))


def test_a_single_archive_file_is_a_corpus_and_another_file_is_refused(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "crawl.warc", captures_of(CORPUS))
    assert list(list_corpus(warc).archives) == ["crawl.warc"]
    report = build_index(warc, tmp_path / "index", workers=1)
    assert report.indexed > 0
    other = tmp_path / "notes.txt"
    other.write_text("not an archive")
    with pytest.raises(IndexerError, match="not a web archive"):
        build_index(other, tmp_path / "index2", workers=1)


def test_a_truncated_archive_is_named_and_loses_nothing_the_index_had(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    warc = write_warc(corpus / "crawl.warc.gz", captures_of(CORPUS))
    first = build_index(corpus, tmp_path / "index", workers=1)
    warc.write_bytes(warc.read_bytes()[: warc.stat().st_size // 2])  # half-synced
    again = build_index(corpus, tmp_path / "index", workers=1)
    assert again.removed == 0
    assert again.articles == first.articles
    (problem,) = [s for s in again.skipped if s.path == "crawl.warc.gz"]
    assert problem.reason.startswith("broken archive") and problem.new


def test_an_archive_gzipped_whole_is_skipped_with_the_command_that_fixes_it(
    tmp_path: Path,
) -> None:
    plain = write_warc(tmp_path / "plain.warc", captures_of(CORPUS))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "whole.warc.gz").write_bytes(gzip.compress(plain.read_bytes()))
    report = build_index(corpus, tmp_path / "index", workers=1)
    (problem,) = [s for s in report.skipped if s.path == "whole.warc.gz"]
    assert "warcio recompress" in problem.reason


def test_a_capture_over_the_size_limit_is_skipped_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_PAGE_BYTES", 500)
    big = Capture(BASE_URI + "big", _page("undated.html"), gzip_encoded=True)
    warc = write_warc(tmp_path / "big.warc.gz", [big], extras=False)
    report = build_index(warc, tmp_path / "index", workers=1)
    (skipped,) = report.skipped
    assert skipped.path == f"big.warc.gz#{big.uri}"
    assert "larger than" in skipped.reason


def test_archives_are_indexed_by_the_cli_and_served_with_their_urls(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_warc(corpus / "crawl.warc.gz", [Capture(BASE_URI + "ferry", _page("relative-date.html"))])
    lanterns = Capture(BASE_URI + "lanterns", _page("undated.html"))
    part = write_warc(tmp_path / "part.warc.gz", [lanterns])
    write_wacz(corpus / "more.wacz", [part])
    index = tmp_path / "index"
    done = subprocess.run(
        [artsearch_command(), "index", str(corpus), "--index", str(index), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["indexed"] == 2 and report["records"] == {REVISIT: 2, NOT_HTML: 2, NOT_OK: 2}
    with running_server(index) as base:
        status, _, body = get(base + "/api/search?q=ferry")
        assert status == 200
        (hit,) = json.loads(body)["results"]
        assert hit["url"] == BASE_URI + "ferry"
        assert hit["path"] == f"crawl.warc.gz#{BASE_URI}ferry"
        status, _, body = get(base + "/api/search?q=lanterns")
        assert json.loads(body)["results"][0]["path"] == f"more.wacz#{BASE_URI}lanterns"


SAMPLE_WHEEL = "pywb-2.10.0-py2.py3-none-any.whl"
SAMPLE_FOLDER = "pywb-2.10.0.data/data/sample_archive/warcs/"
REAL_CRAWLS = ("iana.warc.gz", "example-wget-1-14.warc.gz", "example-wpull.warc.gz")


def test_real_crawls_shipped_with_pywb_are_indexed_without_a_skip(tmp_path: Path) -> None:
    """Crawls of iana.org and example.com by real crawlers (wget 1.14, wpull, pywb's recorder),
    from the sample archives in pywb's wheel (`make setup` downloads it)."""
    import sys
    import zipfile

    wheel = Path(sys.prefix) / "warc-samples" / SAMPLE_WHEEL
    assert wheel.is_file(), f"{wheel} is missing: run `make setup`"
    corpus = tmp_path / "crawls"
    corpus.mkdir()
    with zipfile.ZipFile(wheel) as samples:
        for name in REAL_CRAWLS:
            (corpus / name).write_bytes(samples.read(SAMPLE_FOLDER + name))
    report = build_index(corpus, tmp_path / "index", workers=2)
    assert report.skipped == [], report.to_dict()
    assert report.indexed >= 15
    assert report.records[REVISIT] > 100 and report.records[NOT_HTML] > 10
    found = _articles(tmp_path / "index")
    home = found["iana.warc.gz#http://www.iana.org/"]
    assert home.title == "Internet Assigned Numbers Authority"  # type: ignore[attr-defined]
    assert home.url == "http://www.iana.org/"  # type: ignore[attr-defined]
    # A home page states no publication date; whatever date is read, it is not after the
    # capture (the capture date as last resort is pinned on a written WARC above).
    assert home.published[:10] <= "2014-01-26"  # type: ignore[attr-defined]
