"""The engine object per index version (indexer.index.version): opened once per version with its
values and arrays, shared by concurrent requests, replaced when the index changes and released with
its files; warming it before a worker serves (SearchService.warm and the gunicorn hook)."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from whoosh.index import open_dir

from indexer.build import WRITER_OPTIONS, build_index
from indexer.errors import IndexNotFoundError
from indexer.index import schema
from indexer.index import version as version_module
from indexer.index.store import IndexStore
from indexer.index.version import IndexReader
from search import SearchRequest, SearchService
from web.app import create_app
from web.extension import current_service
from web.server import server_options, warm_worker

CORPUS = Path(__file__).parent / "data" / "corpus"


@pytest.fixture
def service(index_dir: Path) -> Iterator[SearchService]:
    service = SearchService(index_dir)
    yield service
    service.close()


def _assert_warm(service: SearchService) -> None:
    version = service.store.live_version()
    documents = version.doc_count_all
    assert len(version.values.live) == documents
    for field in schema.LENGTH_FIELDS:
        assert len(version.values.lengths[field]) == documents
    assert all(segment.postings is not None for segment in version.segments)


def test_warm_opens_the_live_version_with_its_values_lengths_and_arrays(
    service: SearchService,
) -> None:
    service.warm()
    _assert_warm(service)


def test_requests_share_the_version_warm_opened(service: SearchService) -> None:
    service.warm()
    version = service.store.live_version()
    results = service.search(SearchRequest(q="north korea"))
    assert results.total > 0
    assert service.store.live_version() is version


def test_warm_without_an_index_does_nothing(tmp_path: Path) -> None:
    SearchService(tmp_path / "no-index-here").warm()
    SearchService(tmp_path).warm()  # the folder exists but holds no index


def _copy_of_corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, workers=1)
    return corpus, index


def test_an_update_makes_a_new_version_and_retires_the_old(tmp_path: Path) -> None:
    corpus, index = _copy_of_corpus(tmp_path)
    service = SearchService(index)
    before = service.store.live_version()
    assert service.search(SearchRequest(q="lantern")).total == 1
    (corpus / "wikinews" / "lantern-festival-in-taipei.html").unlink()
    build_index(corpus, index, workers=1)
    assert service.search(SearchRequest(q="lantern")).total == 0
    after = service.store.live_version()
    assert after is not before and after.key > before.key
    assert before.retired and not after.retired
    service.close()


def test_a_document_is_read_once_per_version_while_the_cache_holds_it(
    service: SearchService,
) -> None:
    with service.store.reader() as reader:
        first = reader.article(0)
        assert reader.article(0) is first
        calls: list[int] = []

        def count_words() -> int:
            calls.append(1)
            return len(first.body.split())

        values = [reader.document_value("words", 0, count_words, lambda _: 1) for _ in range(3)]
    assert values == [len(first.body.split())] * 3 and len(calls) == 1
    with service.store.reader() as reader:
        assert reader.article(0) is first  # the next request, same version


def test_the_document_cache_keeps_within_its_budget(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(version_module, "DOCUMENT_CACHE_CHARS", 1)
    service.close()
    with service.store.reader() as reader:
        first = reader.article(0)
        reader.article(1)
        assert reader.article(0) is not first  # evicted, read again
        assert reader.article(0) == first


def test_an_index_of_another_format_says_to_rebuild_it_and_the_next_build_does(
    tmp_path: Path,
) -> None:
    corpus, index = _copy_of_corpus(tmp_path)
    manifest = IndexStore(index).manifest_path()
    with sqlite3.connect(manifest) as db:  # as an older artsearch left it
        db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(IndexNotFoundError, match=r"index format 4.*--rebuild"):
        SearchService(index).search(SearchRequest(q="lantern"))
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    answer = client.get("/api/search?q=lantern")
    assert answer.status_code == 503
    assert "--rebuild" in answer.get_json()["error"]["message"]
    build_index(corpus, index, workers=1)  # an incremental run rebuilds it
    assert SearchService(index).search(SearchRequest(q="lantern")).total == 1


def _values_from_terms(reader: IndexReader, field: str) -> dict[str, list[int]]:
    return {key: sorted(reader.term_docs(field, key).tolist()) for key in reader.expand(field, "")}


def _values_from_arrays(reader: IndexReader, field: str) -> dict[str, list[int]]:
    found = reader.field_values(field)
    assert found is not None
    names, docs, codes = found
    assert list(names) == sorted(names)
    return {name: sorted(docs[codes == code].tolist()) for code, name in enumerate(names)}


def test_author_and_tag_values_come_from_arrays_as_the_terms_give_them(tmp_path: Path) -> None:
    corpus, index = _copy_of_corpus(tmp_path)
    (corpus / "wikinews" / "lantern-festival-in-taipei.html").unlink()
    shutil.copy(CORPUS / "wikinews" / "lantern-festival-in-taipei.html", corpus / "again.html")
    build_index(corpus, index, workers=1)  # a second segment, and a deleted document
    service = SearchService(index)
    with service.store.reader() as reader:
        assert len(reader.version.segments) > 1 and reader.doc_count < reader.doc_count_all
        for field in schema.VALUE_ARRAY_FIELDS:
            from_arrays = _values_from_arrays(reader, field)
            assert from_arrays == _values_from_terms(reader, field)
            assert sum(map(len, from_arrays.values())) > 10
    facets = service.search(SearchRequest(q="said")).facets
    service.close()
    for written in index.glob("gen-*/*.arr_values.npz"):  # as an index written before them
        written.unlink()
    service = SearchService(index)
    with service.store.reader() as reader:
        assert reader.field_values(schema.TAGS) is None
    assert service.search(SearchRequest(q="said")).facets == facets
    assert facets["author"] and facets["tag"]
    service.close()


def _mapped_deleted_files(folder: Path) -> list[str]:
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return [line for line in maps if str(folder) in line and "(deleted)" in line]


def test_files_of_merged_segments_are_released_after_the_next_request(tmp_path: Path) -> None:
    corpus, index = _copy_of_corpus(tmp_path)
    service = SearchService(index)
    generation = service.store.current_generation()
    assert service.search(SearchRequest(q="korea")).total > 0  # maps the arrays
    ix = open_dir(str(generation))
    ix.writer(**WRITER_OPTIONS).commit(optimize=True)  # merge: the old segment files go
    ix.close()
    assert service.search(SearchRequest(q="korea")).total > 0
    gc.collect()
    assert not _mapped_deleted_files(generation)
    service.close()


def test_concurrent_requests_during_updates_all_get_whole_answers(tmp_path: Path) -> None:
    corpus, index = _copy_of_corpus(tmp_path)
    service = SearchService(index)
    expected = service.search(SearchRequest(q="korea")).total
    errors: list[BaseException] = []
    totals: list[int] = []

    def search_many() -> None:
        try:
            for _ in range(30):
                totals.append(service.search(SearchRequest(q="korea")).total)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=search_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for name in ("extra-1.html", "extra-2.html"):  # updates that add no korea story
        (corpus / name).write_text("<html><body><h1>Ferry fares</h1><p>" + "Fares rise. " * 40)
        build_index(corpus, index, workers=1)
    for thread in threads:
        thread.join()
    assert not errors
    assert set(totals) == {expected}
    service.close()
    assert os.path.isdir(index)


def test_server_options_install_the_warming_hook() -> None:
    options = server_options(host="127.0.0.1", port=8000, workers=2, threads=4)
    config = Config()
    for key, value in options.items():
        config.set(key, value)  # gunicorn validates the hook's signature here
    assert config.post_worker_init is warm_worker


def test_warm_worker_warms_the_apps_service(index_dir: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    warm_worker(SimpleNamespace(wsgi=app, pid=1234))
    with app.app_context():
        _assert_warm(current_service())


def test_warm_worker_logs_a_failure_and_keeps_the_worker(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, index_dir: Path
) -> None:
    def broken(self: SearchService) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr(SearchService, "warm", broken)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    with caplog.at_level(logging.ERROR, logger="web.server"):
        warm_worker(SimpleNamespace(wsgi=app, pid=1234))
    assert "warming the search caches failed" in caplog.text
    assert "disk went away" in caplog.text


def test_warm_worker_skips_an_app_that_failed_to_load(caplog: pytest.LogCaptureFixture) -> None:
    def error_app(environ: object, start_response: object) -> list[bytes]:
        return []

    with caplog.at_level(logging.INFO, logger="web.server"):
        warm_worker(SimpleNamespace(wsgi=error_app, pid=1234))
    assert "warmed" not in caplog.text
