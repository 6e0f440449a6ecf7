"""Shared fixtures: one index built from tests/data/corpus per session, and the Flask app on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from indexer.article import Article
from indexer.build import build_index
from web.app import create_app
from web.extension import close_service

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"

# Where tests/test_browser.py saves its screenshots: the run's visual artefacts.
SCREENSHOTS = Path(
    os.environ.get("ARTSEARCH_SCREENSHOTS") or Path(__file__).parent.parent / "var" / "screenshots"
)
_SCREENSHOT_TEST = "test_browser.py::test_pages_have_no_accessibility_violations"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots of the browser tests are, when they ran."""
    reports = [r for kind in ("passed", "failed") for r in terminalreporter.stats.get(kind, [])]
    if any(_SCREENSHOT_TEST in getattr(r, "nodeid", "") for r in reports):
        shots = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"browser tests: {shots} screenshots in {SCREENSHOTS}")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of tests/data/corpus, built once per test session; tests must not write to it."""
    index = tmp_path_factory.mktemp("artsearch") / "index"
    report = build_index(CORPUS, index, workers=1)
    assert report.articles > 0, report.to_dict()
    return index


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app
    close_service(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def no_index_client(tmp_path: Path) -> FlaskClient:
    """A client of an app whose index folder does not exist (yet)."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "no-index-here")})
    return app.test_client()


# --- indexes written straight from generated articles ---------------------------------------------

SYNTHETIC_ARTICLES = 400
"""Enough articles that common words have several of Whoosh's 128-posting blocks."""

_VOCABULARY = [
    "harbour",
    "ferry",
    "crane",
    "lantern",
    "festival",
    "election",
    "council",
    "budget",
    "strike",
    "rail",
    "airport",
    "storm",
    "flood",
    "drought",
    "harvest",
    "market",
    "shares",
    "bank",
    "merger",
    "court",
    "verdict",
    "school",
    "hospital",
    "museum",
    "bridge",
    "tunnel",
    "river",
    "mountain",
    "village",
    "mayor",
    "minister",
    "senate",
    "treaty",
    "border",
    "port",
    "fleet",
    "cargo",
]
_SOURCES = ("Harbour Post", "Valley Herald", "Metro Times", "Coastal Courier")


def synthetic_articles(count: int = SYNTHETIC_ARTICLES) -> list[Article]:
    """Deterministic generated articles: every one has "news report" and a few of the same
    words, so their posting lists span several blocks; sources, dates and languages vary."""
    import random

    rng = random.Random(1987)
    articles = []
    for number in range(count):
        words = rng.choices(_VOCABULARY, k=40)
        body = f"News report {number}. " + " ".join(words) + ". The news report ends here."
        title = " ".join(rng.sample(_VOCABULARY, 3)).capitalize()
        articles.append(
            Article(
                id=f"synthetic-{number:04d}",
                path=f"synthetic/{number:04d}.html",
                title=title,
                body=body,
                authors=(f"Writer {number % 7}",),
                source=_SOURCES[number % len(_SOURCES)],
                published=None
                if number % 11 == 0
                else f"20{10 + number % 12:02d}-03-{1 + number % 28:02d}",
                language="en" if number % 5 else "de",
                provenance={"title": "markup"},
            )
        )
    return articles


def write_synthetic_index(root: Path, *, codec: object, segments: int = 2) -> Path:
    """An index (store layout) of :func:`synthetic_articles` written with ``codec``, committed
    in ``segments`` segments."""
    from whoosh.index import open_dir

    from indexer.build import WRITER_OPTIONS
    from indexer.index.schema import to_document
    from indexer.index.store import IndexStore

    store = IndexStore(root)
    generation = store.new_generation()
    ix = open_dir(str(generation))
    articles = synthetic_articles()
    per_segment = -(-len(articles) // segments)
    options = {**WRITER_OPTIONS, "codec": codec}
    for start in range(0, len(articles), per_segment):
        writer = ix.writer(**options)
        for article in articles[start : start + per_segment]:
            writer.add_document(**to_document(article))
        writer.commit(merge=False)
    ix.close()
    store.swap_in(generation)
    return root


@pytest.fixture(scope="session")
def arrays_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic articles written with artsearch's codec (posting and document arrays)."""
    from indexer.index.arrays import arrays_codec

    return write_synthetic_index(tmp_path_factory.mktemp("arrays") / "index", codec=arrays_codec())


@pytest.fixture(scope="session")
def plain_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same articles written with Whoosh's own codec: no arrays, everything read through
    Whoosh (the fallback path)."""
    from whoosh.codec.whoosh3 import W3Codec

    return write_synthetic_index(tmp_path_factory.mktemp("plain") / "index", codec=W3Codec())
