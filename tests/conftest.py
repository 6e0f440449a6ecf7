"""Shared fixtures: one index built from tests/data/corpus per session, and the Flask app on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.build import build_index
from web.app import create_app

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of tests/data/corpus, built once per test session; tests must not write to it."""
    index = tmp_path_factory.mktemp("artsearch") / "index"
    report = build_index(CORPUS, index, workers=1)
    assert report.articles > 0, report.to_dict()
    return index


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    yield create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def no_index_client(tmp_path: Path) -> FlaskClient:
    """A client of an app whose index folder does not exist (yet)."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "no-index-here")})
    return app.test_client()
