"""The `artsearch` command line, through click's CliRunner (and one real `serve`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from processes import alive, descendants

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


# -- real indexer processes (issue 11) -----------------------------------------------------------


def _artsearch() -> str:
    path = shutil.which("artsearch", path=str(Path(sys.executable).parent))
    assert path, "the artsearch entry point is installed with the package"
    return path


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    """20 copies of the test corpus (260 pages, a few seconds of extraction)."""
    root = tmp_path / "big"
    for n in range(20):
        shutil.copytree(CORPUS, root / f"copy{n:02d}")
    return root


def _start_index(
    corpus: Path, index: Path, *extra: str
) -> tuple[subprocess.Popen[bytes], set[int]]:
    """Start `artsearch index` and return it once its extraction workers are running."""
    process = subprocess.Popen(
        [_artsearch(), "index", str(corpus), "--index", str(index), "--workers", "2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        below = descendants(process.pid)
        if len(below) >= 3:  # the forkserver and two workers
            return process, below
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the indexer started no workers within 30 s")


def _article_ids(index: Path) -> set[str]:
    result = CliRunner().invoke(
        main, ["search", "", "--index", str(index), "--json", "--limit", "100"]
    )
    assert result.exit_code == 0, result.output
    return {hit["id"] for hit in json.loads(result.output)["results"]}


@pytest.mark.parametrize(("signum", "rebuild"), [(signal.SIGKILL, True), (signal.SIGTERM, False)])
def test_killing_the_indexer_leaves_no_process_no_lock_and_no_partial_index(
    big_corpus: Path, tmp_path: Path, signum: int, rebuild: bool
) -> None:
    index = tmp_path / "index"
    clean = tmp_path / "clean"
    built = CliRunner().invoke(main, ["index", str(big_corpus), "--index", str(clean)])
    assert built.exit_code == 0, built.output
    if rebuild:
        shutil.copytree(clean, index)
    process, workers = _start_index(big_corpus, index, *(["--rebuild"] if rebuild else []))
    time.sleep(0.5)
    process.send_signal(signum)
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(workers) == set(), "workers outlived the indexer"
    again = CliRunner().invoke(main, ["index", str(big_corpus), "--index", str(index)])
    assert again.exit_code == 0, again.output  # base: "another process is writing the index"
    generations = [p for p in index.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2  # the live one and at most the one before it
    assert _article_ids(index) == _article_ids(clean)


def test_killing_a_worker_retries_its_page_and_the_build_completes(
    big_corpus: Path, tmp_path: Path
) -> None:
    process, below = _start_index(big_corpus, tmp_path / "index", "--json")
    workers = [pid for pid in below if descendants(pid) == set() and pid != min(below)]
    os.kill(max(workers), signal.SIGKILL)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, output
    assert "Traceback" not in output  # base: BrokenProcessPool
    report = json.loads(output[output.index("{") :])
    assert report["indexed"] == 240
    assert _article_ids(tmp_path / "index") == _article_ids_of_a_clean_build(tmp_path)


def _article_ids_of_a_clean_build(tmp_path: Path) -> set[str]:
    clean = tmp_path / "clean"
    assert CliRunner().invoke(main, ["index", str(CORPUS), "--index", str(clean)]).exit_code == 0
    return _article_ids(clean)


def test_an_unreadable_folder_is_reported_and_its_pages_kept(tmp_path: Path) -> None:
    # Root reads any folder, so as root the indexer runs without the capabilities that allow it
    # (util-linux's setpriv), as an ordinary user would.
    drop = ["dac_override", "dac_read_search"]
    as_user = (
        ["setpriv", f"--bounding-set=-{',-'.join(drop)}", f"--inh-caps=-{',-'.join(drop)}"]
        if os.geteuid() == 0
        else []
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*as_user, _artsearch(), *args], capture_output=True, text=True, timeout=120
        )

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    first = run("index", str(corpus), "--index", str(index))
    assert first.returncode == 0, first.stdout + first.stderr
    (corpus / "wikinews").chmod(0)
    try:
        second = run("index", str(corpus), "--index", str(index))
    finally:
        (corpus / "wikinews").chmod(0o755)
    assert second.returncode == 0, second.stdout + second.stderr  # base: PermissionError
    assert "skipped wikinews/: cannot read folder: Permission denied" in second.stdout
    assert "0 removed" in second.stdout  # its pages stay in the index
    assert "cannot read folder" in run("stats", "--index", str(index)).stdout


def test_stats_summarises_the_skipped_entries_by_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    os.symlink("nowhere.html", corpus / "dangling.html")
    os.symlink(".", corpus / "loop")
    index = tmp_path / "index"
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(corpus), "--index", str(index)]).exit_code == 0
    update = runner.invoke(main, ["index", str(corpus), "--index", str(index)])
    assert "3 entries skipped (0 new)" in update.output  # base: "0 skipped"
    result = runner.invoke(main, ["stats", "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["skipped"]["by_reason"] == {
        "binary file, not HTML": 1,
        "dangling link": 1,
        "symlink loop": 1,
    }
    text = runner.invoke(main, ["stats", "--index", str(index)]).output
    assert "Skipped: 3 corpus entries are not indexed" in text
    assert "loop: symlink loop" in text


def test_an_empty_corpus_is_refused_without_allow_shrink(tmp_path: Path) -> None:
    index = tmp_path / "index"
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(CORPUS), "--index", str(index)]).exit_code == 0
    (tmp_path / "empty").mkdir()
    refused = runner.invoke(main, ["index", str(tmp_path / "empty"), "--index", str(index)])
    assert refused.exit_code == 1
    assert "refusing to remove 13 of the 13 pages" in refused.output
    assert _article_ids(index) == _article_ids_of_a_clean_build(tmp_path)
    allowed = runner.invoke(
        main, ["index", str(tmp_path / "empty"), "--index", str(index), "--allow-shrink"]
    )
    assert allowed.exit_code == 0 and "13 removed" in allowed.output
