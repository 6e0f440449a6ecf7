"""The README's search examples find articles in the demo corpus (corpus/), as it promises."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from web.app import create_app
from web.cli import main
from web.extension import close_service

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_EXAMPLES = re.findall(r"^\.venv/bin/artsearch (search .*)$", README, re.MULTILINE)
API_EXAMPLES = re.findall(r"^curl '(http://127\.0\.0\.1:8000/api/search\?[^']*)'", README, re.M)


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("readme") / "index"
    build_index(ROOT / "corpus", index)
    return index


def test_the_readme_has_search_examples_for_the_cli_and_the_api() -> None:
    assert len(CLI_EXAMPLES) >= 5 and len(API_EXAMPLES) >= 3


@pytest.mark.parametrize("example", CLI_EXAMPLES)
def test_readme_cli_example_finds_articles(demo_index: Path, example: str) -> None:
    arguments = shlex.split(example, comments=True)
    result = CliRunner().invoke(main, [*arguments, "--index", str(demo_index), "--json"])
    assert result.exit_code == 0, result.output
    assert '"total": 0,' not in result.output, example


@pytest.mark.parametrize("example", API_EXAMPLES)
def test_readme_api_example_finds_articles(demo_index: Path, example: str) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(demo_index)})
    parts = urlsplit(example)
    response = app.test_client().get(f"{parts.path}?{parts.query}")
    close_service(app)
    assert response.status_code == 200
    assert response.get_json()["total"] > 0, example
