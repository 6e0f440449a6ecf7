"""The `artsearch` command line: thin commands over the indexer and search libraries.

Every option also reads an ``ARTSEARCH_*`` environment variable (shown in ``--help``).  Library
errors become one-line messages and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from indexer.article import Article
from indexer.build import BuildReport, build_index
from indexer.corpus import is_page
from indexer.errors import ExtractionError, IndexerError
from indexer.extraction import extract_page
from search import SearchError, SearchResults, SearchService, parse_request

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
    except (IndexerError, SearchError) as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument(
    "corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
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
    "--json", "as_json", is_flag=True, envvar="ARTSEARCH_JSON", help="Print the report as JSON."
)
def index(corpus: Path, index_dir: Path, rebuild: bool, workers: int | None, as_json: bool) -> None:
    """Index the article pages under CORPUS (default: ./corpus, or $ARTSEARCH_CORPUS).

    Only new, changed and removed pages are processed unless --rebuild is given.  Pages that
    cannot be read are skipped and listed with the reason.

    \b
    Example:
      artsearch index ~/archive --index /srv/artsearch/index
    """
    with _progress_bar() as progress:
        report: BuildReport = _library_errors(
            lambda: build_index(
                corpus, index_dir, rebuild=rebuild, workers=workers, progress=progress
            )
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    kind = "built" if report.rebuilt else "updated"
    click.echo(
        f"Index {kind} at {report.index} in {report.seconds:.1f}s: {report.articles} articles. "
        f"Pages: {report.indexed} indexed, {report.updated} updated, {report.unchanged} "
        f"unchanged, {report.removed} removed, {len(report.skipped)} skipped; "
        f"{report.ignored} other files ignored; {report.duplicates} duplicate copies merged."
    )
    for skipped in report.skipped:
        click.echo(f"  skipped {skipped.path}: {skipped.reason}")


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
    "--host", default="127.0.0.1", show_default=True, envvar="ARTSEARCH_HOST", show_envvar=True
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    envvar="ARTSEARCH_PORT",
    show_envvar=True,
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
    default=4,
    show_default=True,
    envvar="ARTSEARCH_THREADS",
    show_envvar=True,
    help="Threads per server process.",
)
def serve(index_dir: Path, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the search web app and JSON API with gunicorn (a production WSGI server).

    \b
    Example:
      artsearch serve --index var/index --host 0.0.0.0 --port 8080
    """
    from web.server import run_server

    service = SearchService(index_dir)
    _library_errors(service.store.current_generation)  # fail now, with the fix, if no index
    run_server(
        index_dir.resolve(),
        host=host,
        port=port,
        workers=workers or os.cpu_count() or 1,
        threads=threads,
    )


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
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"Index {result.path}: {result.articles} articles, {result.size_bytes / 1e6:.1f} MB")
    click.echo(f"Built from {result.corpus} at {result.built_at}")
    click.echo("Sources: " + ", ".join(f"{v.value} ({v.count})" for v in result.sources[:20]))
    click.echo("Years: " + ", ".join(f"{v.value} ({v.count})" for v in result.years))


if __name__ == "__main__":
    main()
