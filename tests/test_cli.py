"""The `artsearch` command line, through click's CliRunner (and one real `serve`)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
PAGES = DATA / "pages"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_index_builds_then_updates_and_lists_skipped_files(
    runner: CliRunner, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    result = runner.invoke(main, ["index", str(CORPUS), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Index built" in result.output
    assert "12 indexed" in result.output
    assert "skipped aggregator/broken-download.html:" in result.output
    again = runner.invoke(main, ["index", str(CORPUS), "--index", str(index)])
    assert again.exit_code == 0, again.output
    assert "Index updated" in again.output and "0 indexed" in again.output


def test_index_reads_its_options_from_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    index = tmp_path / "env-index"
    result = runner.invoke(
        main,
        ["index", "--json"],
        env={"ARTSEARCH_CORPUS": str(CORPUS), "ARTSEARCH_INDEX": str(index)},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["articles"] == 11
    assert (index / "CURRENT").exists()


def test_index_of_a_missing_folder_fails_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", str(tmp_path / "missing"), "--index", str(tmp_path)])
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_search_prints_ranked_results_and_json(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "Hajj stampede", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "1. Hundreds dead in Hajj stampede" in result.output
    as_json = runner.invoke(
        main, ["search", "Hajj stampede", "--index", str(index_dir), "--json", "--limit", "1"]
    )
    data = json.loads(as_json.output)
    assert data["results"][0]["path"] == "wikinews/hundreds-dead-in-hajj-stampede.html"
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "suggestion"}


def test_search_prints_a_snippet_per_hit_and_how_to_see_more(
    runner: CliRunner, index_dir: Path
) -> None:
    result = runner.invoke(main, ["search", "", "--index", str(index_dir), "--limit", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "11 articles match."
    assert lines[-1] == "showing 1–3 of 11; --page 2 for more"
    last = runner.invoke(
        main, ["search", "", "--index", str(index_dir), "--limit", "3", "--page", "4"]
    )
    assert last.output.splitlines()[-1] == "showing 10–11 of 11"
    one = runner.invoke(main, ["search", "stampede", "--index", str(index_dir)])
    assert one.output.splitlines()[0] == '1 article matches "stampede".'
    snippet = one.output.splitlines()[2]
    # Not a terminal: the match is not styled, and no HTML is left in the text.
    assert "stampede" in snippet.lower() and "<mark>" not in snippet and "&#x27;" not in snippet


def test_search_marks_matches_in_bold_on_a_terminal(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "stampede", "--index", str(index_dir)], color=True)
    assert "\x1b[1m\x1b[4mstampede\x1b[0m" in result.output
    plain = runner.invoke(
        main, ["search", "stampede", "--index", str(index_dir)], color=True, env={"NO_COLOR": "1"}
    )
    assert "\x1b[" not in plain.output


def test_search_says_when_it_searched_a_corrected_query(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "stampeed", "--index", str(index_dir)])
    assert result.output.splitlines()[0] == (
        'No articles match "stampeed": showing results for "stampede" '
        "(--verbatim searches the query as typed)."
    )
    verbatim = runner.invoke(main, ["search", "stampeed", "--verbatim", "--index", str(index_dir)])
    assert verbatim.output.splitlines()[:2] == [
        '0 articles match "stampeed".',
        "Did you mean: stampede",
    ]


def test_search_filters_repeat_for_alternatives(runner: CliRunner, index_dir: Path) -> None:
    command = ["search", "", "--index", str(index_dir), "--json", "--limit", "100"]
    both = runner.invoke(main, [*command, "--source", "Daily Planet", "--source", "Metro Times"])
    data = json.loads(both.output)
    assert {hit["source"] for hit in data["results"]} == {"Daily Planet", "Metro Times"}
    year = runner.invoke(main, [*command, "--year", "2015", "--lang", "en"])
    assert {hit["published"][:4] for hit in json.loads(year.output)["results"]} == {"2015"}


def test_search_without_an_index_says_how_to_build_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "anything", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "run `artsearch index" in result.output
    assert "Traceback" not in result.output


def test_search_refuses_a_bare_star_with_advice(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["search", "*", "--index", str(index_dir)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "*" in result.output


def test_extract_prints_one_json_object_per_article(runner: CliRunner) -> None:
    page = PAGES / "aggregator-seed-layout.html"
    result = runner.invoke(main, ["extract", str(page), "--json"])
    assert result.exit_code == 0, result.output
    articles = [json.loads(line) for line in result.output.splitlines()]
    assert len(articles) == 4
    assert [a["embedded"] for a in articles] == [False, True, True, True]
    expected = json.loads((PAGES / "aggregator-seed-layout.expected.json").read_text())
    assert articles[0]["title"] == expected["title"]
    for field in (
        "id",
        "path",
        "title",
        "body",
        "authors",
        "source",
        "published",
        "language",
        "url",
    ):
        assert field in articles[0]


def test_extract_reports_unreadable_pages_and_fails(runner: CliRunner) -> None:
    result = runner.invoke(main, ["extract", str(PAGES / "binary.html"), str(PAGES / "empty.html")])
    assert result.exit_code == 1
    assert "binary.html: skipped:" in result.output
    assert "empty.html: skipped:" in result.output


def test_stats_summarises_the_index(runner: CliRunner, index_dir: Path) -> None:
    result = runner.invoke(main, ["stats", "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["articles"] == 11
    assert {s["value"] for s in data["sources"]} >= {"Daily Planet", "Metro Times"}


@pytest.mark.parametrize("command", ["index", "search", "serve", "extract", "stats"])
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "artsearch " + command in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_gunicorn_and_answers_the_api(index_dir: Path, tmp_path: Path) -> None:
    port = _free_port()
    artsearch = shutil.which("artsearch", path=str(Path(sys.executable).parent))
    assert artsearch, "the artsearch entry point is installed with the package"
    server = subprocess.Popen(
        [artsearch, "serve", "--index", str(index_dir), "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ARTSEARCH_VERBOSE": ""},
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                url = f"http://127.0.0.1:{port}/api/search?q=stampede"
                with urllib.request.urlopen(url, timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.2)
        assert body is not None, "server did not answer within 30 s"
        assert body["total"] >= 1
    finally:
        server.terminate()
        output = server.communicate(timeout=15)[0].decode()
    assert "gunicorn" in output.lower()


def test_serve_without_an_index_fails_before_starting(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["serve", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index at" in result.output
