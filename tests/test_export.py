"""Exports: every match, in JSON Lines, CSV and SQLite, each read back by its own reader (json,
csv, sqlite3 and Datasette), from the library, the CLI and the real server."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from live_server import get, running_server

from search import SearchService, parse_request
from search.export import COLUMNS, csv_lines, jsonl_lines, write_sqlite
from web.cli import main

WORD = "asylum"  # in several test articles, with no other forms that stem alike


@pytest.fixture(scope="module")
def service(index_dir: Path) -> SearchService:
    return SearchService(index_dir)


def ids_found(service: SearchService, query: str) -> list[str]:
    matches = service.all_matches(parse_request({"q": query, "sort": "newest"}))
    return [article.id for article in matches]


def test_all_matches_yields_every_match_in_order_not_one_page(service: SearchService) -> None:
    request = parse_request({"q": "", "sort": "newest", "per_page": "2", "page": "3"})
    matches = service.all_matches(request)
    every = [article.id for article in matches]
    pages = [
        hit.article.id
        for page in range(1, 7)
        for hit in service.search(
            parse_request({"q": "", "sort": "newest", "per_page": "2", "page": str(page)})
        ).hits
    ]
    assert matches.total == len(every) == len(pages) > 2
    assert every == pages


def test_all_matches_stops_at_the_limit_and_frees_the_index_when_closed(
    service: SearchService,
) -> None:
    matches = service.all_matches(parse_request({"q": ""}), limit=3)
    assert matches.total > 3 and len(list(matches)) == 3
    unread = service.all_matches(parse_request({"q": ""}))
    unread.close()
    assert list(unread) == []


def test_jsonl_export_is_one_json_object_per_article_with_the_body(
    service: SearchService,
) -> None:
    lines = list(jsonl_lines(service.all_matches(parse_request({"q": WORD, "sort": "newest"}))))
    rows = [json.loads(line) for line in lines]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [row["id"] for row in rows] == ids_found(service, WORD) and rows
    assert set(rows[0]) == {*COLUMNS, "body"}
    assert all(row["body"] and isinstance(row["authors"], list) for row in rows)
    assert all(row["published"] is None or len(row["published"]) == 10 for row in rows)


def test_csv_export_reads_back_with_the_csv_module(service: SearchService) -> None:
    text = "".join(csv_lines(service.all_matches(parse_request({"q": "", "sort": "newest"}))))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert [row["id"] for row in rows] == ids_found(service, "")
    everything = service.all_matches(parse_request({"q": ""}))
    titles = {article.id: article.title for article in everything}
    assert all(row["title"] == titles[row["id"]] for row in rows)  # commas, quotes survive


def test_sqlite_export_has_a_full_text_index_that_finds_the_same_articles(
    service: SearchService, tmp_path: Path
) -> None:
    target = tmp_path / "all.sqlite"
    count = write_sqlite(service.all_matches(parse_request({"q": ""})), target)
    assert count == service.all_matches(parse_request({"q": ""})).total
    db = sqlite3.connect(target)
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == count
        found = {
            row[0]
            for row in db.execute(
                "SELECT id FROM articles WHERE rowid IN "
                "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
                (WORD,),
            )
        }
        authors = db.execute("SELECT authors FROM articles WHERE authors != '[]'").fetchone()
    finally:
        db.close()
    assert found and found == set(ids_found(service, WORD))
    assert isinstance(json.loads(authors[0]), list)


def test_the_sqlite_export_opens_in_datasette_with_search(
    service: SearchService, tmp_path: Path
) -> None:
    from datasette.app import Datasette

    target = tmp_path / "news.db"
    write_sqlite(service.all_matches(parse_request({"q": ""})), target)

    async def search() -> dict[str, object]:
        datasette = Datasette([str(target)])
        response = await datasette.client.get(f"/news/articles.json?_search={WORD}&_shape=objects")
        assert response.status_code == 200, response.text
        data: dict[str, object] = response.json()
        return data

    data = asyncio.run(search())
    assert {row["id"] for row in data["rows"]} == set(ids_found(service, WORD))  # type: ignore[index, attr-defined]


def test_cli_export_writes_each_format(index_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for form in ("jsonl", "csv", "sqlite"):
        target = tmp_path / f"out.{form}"
        result = runner.invoke(
            main, ["export", WORD, "--index", str(index_dir), "--format", form, "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    db = sqlite3.connect(tmp_path / "out.sqlite")
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    assert len(lines) == len(rows) == stored > 0


def test_cli_export_to_standard_output_and_sqlite_needs_a_file(index_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--index", str(index_dir), "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert len([json.loads(line) for line in result.output.splitlines()]) == 2
    result = runner.invoke(main, ["export", "--index", str(index_dir), "--format", "sqlite"])
    assert result.exit_code != 0 and "--output" in result.output


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    with running_server(index_dir, env={"ARTSEARCH_EXPORT_LIMIT": "5"}) as base:
        yield base


def test_api_streams_csv_and_jsonl_read_back_by_their_readers(
    server: str, service: SearchService
) -> None:
    expected = ids_found(service, WORD)
    status, headers, body = get(f"{server}/api/search?q={WORD}&sort=newest&format=csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["X-Total-Count"] == str(len(expected))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    assert [row["id"] for row in rows] == expected[:5]
    status, headers, body = get(f"{server}/api/search?q={WORD}&sort=newest&format=jsonl")
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in body.splitlines()] == expected[:5]


def test_api_exports_stop_at_the_configured_limit_and_say_the_total(server: str) -> None:
    status, headers, body = get(f"{server}/api/search?q=&format=jsonl&per_page=1")
    assert status == 200
    assert headers["X-Export-Limit"] == "5" and int(headers["X-Total-Count"]) > 5
    assert len(body.splitlines()) == 5  # per_page does not page an export
