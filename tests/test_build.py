"""Building and updating indexes: reports, incremental updates, deduplication, atomic swaps."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from indexer.build import build_index, read_skip_report, summarise_skips
from indexer.errors import IndexBusyError, IndexerError, ShrinkRefusedError
from indexer.index.manifest import Manifest, unpacked_article
from indexer.index.store import CURRENT_FILE, GENERATION_PREFIX, IndexStore
from indexer.pool import Limits
from search import ArticleNotFoundError, SearchService, parse_request

CORPUS = Path(__file__).parent / "data" / "corpus"
GOOD_PAGES = 12
STORIES = 11
NORTH_KOREA = "outlets/daily-planet-north-korea-quasi-state-of-war.html"
NORTH_KOREA_COPY = "outlets/metro-times-north-korea-quasi-state-of-war.html"
AGGREGATOR = "aggregator/daily8-texas-student-ahmed-mohamed.html"
HAJJ = "wikinews/hundreds-dead-in-hajj-stampede.html"
CRANE = "outlets/daily-planet-mecca-crane-collapse.html.gz"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the test corpus."""
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    return copy


def ids_for(index: Path, q: str) -> list[str]:
    results = SearchService(index).search(
        parse_request({"q": q, "per_page": "100", "group": "none"})
    )
    return [hit.article.id for hit in results.hits]


def paths_and_ids(index: Path, q: str) -> dict[str, str]:
    results = SearchService(index).search(
        parse_request({"q": q, "per_page": "100", "group": "none"})
    )
    return {hit.article.path: hit.article.id for hit in results.hits}


def paths_for(index: Path, q: str) -> list[str]:
    results = SearchService(index).search(
        parse_request({"q": q, "per_page": "100", "group": "none"})
    )
    return [hit.article.path for hit in results.hits]


def test_full_build_reports_pages_skips_and_ignored_files(corpus: Path, tmp_path: Path) -> None:
    report = build_index(corpus, tmp_path / "index", workers=1)
    assert report.rebuilt
    assert report.indexed == GOOD_PAGES
    assert [s.path for s in report.skipped] == ["aggregator/broken-download.html"]
    assert report.skipped[0].reason
    assert report.ignored == 2  # notes.txt and EXPECTED.md
    assert report.articles == STORIES
    assert report.embedded == 3


def test_same_story_on_several_pages_is_indexed_once_from_its_own_page(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    report = build_index(corpus, index, workers=1)
    assert report.duplicates >= 4  # a syndicated copy and three rail copies
    assert paths_for(index, '"quasi-state of war"') == [NORTH_KOREA]
    assert paths_for(index, '"crane collapse"') == [CRANE]


def test_rerun_with_nothing_changed_touches_nothing(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    generation = IndexStore(index).current_generation()
    report = build_index(corpus, index, workers=1)
    assert not report.rebuilt
    assert (report.indexed, report.updated, report.removed) == (0, 0, 0)
    assert report.unchanged == GOOD_PAGES + 1  # the skipped page is not retried either
    assert report.articles == STORIES
    assert IndexStore(index).current_generation() == generation


def test_touched_but_identical_file_is_not_reindexed(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    page = corpus / NORTH_KOREA
    os.utime(page, (1_000_000_000, 1_000_000_000))
    report = build_index(corpus, index, workers=1)
    assert report.updated == 0
    assert report.unchanged == GOOD_PAGES + 1


def test_incremental_update_handles_new_changed_and_removed_pages(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    hajj = paths_and_ids(index, '"Hundreds dead in Hajj stampede"')[HAJJ]
    changed = corpus / "wikinews" / "lantern-festival-in-taipei.html"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(
            "<p>If you really want",
            "<p>Organisers reported a record zyxwquartz attendance.</p><p>If you really want",
            1,
        ),
        encoding="utf-8",
    )
    shutil.copy(corpus / "outlets" / "metro-times-warhol-photo-legacy.html", corpus / "new.html")
    (corpus / "outlets" / "metro-times-warhol-photo-legacy.html").unlink()
    (corpus / HAJJ).unlink()

    report = build_index(corpus, index, workers=1)

    assert not report.rebuilt
    assert (report.indexed, report.updated, report.removed) == (1, 1, 2)
    assert paths_for(index, "zyxwquartz") == ["wikinews/lantern-festival-in-taipei.html"]
    assert paths_for(index, "Warhol") == ["new.html"]
    with pytest.raises(ArticleNotFoundError):
        SearchService(index).article(hajj)
    assert report.articles == STORIES - 1


def test_removing_an_articles_own_page_keeps_its_copy_from_elsewhere(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    before = ids_for(index, '"crane collapse"')
    (corpus / CRANE).unlink()
    report = build_index(corpus, index, workers=1)
    assert report.removed == 1
    assert ids_for(index, '"crane collapse"') == before  # same story, same id
    assert paths_for(index, '"crane collapse"') == [AGGREGATOR]
    article = SearchService(index).article(before[0])
    assert article.embedded


def test_the_manifest_keeps_each_copy_compressed_and_reads_plain_json_too(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    path = IndexStore(index).manifest_path()
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT id, data FROM articles ORDER BY rowid").fetchall()
    db.close()
    manifest = Manifest(path)
    try:
        kept = list(manifest.iter_articles())
    finally:
        manifest.close()
    assert stored and all(isinstance(data, bytes) for _, data in stored)
    assert [unpacked_article(data) for _, data in stored] == kept
    for article_id, data in stored:
        article = unpacked_article(data)
        assert article.id == article_id
        plain = json.dumps(article.to_dict())
        assert unpacked_article(plain) == article  # as a manifest written before compression
        assert len(data) < len(plain.encode("utf-8"))


def _docnum(index: Path, article_id: str) -> int | None:
    with IndexStore(index).searcher() as searcher:
        return searcher.document_number(id=article_id)  # type: ignore[no-any-return]


def test_changing_a_rail_leaves_the_own_pages_of_its_stories_alone(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    crane = ids_for(index, '"crane collapse"')[0]
    crane_docnum = _docnum(index, crane)
    page = corpus / AGGREGATOR
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "a global social movement", "a global zyxwquartz movement", 1
        ),
        encoding="utf-8",
    )
    report = build_index(corpus, index, workers=1)
    assert report.updated == 1
    assert paths_for(index, "zyxwquartz") == [AGGREGATOR]
    # The rail's copy of the crane story changed file, not the copy the index holds.
    assert _docnum(index, crane) == crane_docnum
    assert paths_for(index, '"crane collapse"') == [CRANE]


def test_an_own_page_coming_back_replaces_the_copy_from_a_rail(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    kept = tmp_path / "crane.html.gz"
    shutil.move(corpus / CRANE, kept)
    build_index(corpus, index, workers=1)
    assert paths_for(index, '"crane collapse"') == [AGGREGATOR]
    shutil.move(kept, corpus / CRANE)
    report = build_index(corpus, index, workers=1)
    assert report.indexed == 1
    assert paths_for(index, '"crane collapse"') == [CRANE]
    assert report.articles == STORIES


def test_editing_an_own_page_leaves_its_old_story_to_the_rail_copy(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    old_id = ids_for(index, '"crane collapse"')[0]
    page = corpus / CRANE
    html = gzip.decompress(page.read_bytes()).decode("utf-8")
    edited = html.replace("A storm yesterday caused", "A storm on Friday caused")  # JSON-LD too
    assert edited != html
    page.write_bytes(gzip.compress(edited.encode("utf-8")))
    build_index(corpus, index, workers=1)
    # The edited page is a new version of the story; the rail still shows the old one.
    old = SearchService(index).article(old_id)
    assert (old.path, old.embedded) == (AGGREGATOR, True)
    assert sorted(paths_for(index, '"crane collapse"')) == sorted([AGGREGATOR, CRANE])


def test_rebuild_swaps_in_a_new_generation_and_removes_old_ones(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    first = IndexStore(index).current_generation()
    build_index(corpus, index, workers=1, rebuild=True)
    second = IndexStore(index).current_generation()
    build_index(corpus, index, workers=1, rebuild=True)
    third = IndexStore(index).current_generation()
    assert len({first, second, third}) == 3
    generations = sorted(p.name for p in index.iterdir() if p.name.startswith(GENERATION_PREFIX))
    assert generations == sorted([second.name, third.name])  # the live one and the previous one
    assert (index / CURRENT_FILE).read_text().strip() == third.name


def test_interrupted_rebuild_leaves_the_old_index_serving(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    live = IndexStore(index).current_generation()

    def interrupt_at_the_fifth_page(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-build

    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index, workers=1, rebuild=True, progress=interrupt_at_the_fifth_page)

    assert IndexStore(index).current_generation() == live
    assert [p for p in index.iterdir() if p.name.startswith(GENERATION_PREFIX)] == [live]
    assert len(ids_for(index, "Warhol")) == 1


def test_second_writer_is_refused_while_one_is_writing(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    store = IndexStore(index)
    entered, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with store.write_lock():
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    entered.wait(10)
    try:
        with pytest.raises(IndexBusyError, match="another process is writing"):
            build_index(corpus, index, workers=1)
    finally:
        release.set()
        holder.join()


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexerError, match="does not exist"):
        build_index(tmp_path / "nowhere", tmp_path / "index")


def test_parallel_extraction_builds_the_same_index(corpus: Path, tmp_path: Path) -> None:
    serial = build_index(corpus, tmp_path / "serial", workers=1)
    parallel = build_index(corpus, tmp_path / "parallel", workers=2)
    assert (parallel.indexed, parallel.articles) == (serial.indexed, serial.articles)
    assert sorted(ids_for(tmp_path / "parallel", "")) == sorted(ids_for(tmp_path / "serial", ""))


def test_index_written_under_another_schema_version_is_rebuilt(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    manifest = Manifest(IndexStore(index).manifest_path())
    manifest.set_meta(schema_version="0")
    manifest.commit()
    manifest.close()
    report = build_index(corpus, index, workers=1)
    assert report.rebuilt
    assert report.indexed == GOOD_PAGES
    assert build_index(corpus, index, workers=1).rebuilt is False


# -- hostile archives (issue 11) -----------------------------------------------------------------

PAGE = (
    "<html><head><title>{title}</title></head>"
    "<body><article><h1>{title}</h1>{body}</article></body></html>"
)


def page(title: str, words: str = "zyxwquartz stories about the harbour") -> bytes:
    body = "".join(
        f"<p>{words} paragraph {n} of {title}, long enough to be a body.</p>" for n in range(8)
    )
    return PAGE.format(title=title, body=body).encode("utf-8")


def test_a_hostile_corpus_builds_every_good_page_and_names_every_bad_entry(
    tmp_path: Path,
) -> None:
    root = tmp_path / "corpus"
    (root / "x.html").mkdir(parents=True)  # a folder named like a page
    (root / "x.html" / "inside.html").write_bytes(page("Inside a folder named x.html"))
    (root / "good.html").write_bytes(page("A good page"))
    with open(os.fsencode(root) + b"/caf\xe9.html", "wb") as handle:  # not UTF-8
        handle.write(page("A page with a Latin-1 file name"))
    (root / "with space\nnewline.html").write_bytes(page("Spaces and newlines in the name"))
    latin1 = page("Caf\u00e9 au lait").decode("utf-8").encode("latin-1")
    bogus_label = latin1.replace(b"<head>", b'<head><meta charset="base64">')
    (root / "base64-label.html").write_bytes(bogus_label)
    members = gzip.compress(page("Many gzip members")) + gzip.compress(b" ") * 50_000
    (root / "members.html.gz").write_bytes(members)
    os.symlink(".", root / "self")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    os.symlink("/etc/passwd", root / "passwd.html")
    os.symlink("missing.html", root / "dangling.html")
    os.mkfifo(root / "fifo.html")
    with open(root / "huge.html", "wb") as handle:  # 1 GB, sparse: must not be read
        handle.truncate(1 << 30)
    (root / "empty.html").write_bytes(b"")
    (root / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    # 256 MB per page: reading the 1 GB file whole would fail with "needs more than", not the size.
    report = build_index(root, tmp_path / "index", workers=2, limits=Limits(memory_bytes=256 << 20))

    reasons = {s.path: s.reason for s in report.skipped}
    assert report.indexed == 6, reasons
    titles = {hit.article.title for hit in _all_hits(tmp_path / "index")}
    assert {
        "A good page",
        "Inside a folder named x.html",
        "A page with a Latin-1 file name",
        "Spaces and newlines in the name",
        "Caf\u00e9 au lait",
        "Many gzip members",
    } <= titles
    assert reasons["self"].startswith("symlink loop")
    assert reasons["a"].startswith("symlink loop") and reasons["b"].startswith("symlink loop")
    assert reasons["passwd.html"].startswith("link outside the corpus")
    assert reasons["dangling.html"].startswith("dangling link")
    assert reasons["fifo.html"] == "not a regular file: a FIFO"
    assert reasons["huge.html"].startswith("page is larger than the 50 MB limit")
    assert reasons["empty.html"] == "empty file"
    assert reasons["binary.html"] == "binary file, not HTML"
    assert len(reasons) == 9
    assert "caf\\xe9.html" in {hit.article.path for hit in _all_hits(tmp_path / "index")}


def _all_hits(index: Path) -> tuple[Any, ...]:
    return SearchService(index).search(parse_request({"q": "", "per_page": "100"})).hits


def test_the_skip_report_stays_true_across_incremental_runs(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    os.symlink("nowhere.html", corpus / "dangling.html")
    first = build_index(corpus, index, workers=1)
    expected = {"aggregator/broken-download.html", "dangling.html"}
    assert {s.path for s in first.skipped} == expected
    (corpus / "new.html").write_bytes(page("A new page"))
    again = build_index(corpus, index, workers=1)
    assert again.indexed == 1
    assert {s.path for s in again.skipped} == expected  # still not indexed
    assert again.new_skips == []
    assert set(read_skip_report(index)) == expected
    assert summarise_skips(read_skip_report(index)) == [
        ("binary file, not HTML", 1),
        ("dangling link", 1),
    ]
    lines = (IndexStore(index).current_generation() / "skipped.jsonl").read_text().splitlines()
    assert [json.loads(line)["path"] for line in lines] == sorted(expected)


def test_an_empty_or_unmounted_corpus_does_not_wipe_the_index(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    live = IndexStore(index).current_generation()
    empty = tmp_path / "empty"
    empty.mkdir()
    for rebuild in (False, True):
        with pytest.raises(ShrinkRefusedError, match="--allow-shrink"):
            build_index(empty, index, workers=1, rebuild=rebuild)
        assert IndexStore(index).current_generation() == live
        assert len(_all_hits(index)) == STORIES
    report = build_index(empty, index, workers=1, allow_shrink=True)
    assert report.removed == GOOD_PAGES + 1 and report.articles == 0


def test_removing_less_than_half_of_the_index_needs_no_permission(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    shutil.rmtree(corpus / "wikinews")
    assert build_index(corpus, index, workers=1).removed == 3


def test_a_generation_left_by_a_killed_rebuild_is_removed_by_the_next_run(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    live = IndexStore(index).current_generation()
    partial = index / f"{GENERATION_PREFIX}99990101T000000000000-1"
    partial.mkdir()
    (partial / "_MAIN_1.toc").write_bytes(b"half written")
    build_index(corpus, index, workers=1)
    assert not partial.exists()
    assert IndexStore(index).current_generation() == live


LOCK_THEN_ORPHAN = """
import os, signal, sys, time
from indexer.index.store import IndexStore
with IndexStore(sys.argv[1]).write_lock():
    child = os.fork()
    if child == 0:  # a child inherits the lock file's descriptor, as forked workers did
        os.close(1)
        time.sleep(30)
        os._exit(0)
    print(child, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # the writer dies; its child lives on
"""


def test_a_dead_writers_children_do_not_keep_the_index_locked(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    run = subprocess.run(
        [sys.executable, "-c", LOCK_THEN_ORPHAN, str(index)], stdout=subprocess.PIPE, timeout=30
    )
    orphan = int(run.stdout)
    try:
        os.kill(orphan, 0)  # alive, holding a copy of the lock file's descriptor
        report = build_index(corpus, index, workers=1)  # base: "another process is writing"
        assert report.articles == STORIES
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_a_busy_index_names_the_writers_pid(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom indexer.index.store import IndexStore\n"
         "with IndexStore(sys.argv[1]).write_lock():\n    print('locked', flush=True)\n"
         "    time.sleep(30)\n", str(index)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        with pytest.raises(IndexBusyError, match=f"pid {holder.pid}"):
            build_index(corpus, index, workers=1)
    finally:
        holder.kill()
        holder.communicate()
    assert build_index(corpus, index, workers=1).articles == STORIES  # released by its death


def test_a_script_without_a_main_guard_stops_with_the_fix_and_writes_no_index(
    tmp_path: Path,
) -> None:
    # Every extraction worker imports the script's main module as it starts: without the guard,
    # each re-ran build_index, died on the write lock, and the build skipped every page and
    # reported success with an empty index.
    call = f"build_index({str(CORPUS)!r}, {str(tmp_path / 'index')!r}, workers=1)"
    unguarded = tmp_path / "unguarded.py"
    unguarded.write_text(f"from indexer.build import build_index\n{call}\n")
    guarded = tmp_path / "guarded.py"
    guarded.write_text(
        f"from indexer.build import build_index\nif __name__ == '__main__':\n    {call}\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}

    def run(script: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    failed = run(unguarded)
    assert failed.returncode == 1
    assert "WorkersCannotStartError" in failed.stderr
    assert 'if __name__ == "__main__":' in failed.stderr
    assert not IndexStore(tmp_path / "index").exists()
    assert run(guarded).returncode == 0
    assert len(ids_for(tmp_path / "index", "north korea")) == 1


def test_cancelling_after_a_commit_does_not_hide_the_error(tmp_path: Path) -> None:
    from whoosh import index

    from indexer.build import _SegmentedWriter
    from indexer.index.schema import build_schema

    writer = _SegmentedWriter(index.create_in(str(tmp_path), build_schema()), segment_docs=None)
    writer.commit()
    writer.cancel()  # the writer is closed: nothing to cancel, no "This writer is closed"
