"""Warming a process's search caches before it serves: SearchService.warm and the gunicorn hook."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

import search.docsets
from indexer.index import schema
from search import SearchRequest, SearchService, execute
from search.docsets import DocSets, version_key
from web.app import create_app
from web.server import server_options, warm_worker


@pytest.fixture
def docsets(monkeypatch: pytest.MonkeyPatch) -> DocSets:
    """Empty process caches, so that what a test finds in them was put there by that test."""
    fresh = DocSets()
    monkeypatch.setattr(execute, "DOCSETS", fresh)
    return fresh


@pytest.fixture
def service(index_dir: Path) -> Iterator[SearchService]:
    service = SearchService(index_dir)
    yield service
    service.store.close()


def _assert_warm(docsets: DocSets, service: SearchService) -> None:
    with service.store.searcher() as searcher:
        key = version_key(searcher)
        documents = searcher.reader().doc_count_all()
    assert key in docsets._values
    assert len(docsets._values[key].live) == documents
    for field in (schema.BODY, schema.TITLE):
        assert len(docsets._lengths[(key, "#length", field)]) == documents


def test_warm_loads_the_values_and_lengths_of_the_live_version(
    docsets: DocSets, service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapped: dict[object, object] = {}
    monkeypatch.setattr(search.docsets, "_SEGMENT_ARRAYS", mapped)
    assert not docsets._values and not docsets._lengths
    service.warm()
    _assert_warm(docsets, service)
    assert mapped and all(arrays is not None for arrays in mapped.values())


def test_a_search_after_warm_loads_no_document_values(
    docsets: DocSets, service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.warm()

    def cold(searcher: object) -> None:
        raise AssertionError("the search loaded document values that warm() should have loaded")

    monkeypatch.setattr(search.docsets, "_load_values", cold)
    results = service.search(SearchRequest(q="north korea"))
    assert results.total > 0


def test_warm_without_an_index_does_nothing(docsets: DocSets, tmp_path: Path) -> None:
    SearchService(tmp_path / "no-index-here").warm()
    SearchService(tmp_path).warm()  # the folder exists but holds no index
    assert not docsets._values and not docsets._lengths


def test_server_options_install_the_warming_hook() -> None:
    options = server_options(host="127.0.0.1", port=8000, workers=2, threads=4)
    config = Config()
    for key, value in options.items():
        config.set(key, value)  # gunicorn validates the hook's signature here
    assert config.post_worker_init is warm_worker


def test_warm_worker_warms_the_apps_service(docsets: DocSets, index_dir: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    warm_worker(SimpleNamespace(wsgi=app, pid=1234))
    service = SearchService(index_dir)
    try:
        _assert_warm(docsets, service)
    finally:
        service.store.close()


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


def test_warm_worker_skips_an_app_that_failed_to_load(docsets: DocSets) -> None:
    def error_app(environ: object, start_response: object) -> list[bytes]:
        return []

    warm_worker(SimpleNamespace(wsgi=error_app, pid=1234))
    assert not docsets._values
