"""The `artsearch` command line: thin commands over the indexer and search libraries.

Every option also reads an ``ARTSEARCH_*`` environment variable (shown in ``--help``).  Library
errors become one-line messages and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from indexer.article import Article
from indexer.build import (
    BuildReport,
    build_index,
    read_archive_signatures,
    read_skip_report,
    summarise_skips,
)
from indexer.corpus import is_page
from indexer.errors import ExtractionError, IndexerError
from indexer.extraction import extract_page
from search import SearchError, SearchResults, SearchService, parse_request
from search.export import FORMATS, csv_lines, jsonl_lines, write_sqlite
from web.config import CONFIG_VARIABLE, ConfigError, load_config, server_settings

DEFAULT_INDEX = "var/index"

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX,
    show_default=True,
    envvar="ARTSEARCH_INDEX",
    show_envvar=True,
    help="Index folder.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, envvar="ARTSEARCH_VERBOSE", help="Log progress.")
def main(verbose: bool) -> None:
    """artsearch: a self-hosted search engine for a folder of article HTML.

    \b
    Example:
      artsearch index corpus/ && artsearch serve
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # trafilatura logs "discarding data" for every page where its fast pass finds nothing, which
    # our extractor then handles; the build report is where skipped pages are explained.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


def _library_errors(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (IndexerError, SearchError, ConfigError) as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument(
    "corpus",
    type=click.Path(exists=True, path_type=Path),
    default="corpus",
    envvar="ARTSEARCH_CORPUS",
)
@index_option
@click.option(
    "--rebuild",
    is_flag=True,
    envvar="ARTSEARCH_REBUILD",
    show_envvar=True,
    help="Build a whole new index (swapped in when complete) instead of updating.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    envvar="ARTSEARCH_WORKERS",
    show_envvar=True,
    help="Extraction processes [default: one per core].",
)
@click.option(
    "--allow-shrink",
    is_flag=True,
    envvar="ARTSEARCH_ALLOW_SHRINK",
    show_envvar=True,
    help="Allow a run that removes more than half of the index's pages (refused by default: "
    "an unmounted or emptied corpus folder would wipe the index).",
)
@click.option(
    "--follow-external-links",
    is_flag=True,
    envvar="ARTSEARCH_FOLLOW_EXTERNAL_LINKS",
    show_envvar=True,
    help="Index pages and folders that symbolic links in the corpus point to outside it.",
)
@click.option(
    "--json", "as_json", is_flag=True, envvar="ARTSEARCH_JSON", help="Print the report as JSON."
)
def index(
    corpus: Path,
    index_dir: Path,
    rebuild: bool,
    workers: int | None,
    allow_shrink: bool,
    follow_external_links: bool,
    as_json: bool,
) -> None:
    """Index the article pages under CORPUS (default: ./corpus, or $ARTSEARCH_CORPUS).

    Web archives in CORPUS (.warc, .warc.gz, .wacz) are indexed too, each HTML capture as a page
    named ARCHIVE#URI; CORPUS may also be a single archive file.  Only new, changed and removed
    pages (and captures) are processed unless --rebuild is given.  Entries that cannot be indexed
    are skipped and listed with the reason (`artsearch stats` summarises them).

    \b
    Example:
      artsearch index ~/archive --index /srv/artsearch/index
      artsearch index crawl.warc.gz --index var/crawl
    """
    # SIGTERM (systemd, docker stop, kill) unwinds like Ctrl-C: workers are stopped and a
    # half-built generation removed before exiting.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with _progress_bar() as progress:
        report: BuildReport = _library_errors(
            lambda: build_index(
                corpus,
                index_dir,
                rebuild=rebuild,
                workers=workers,
                progress=progress,
                allow_shrink=allow_shrink,
                follow_external_links=follow_external_links,
            )
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    kind = "built" if report.rebuilt else "updated"
    new = report.new_skips
    click.echo(
        f"Index {kind} at {report.index} in {report.seconds:.1f}s: {report.articles} articles. "
        f"Pages: {report.indexed} indexed, {report.updated} updated, {report.unchanged} "
        f"unchanged, {report.removed} removed; {len(report.skipped)} entries skipped "
        f"({len(new)} new); {report.ignored} other files ignored; "
        f"{report.duplicates} duplicate copies merged."
    )
    if report.records:
        counts = ", ".join(f"{count} {kind}" for kind, count in report.records.items())
        click.echo(f"  Archive records not indexed: {counts}.")
    for skipped in new:
        click.echo(f"  skipped {skipped.path}: {skipped.reason}")
    if len(new) < len(report.skipped):
        click.echo(f"  `artsearch stats --index {index_dir}` lists all the skipped entries.")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


class _progress_bar:  # noqa: N801 - used like a function in a with statement
    """A progress bar on a terminal; silent otherwise (logs and pipes stay clean)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not sys.stderr.isatty():
            return None
        return self._update

    def _update(self, done: int, total: int) -> None:
        if self._bar is None:
            if total == 0:
                return
            self._bar = click.progressbar(length=total, label="Extracting", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def _terminal_snippet(snippet: str, styled: bool) -> str:
    """A snippet's HTML as terminal text: entities decoded, matches bold and underlined when
    ``styled`` (click leaves the styles out when the output is not a terminal)."""
    pieces = []
    cursor = 0
    for found in _MARK.finditer(snippet):
        pieces.append(html.unescape(snippet[cursor : found.start()]))
        word = html.unescape(found.group(1))
        pieces.append(click.style(word, bold=True, underline=True) if styled else word)
        cursor = found.end()
    pieces.append(html.unescape(snippet[cursor:]))
    return "".join(pieces)


def _print_results(results: SearchResults, page: int, limit: int) -> None:
    request = results.request
    if results.corrected:
        click.echo(
            f'No articles match "{request.q}": showing results for "{results.searched_for}" '
            "(--verbatim searches the query as typed)."
        )
    matched = "matches" if results.total == 1 else "match"
    searched = f' "{results.searched_for}"' if results.searched_for else ""
    click.echo(f"{_plural(results.total, 'article')} {matched}{searched}.")
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    styled = not os.environ.get("NO_COLOR")
    first = (page - 1) * limit + 1
    for rank, hit in enumerate(results.hits, first):
        article = hit.article
        when = article.published_day or "undated"
        click.echo(f"{rank}. {article.title}  [{article.source or 'unknown source'}, {when}]")
        click.echo(f"   {_terminal_snippet(hit.snippet, styled)}")
        click.echo(f"   id {article.id}  {article.path}")
    if results.hits:
        last = first + len(results.hits) - 1
        more = f"; --page {page + 1} for more" if last < results.total else ""
        click.echo(f"showing {first}–{last} of {results.total}{more}")


@main.command()
@click.argument("query")
@index_option
@click.option(
    "--limit",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    envvar="ARTSEARCH_LIMIT",
    show_envvar=True,
    help="Results to show.",
)
@click.option("--page", type=int, default=1, envvar="ARTSEARCH_PAGE", help="Page of results.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    default="relevance",
    envvar="ARTSEARCH_SORT",
    help="Result order.",
)
@click.option(
    "--source", multiple=True, help="Only articles from this source (repeat for any of several)."
)
@click.option(
    "--author", multiple=True, help="Only articles by this author (repeat for any of several)."
)
@click.option("--tag", multiple=True, help="Only articles with this tag (repeatable).")
@click.option(
    "--lang", multiple=True, help="Only articles in this language, e.g. en, de (repeatable)."
)
@click.option("--year", multiple=True, help="Only articles published in this year (repeatable).")
@click.option(
    "--from", "date_from", envvar="ARTSEARCH_FROM", help="Published on or after (YYYY-MM-DD)."
)
@click.option("--to", "date_to", envvar="ARTSEARCH_TO", help="Published on or before (YYYY-MM-DD).")
@click.option(
    "--verbatim",
    is_flag=True,
    help="Search the query as typed, even when it finds nothing and a corrected spelling would.",
)
@click.option(
    "--json", "as_json", is_flag=True, envvar="ARTSEARCH_JSON", help="Print JSON (the API's shape)."
)
def search(
    query: str,
    index_dir: Path,
    limit: int,
    page: int,
    sort: str,
    source: tuple[str, ...],
    author: tuple[str, ...],
    tag: tuple[str, ...],
    lang: tuple[str, ...],
    year: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    verbatim: bool,
    as_json: bool,
) -> None:
    """Search the index and print the best matches, each with a snippet.

    Several values of one filter are alternatives; different filters all apply.

    \b
    Example:
      artsearch search '"space station" -mars' --limit 5
      artsearch search interview --source Wikinews --year 2007 --year 2013
    """
    params: dict[str, Any] = {
        "q": query,
        "per_page": str(limit),
        "page": str(page),
        "sort": sort,
        "source": list(source),
        "author": list(author),
        "tag": list(tag),
        "lang": list(lang),
        "year": list(year),
        "from": date_from or "",
        "to": date_to or "",
        "verbatim": "1" if verbatim else "",
    }
    service = SearchService(index_dir)
    # Facets are only printed as part of the JSON.
    results = _library_errors(lambda: service.search(parse_request(params), facets=as_json))
    if as_json:
        click.echo(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_results(results, page, limit)


@main.command()
@index_option
@click.option(
    "--host",
    default=None,
    envvar="ARTSEARCH_HOST",
    show_envvar=True,
    help="Address to listen on  [default: 127.0.0.1].",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    envvar="ARTSEARCH_PORT",
    show_envvar=True,
    help="Port to listen on  [default: 8000].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    envvar="ARTSEARCH_SERVE_WORKERS",
    show_envvar=True,
    help="Server processes [default: one per core].",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    envvar="ARTSEARCH_THREADS",
    show_envvar=True,
    help="Threads per server process  [default: 16].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    envvar=CONFIG_VARIABLE,
    show_envvar=True,
    help="A TOML configuration file (docs/operations.md): its settings apply unless an option "
    "or an ARTSEARCH_* variable sets them.",
)
def serve(
    index_dir: Path,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
    config_file: Path | None,
) -> None:
    """Serve the search web app and JSON API with gunicorn (a production WSGI server).

    Settings come from the options, then ARTSEARCH_* variables, then the --config file, then the
    defaults.  /metrics serves Prometheus metrics summed over all server processes.

    \b
    Example:
      artsearch serve --index var/index --host 0.0.0.0 --port 8080
    """
    if config_file is not None:
        os.environ[CONFIG_VARIABLE] = str(config_file.resolve())  # the workers read it too
    settings = _library_errors(server_settings)
    app_config = _library_errors(load_config)
    source = click.get_current_context().get_parameter_source("index_dir")
    if source == click.core.ParameterSource.DEFAULT:
        index_dir = Path(app_config["INDEX_DIR"])
    from web.server import DEFAULT_THREADS, run_server

    service = SearchService(index_dir)
    _library_errors(service.store.current_generation)  # fail now, with the fix, if no index
    with _metrics_folder(settings.get("metrics_dir")):
        run_server(
            index_dir.resolve(),
            host=host or settings.get("host", "127.0.0.1"),
            port=port or settings.get("port", 8000),
            workers=workers or settings.get("workers") or os.cpu_count() or 1,
            threads=threads or settings.get("threads", DEFAULT_THREADS),
        )


@contextlib.contextmanager
def _metrics_folder(configured: str | None) -> Iterator[None]:
    """The folder where gunicorn's worker processes keep their metrics (web/metrics.py): the
    configured one, emptied first (counts of an earlier server would be added in), or a new
    temporary one removed when the server stops."""
    from web.metrics import MULTIPROCESS_VARIABLE

    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        os.environ[MULTIPROCESS_VARIABLE] = str(folder)
        yield
        return
    with tempfile.TemporaryDirectory(prefix="artsearch-metrics-") as temporary:
        os.environ[MULTIPROCESS_VARIABLE] = temporary
        yield


@main.command()
@click.argument("query", default="")
@index_option
@click.option(
    "--format",
    "form",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    envvar="ARTSEARCH_FORMAT",
    help="jsonl and csv go to --output or standard output; sqlite needs --output.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (replaced only once complete).  [default: standard output]",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many articles.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    default="relevance",
    show_default=True,
    help="Order of the articles.",
)
@click.option("--source", help="Only articles from this source.")
@click.option("--author", help="Only articles by this author.")
@click.option("--from", "date_from", help="Published on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Published on or before (YYYY-MM-DD).")
def export(
    query: str,
    index_dir: Path,
    form: str,
    output: Path | None,
    limit: int | None,
    sort: str,
    source: str | None,
    author: str | None,
    date_from: str | None,
    date_to: str | None,
) -> None:
    """Export every article matching QUERY (all articles when QUERY is empty).

    Columns: id, title, authors, source, published, published_time, modified, url, language,
    tags, description, path, and the body (jsonl and sqlite).  The SQLite file has an FTS5
    full-text index and opens as it is in Datasette and the sqlite3 shell.

    \b
    Example:
      artsearch export 'ozone crops' --format sqlite -o ozone.db && datasette ozone.db
    """
    params = {
        "q": query,
        "sort": sort,
        "source": source or "",
        "author": author or "",
        "from": date_from or "",
        "to": date_to or "",
    }
    if form == "sqlite" and output is None:
        raise click.UsageError("--format sqlite needs --output FILE")
    service = SearchService(index_dir)
    matches = _library_errors(lambda: service.all_matches(parse_request(params), limit=limit))
    if form == "sqlite":
        assert output is not None
        count = write_sqlite(matches, output, about={"query": params})
        click.echo(f"Exported {count} of {matches.total} matching articles to {output}.", err=True)
        return
    lines = jsonl_lines(matches) if form == "jsonl" else csv_lines(matches)
    if output is None:
        for line in lines:
            sys.stdout.write(line)
        return
    _write_atomically(output, lines)
    click.echo(f"Exported {min(matches.total, limit or matches.total)} of {matches.total} "
               f"matching articles to {output}.", err=True)  # fmt: skip


def _write_atomically(target: Path, lines: Iterator[str]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".export-", dir=target.resolve().parent)
    try:
        # newline="": the CSV writer ends its records with CRLF itself.
        with open(handle, "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, envvar="ARTSEARCH_JSON", help="One JSON object per article."
)
def extract(paths: tuple[Path, ...], as_json: bool) -> None:
    """Show what the indexer extracts from pages (folders are walked for pages).

    Prints one article per page, plus one for each article embedded in full in a page (such as a
    related-articles rail), with exactly the fields the indexer indexes.

    \b
    Example:
      artsearch extract corpus/daily8/*.html --json | jq .title
    """
    failures = 0
    for path in _pages(paths):
        try:
            data = path.read_bytes()
            articles = extract_page(data, path.as_posix(), mtime=path.stat().st_mtime)
        except (ExtractionError, OSError) as error:
            failures += 1
            click.echo(f"{path}: skipped: {error}", err=True)
            continue
        for article in articles:
            click.echo(_format_article(article, as_json))
    if failures:
        raise click.ClickException(f"{failures} of the pages yielded no article (reasons above)")


def _pages(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_page(p.name))
        else:
            yield path


def _format_article(article: Article, as_json: bool) -> str:
    if as_json:
        return json.dumps(article.to_dict(), ensure_ascii=False)
    lines = [
        f"== {article.title}",
        f"id: {article.id}  path: {article.path}{'  (embedded)' if article.embedded else ''}",
        f"source: {article.source}  authors: {', '.join(article.authors) or '-'}",
        f"published: {article.published}  language: {article.language}  url: {article.url}",
        f"words: {len(article.body.split())}",
    ]
    return "\n".join(lines)


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, envvar="ARTSEARCH_JSON", help="Print JSON.")
def stats(index_dir: Path, as_json: bool) -> None:
    """Show what the index holds: articles, sources, years, size.

    \b
    Example:
      artsearch stats --index var/index
    """
    result = _library_errors(SearchService(index_dir).stats)
    skips = _library_errors(lambda: read_skip_report(index_dir))
    archives = _library_errors(lambda: read_archive_signatures(index_dir))
    records: dict[str, int] = {}
    for signature in archives.values():
        for kind, count in signature.get("records", {}).items():
            records[kind] = records.get(kind, 0) + count
    if as_json:
        data = result.to_dict()
        data.update(path=result.path, corpus=result.corpus)  # local paths: the CLI's user's own
        data["skipped"] = {
            "total": len(skips),
            "by_reason": dict(summarise_skips(skips)),
            "entries": [{"path": path, "reason": reason} for path, reason in sorted(skips.items())],
        }
        data["archives"] = {"files": len(archives), "records_not_indexed": records}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"Index {result.path}: {result.articles} articles, {result.size_bytes / 1e6:.1f} MB")
    click.echo(f"Built from {result.corpus} at {result.built_at}")
    click.echo("Sources: " + ", ".join(f"{v.value} ({v.count})" for v in result.sources[:20]))
    click.echo("Years: " + ", ".join(f"{v.value} ({v.count})" for v in result.years))
    if archives:
        counts = ", ".join(f"{count} {kind}" for kind, count in sorted(records.items()))
        click.echo(f"Web archives: {len(archives)}; records not indexed: {counts or 'none'}")
    click.echo(f"Skipped: {len(skips)} corpus entries are not indexed" + (":" if skips else "."))
    for group, count in summarise_skips(skips):
        click.echo(f"  {count:6d}  {group}")
    for path, reason in sorted(skips.items()):
        click.echo(f"  {path}: {reason}")


if __name__ == "__main__":
    main()
