#!/usr/bin/env python3
"""Extraction quality and speed: the article-extraction benchmark and generated pages' truth.

1. Body text on the 181 real pages of /work/shared/data/extraction-benchmark, through the
   product's own code path: `artsearch extract --json` runs over the pages and the body of each
   page's own article (the first with embedded=false) is its prediction.  Predictions are
   written to --out and scored with /work/shared/tools/score_extraction.py's metric (token
   4-gram precision, recall, F1; pages below page-F1 0.5).  The pages are split in two halves
   by a hash of the page id (`benchmark_half`): "dev" is the half the extractor was developed
   on, "held-out" the half that checks the rules hold on pages not studied.  Both and all are
   printed.
2. Speed on the same pages, one core: `extract_page` (decompress, decode, parse, metadata,
   body: everything `artsearch extract` does per page) against the floor of a plain
   `lxml.html.document_fromstring` of the decompressed bytes, each page timed --repeat times
   in turn (CPU time of this thread and wall time; the machine is shared, so medians and the
   per-page fastest of the repeats are what is printed).
3. With --corpus DIR (a folder made by make_html_corpus.py with --jsonl-truth DIR/truth.jsonl)
   or --generate N (makes one in --out/generated with N pages, one layout in four each), the
   metadata accuracy per field and layout, each field scored only on pages that show it, and
   the aggregator layout's rail checks.

    .venv/bin/python bench/extraction.py --generate 2000

or, with a corpus made beforehand:

    /work/main/.venv/bin/python /work/shared/tools/make_html_corpus.py --out /tmp/gen \\
        --jsonl-truth /tmp/gen/truth.jsonl --scale 2000 \\
        --mix aggregator=1,publisher=1,boilerplate=1,legacy=1 --workers 1
    .venv/bin/python bench/extraction.py --corpus /tmp/gen
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.article import Article  # noqa: E402
from indexer.errors import ExtractionError  # noqa: E402
from indexer.extraction import extract_page  # noqa: E402

SHARED = Path("/work/shared")
BENCHMARK = SHARED / "data" / "extraction-benchmark"
SCORER = SHARED / "tools" / "score_extraction.py"
CORPUS_MAKER = SHARED / "tools" / "make_html_corpus.py"
HALVES = ("dev", "held-out")
_WORD = re.compile(r"\w+")


def benchmark_half(page_id: str) -> str:
    """The fixed half of the benchmark a page belongs to: the first byte of the BLAKE2b hash of
    its id, even for "dev", odd for "held-out"."""
    digest = hashlib.blake2b(page_id.encode("ascii"), digest_size=8).digest()
    return HALVES[digest[0] % 2]


def load_scorer() -> ModuleType:
    """/work/shared/tools/score_extraction.py as a module (its metric, not a copy of it)."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --- 1. body text through `artsearch extract --json` --------------------------------------------


def artsearch_command() -> list[str]:
    script = Path(sys.executable).parent / "artsearch"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from web.cli import main; main()"]


def cli_predictions(html_dir: Path) -> dict[str, str]:
    """Page id -> the body `artsearch extract --json` prints for the page's own article ("" when
    it prints none)."""
    command = [*artsearch_command(), "extract", "--json", str(html_dir)]
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    predictions: dict[str, str] = {}
    for line in done.stdout.splitlines():
        article = json.loads(line)
        page_id = Path(article["path"]).name.split(".")[0]
        if not article["embedded"] and page_id not in predictions:
            predictions[page_id] = article["body"]
    for line in done.stderr.splitlines():
        print("  " + line)
    return predictions


@dataclass(frozen=True)
class Score:
    pages: int
    precision: float
    recall: float
    f1: float
    below_half: int
    empty: int


def score_half(scorer: ModuleType, scores: list[Any]) -> Score:
    total = scorer.aggregate(scores)
    return Score(
        pages=len(scores),
        precision=total["precision"],
        recall=total["recall"],
        f1=total["f1"],
        below_half=sum(1 for s in scores if s.f1 < 0.5),
        empty=sum(1 for s in scores if s.n_pred_tokens == 0),
    )


# --- 2. speed -------------------------------------------------------------------------------------


@dataclass
class Timing:
    """CPU and wall seconds of each run of each page."""

    cpu: list[list[float]]
    wall: list[list[float]]

    def median(self, runs: str, of: Callable[[Iterable[float]], float]) -> float:
        values = self.cpu if runs == "cpu" else self.wall
        return statistics.median(of(page) for page in values) * 1e3


def time_pages(pages: list[bytes], repeat: int) -> tuple[Timing, Timing]:
    """(extract_page, lxml floor) timings, each page run `repeat` times, the two alternating so
    that a busy moment of the machine falls on both."""
    extract, floor = Timing([], []), Timing([], [])
    for data in pages:
        for timing in (extract, floor):
            timing.cpu.append([])
            timing.wall.append([])
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.thread_time()
            with contextlib.suppress(ExtractionError):  # a page without an article is timed too
                extract_page(data, "page.html.gz", mtime=None)
            extract.cpu[-1].append(time.thread_time() - cpu)
            extract.wall[-1].append(time.perf_counter() - wall)
            wall, cpu = time.perf_counter(), time.thread_time()
            lxml.html.document_fromstring(gzip.decompress(data))
            floor.cpu[-1].append(time.thread_time() - cpu)
            floor.wall[-1].append(time.perf_counter() - wall)
    return extract, floor


def run_benchmark(out: Path, repeat: int) -> None:
    scorer = load_scorer()
    truth = scorer.load_ground_truth(BENCHMARK / "ground-truth.json")
    files = sorted((BENCHMARK / "html").glob("*.html.gz"))
    halves = {f.name.split(".")[0]: benchmark_half(f.name.split(".")[0]) for f in files}
    print(f"== extraction benchmark: {len(files)} pages ({BENCHMARK})")
    print(
        "split: BLAKE2b(page id), first byte even = dev, odd = held-out: "
        + ", ".join(f"{h} {sum(1 for v in halves.values() if v == h)}" for h in HALVES)
    )

    predictions = cli_predictions(BENCHMARK / "html")
    out.mkdir(parents=True, exist_ok=True)
    predictions_file = out / "extraction-benchmark-predictions.json"
    predictions_file.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    print(f"predictions: {predictions_file} (score_extraction.py reads it as it is)")

    page_scores = {
        page_id: scorer.score_page(page_id, truth[page_id]["articleBody"], predictions.get(page_id))
        for page_id in halves
    }
    extract_page(files[0].read_bytes(), "warm-up")  # imports, the language model
    extract_timing, floor_timing = time_pages([f.read_bytes() for f in files], repeat)
    index = {page_id: i for i, page_id in enumerate(halves)}

    print(
        f"\n{'half':9s} {'pages':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'<0.5':>5s} {'empty':>5s}"
        f" | ms/page median, one core: {'CPU':>5s} {'wall':>5s} | lxml floor {'CPU':>5s}"
        f" {'wall':>5s} | CPU/floor"
    )
    for half in (*HALVES, "all"):
        ids = [p for p, h in halves.items() if half in (h, "all")]
        score = score_half(scorer, [page_scores[p] for p in ids])
        pick = [index[p] for p in ids]
        part = Timing([extract_timing.cpu[i] for i in pick], [extract_timing.wall[i] for i in pick])
        base = Timing([floor_timing.cpu[i] for i in pick], [floor_timing.wall[i] for i in pick])
        cpu, wall = part.median("cpu", min), part.median("wall", min)
        floor_cpu, floor_wall = base.median("cpu", min), base.median("wall", min)
        print(
            f"{half:9s} {score.pages:5d} {score.precision:6.3f} {score.recall:6.3f}"
            f" {score.f1:6.3f} {score.below_half:5d} {score.empty:5d}"
            f" |                            {cpu:5.1f} {wall:5.1f} |            {floor_cpu:5.1f}"
            f" {floor_wall:5.1f} | {cpu / floor_cpu:5.1f}x"
        )
    print(
        f"(times: median over pages of each page's fastest of {repeat} runs; with each page's "
        f"median run instead: CPU {extract_timing.median('cpu', statistics.median):.1f}, wall "
        f"{extract_timing.median('wall', statistics.median):.1f} ms; mean CPU "
        f"{statistics.mean(min(r) for r in extract_timing.cpu) * 1e3:.1f} ms; the stderr lines "
        "above are trafilatura's own log)"
    )
    worst = sorted(page_scores.values(), key=lambda s: s.f1)[:5]
    print("lowest page F1: " + ", ".join(f"{s.page_id[:12]} {s.f1:.3f}" for s in worst))


# --- 3. generated pages -------------------------------------------------------------------------

FIELDS = ("title", "published day", "source", "authors")
# The text of these blocks of the aggregator layout must not be in the main article's body (the
# class names are the generator's: this is the bench checking the product, not a rule of it).
AGGREGATOR_FURNITURE = {
    "promo": "//aside[contains(@class, 'ai-promo')]",
    "comments": "//section[contains(@class, 'comments')]",
    "app banner": "//footer[contains(@class, 'app-footer')]",
    "ticker": "//div[contains(@class, 'ticker')]",
    "rail": "//section[contains(@class, 'related')]",
}


def generate_corpus(folder: Path, pages: int, seed: int, wikinews: bool) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    command = [
        sys.executable,
        str(CORPUS_MAKER),
        "--out",
        str(folder),
        "--jsonl-truth",
        str(folder / "truth.jsonl"),
        "--scale",
        str(pages),
        "--mix",
        "aggregator=1,publisher=1,boilerplate=1,legacy=1",
        "--seed",
        str(seed),
        "--workers",
        "1",
        *(["--wikinews"] if wikinews else []),
    ]
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def shown_fields(page: dict[str, Any]) -> dict[str, Any]:
    """The fields this page shows and their true values.  Legacy pages show no date and no
    source (the truth says date_in_markup: false; their source is only in the truth); a page
    whose truth has no author shows none, so that no author is the right answer there."""
    shown: dict[str, Any] = {
        "title": " ".join(page["title"].split()),
        "authors": (page["author"],) if page["author"] else (),
    }
    if page["date_in_markup"]:
        shown["published day"] = page["published"][:10]
    if page["template"] != "legacy":
        shown["source"] = page["source"]
    return shown


def found_fields(article: Article) -> dict[str, Any]:
    return {
        "title": " ".join(article.title.split()),
        "published day": article.published_day,
        "source": article.source,
        "authors": article.authors,
    }


def furniture_lines(tree: lxml.html.HtmlElement, path: str) -> list[str]:
    """The lines (of three words or more) of the blocks an XPath selects."""
    lines = []
    for block in tree.xpath(path):
        for text in block.itertext():
            line = " ".join(text.split())
            if len(_WORD.findall(line)) >= 3:
                lines.append(line)
    return lines


def run_corpus(corpus: Path) -> None:
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").open(encoding="utf-8")]
    by_id = {t["id"]: t for t in truth}
    right: dict[str, Counter[str]] = defaultdict(Counter)
    scored: dict[str, Counter[str]] = defaultdict(Counter)
    checks: dict[str, Counter[str]] = defaultdict(Counter)
    misses: dict[str, list[str]] = defaultdict(list)
    for page in truth:
        layout, path = page["template"], corpus / page["file"]
        data = path.read_bytes()
        try:
            articles = extract_page(data, page["file"], mtime=path.stat().st_mtime)
        except ExtractionError:
            articles = []
        own = [a for a in articles if not a.embedded]
        check = checks[layout]
        if not page["body"]:  # a headline-only wire item: no article of its own is right
            check["headline-only pages"] += 1
            check["headline-only pages without an article"] += not own
            continue
        check["pages"] += 1
        if not own:
            check["pages without an article"] += 1
            continue
        article = own[0]
        found = found_fields(article)
        for field, expected in shown_fields(page).items():
            scored[layout][field] += 1
            if found[field] == expected:
                right[layout][field] += 1
            else:
                misses[f"{layout} {field}"].append(f"{page['file']}: {found[field]!r}")
        if not page["date_in_markup"]:
            check["date not shown: none invented"] += article.published is None
        check["body exact"] += article.body == page["body"]
        if layout == "aggregator":
            _aggregator_checks(page, article, articles, by_id, data, check)

    print(f"\n== generated pages: {corpus} ({len(truth)} pages)")
    print(
        "metadata accuracy: share of pages right, each field scored only where the page shows "
        "it\n(legacy pages show no date and no source; authors: the shown author, or none where "
        "the truth says the page shows none)"
    )
    layouts = sorted(checks)
    print(f"{'field':14s} " + " ".join(f"{layout:>17s}" for layout in layouts) + f" {'all':>17s}")
    for field in FIELDS:
        cells = []
        for layout in [*layouts, None]:
            n = sum(scored[x][field] for x in layouts) if layout is None else scored[layout][field]
            ok = sum(right[x][field] for x in layouts) if layout is None else right[layout][field]
            cells.append(f"{ok / n:7.2%} ({ok:4d}/{n:4d})" if n else f"{'not shown':>17s}")
        print(f"{field:14s} " + " ".join(f"{c:>17s}" for c in cells))
    for key, examples in sorted(misses.items()):
        print(f"  wrong {key} ({len(examples)}): " + "; ".join(examples[:3]))
    print("checks per layout:")
    for layout in layouts:
        check = checks[layout]
        pages = check["pages"]
        print(
            f"  {layout}: body exactly the truth's on {check['body exact']}/{pages} pages; "
            f"{check['headline-only pages without an article']}/{check['headline-only pages']} "
            "headline-only pages (no text) yield no article of their own"
            + (
                f"; no date invented on {check['date not shown: none invented']}/{pages} pages "
                "that show none"
                if "date not shown: none invented" in check
                else ""
            )
        )
        if layout == "aggregator":
            _print_rail_checks(check)


def _print_rail_checks(check: Counter[str]) -> None:
    pages, shown = check["pages"], check["rail articles"]
    own = check["rail articles that are the page's own"]
    found = check["rail articles found"]
    print(
        "    main body holds no rail/promo/comment/app-banner/ticker text: "
        + ", ".join(
            f"{name} text in {check[f'bodies with {name} text']}/{pages} bodies"
            for name in AGGREGATOR_FURNITURE
        )
    )
    print(
        f"    rail articles extracted as articles of their own: {found}/{shown - own} "
        f"({found / max(1, shown - own):.2%}; {own} more are the page's own story again); of "
        f"those, with their own text {check['  with their text']}, source "
        f"{check['  with their source']}, day {check['  with their day']}"
    )


def _aggregator_checks(
    page: dict[str, Any],
    article: Article,
    articles: list[Article],
    by_id: dict[str, dict[str, Any]],
    data: bytes,
    check: Counter[str],
) -> None:
    """Rail articles extracted as articles of their own; no furniture text in the main body."""
    tree = lxml.html.document_fromstring(data)
    body = " ".join(article.body.split())
    truth_body = " ".join(page["body"].split())
    for name, path in AGGREGATOR_FURNITURE.items():
        leaked = [
            line for line in furniture_lines(tree, path) if line in body and line not in truth_body
        ]
        check[f"bodies with {name} text"] += bool(leaked)
    rail: dict[str, list[Article]] = defaultdict(list)
    for embedded in (a for a in articles if a.embedded):
        rail[plain_quotes(embedded.title)].append(embedded)
    shown = [by_id[i] for i in page["related_ids"] if i in by_id and by_id[i]["body"]]
    # The same story twice in one rail (under one title) is one article, with the source of
    # either.
    sources: dict[str, set[str]] = defaultdict(set)
    for related in shown:
        sources[plain_quotes(related["title"])].add(related["source"])
    for related in shown:
        check["rail articles"] += 1
        # The truth of a related article is its own page's: a boilerplate page shows the first
        # paragraphs only, a legacy page typographic quotes.  The rail shows the whole text.
        if _same_text(article, related):  # the page's own story again (Reuters has duplicates)
            check["rail articles that are the page's own"] += 1
            continue
        candidates = rail.get(plain_quotes(related["title"]), [])
        if not candidates:
            continue
        check["rail articles found"] += 1
        # The same title twice in one rail (a story and its longer version): the one whose
        # text it is.
        found = next((a for a in candidates if _same_text(a, related)), None)
        check["  with their text"] += found is not None
        found = found or candidates[0]
        check["  with their source"] += found.source in sources[plain_quotes(related["title"])]
        check["  with their day"] += found.published_day == related["published"][:10]


def _same_text(article: Article, related: dict[str, Any]) -> bool:
    text, expected = plain_quotes(article.body), plain_quotes(related["body"])
    return text == expected or (related["template"] == "boilerplate" and text.startswith(expected))


def plain_quotes(text: str) -> str:
    """Text with typographic quotes as ASCII ones and white space collapsed."""
    return " ".join(text.translate(_QUOTES).split())


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-extraction"))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each page")
    parser.add_argument("--corpus", type=Path, help="a make_html_corpus.py folder with truth.jsonl")
    parser.add_argument(
        "--generate", type=int, metavar="N", help="make a corpus of N pages in --out/generated"
    )
    parser.add_argument("--seed", type=int, default=1987, help="the generator's seed")
    parser.add_argument(
        "--wikinews", action="store_true", help="generate with the Wikinews articles too"
    )
    parser.add_argument("--skip-benchmark", action="store_true")
    args = parser.parse_args()
    if not args.skip_benchmark:
        run_benchmark(args.out, args.repeat)
    corpus = args.corpus
    if args.generate:
        corpus = args.out / "generated"
        generate_corpus(corpus, args.generate, args.seed, args.wikinews)
    if corpus is not None:
        run_corpus(corpus)


if __name__ == "__main__":
    main()
