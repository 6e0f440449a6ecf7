#!/usr/bin/env python3
"""Extraction quality and speed: the article-extraction benchmark and a generated corpus's truth.

1. The 181 pages of /work/shared/data/extraction-benchmark: body predictions are written to
   --out and scored by /work/shared/tools/score_extraction.py (token 4-gram F1, precision,
   recall), with the median and mean time per page (wall and CPU: the machine may be shared).
2. With --corpus, a folder made by /work/shared/tools/make_html_corpus.py with --jsonl-truth:
   per layout, the share of pages whose title, publication day, source and author match the
   truth, the mean body F1, and for aggregator pages whether each related-rail article was split
   off with its own title, source, day and text (and none of its text left in the main body).

    /work/main/.venv/bin/python /work/shared/tools/make_html_corpus.py --out /tmp/agg \\
        --scale 300 --mix aggregator=1,publisher=1,legacy=1,boilerplate=1 \\
        --jsonl-truth /tmp/agg/truth.jsonl --workers 1
    .venv/bin/python bench/extraction.py --corpus /tmp/agg
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.article import Article  # noqa: E402
from indexer.errors import ExtractionError  # noqa: E402
from indexer.extract import extract_page  # noqa: E402

SHARED = Path("/work/shared")
BENCHMARK = SHARED / "data" / "extraction-benchmark"
SCORER = SHARED / "tools" / "score_extraction.py"
_WORD = re.compile(r"\w+")


def shingle_f1(predicted: str, truth: str) -> float:
    """Token 4-gram F1 of two texts (the benchmark's metric for one page)."""

    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = _WORD.findall(text)
        if len(tokens) < 4:
            return Counter([tuple(tokens)]) if tokens else Counter()
        return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))

    p, t = shingles(predicted), shingles(truth)
    if not p and not t:
        return 1.0
    overlap = sum((p & t).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def timed_extract(
    data: bytes, path: str, mtime: float | None
) -> tuple[list[Article], float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        articles = extract_page(data, path, mtime=mtime)
    except ExtractionError:
        articles = []
    return articles, time.perf_counter() - wall, time.thread_time() - cpu


def run_benchmark(out: Path) -> None:
    pages = sorted((BENCHMARK / "html").glob("*.html.gz"))
    extract_page(pages[0].read_bytes(), "warm-up")  # imports and the language model
    predictions: dict[str, str] = {}
    walls, cpus = [], []
    for page in pages:
        articles, wall, cpu = timed_extract(page.read_bytes(), page.name, None)
        own = [a for a in articles if not a.embedded]
        predictions[page.name.split(".")[0]] = own[0].body if own else ""
        walls.append(wall)
        cpus.append(cpu)
    out.mkdir(parents=True, exist_ok=True)
    predictions_file = out / "extraction-benchmark-predictions.json"
    predictions_file.write_text(json.dumps(predictions), encoding="utf-8")
    print(f"extraction benchmark: {len(pages)} pages")
    print(
        f"  ms/page wall median {statistics.median(walls) * 1e3:.1f} mean "
        f"{statistics.mean(walls) * 1e3:.1f}; CPU median {statistics.median(cpus) * 1e3:.1f} "
        f"mean {statistics.mean(cpus) * 1e3:.1f}"
    )
    subprocess.run([sys.executable, str(SCORER), str(predictions_file)], check=True)


def run_corpus(corpus: Path) -> None:
    truth = [json.loads(line) for line in (corpus / "truth.jsonl").open(encoding="utf-8")]
    by_id = {t["id"]: t for t in truth}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    body_f1: dict[str, list[float]] = defaultdict(list)
    cpus = []
    for page in truth:
        layout, path = page["template"], corpus / page["file"]
        articles, _, cpu = timed_extract(path.read_bytes(), page["file"], path.stat().st_mtime)
        cpus.append(cpu)
        count = counts[layout]
        own = [a for a in articles if not a.embedded]
        if not page["body"]:  # a headline-only wire item: no article of its own is right
            count["no text (expected none)"] += not own
            continue
        if not own:
            count["missed"] += 1
            continue
        article = own[0]
        count["pages"] += 1
        count["title"] += " ".join(article.title.split()) == " ".join(page["title"].split())
        count["day"] += article.published_day == (page["published"] or "")[:10]
        count["source"] += article.source == page["source"]
        count["author"] += article.authors == ((page["author"],) if page["author"] else ())
        body_f1[layout].append(shingle_f1(article.body, page["body"]))
        if layout == "aggregator":
            rail = {" ".join(a.title.split()): a for a in articles if a.embedded}
            for related_id in page["related_ids"]:
                related = by_id.get(related_id)
                if related is None or not related["body"]:
                    continue
                count["rail articles"] += 1
                found = rail.get(" ".join(related["title"].split()))
                if found is None:
                    continue
                count["rail found"] += 1
                # A page of the boilerplate layout shows only the first paragraphs of its text.
                count["rail text"] += shingle_f1(found.body, related["body"]) > 0.95 or (
                    found.body.startswith(related["body"])
                )
                count["rail source"] += found.source == related["source"]
                count["rail day"] += found.published_day == related["published"][:10]
                lead = related["body"].split("\n\n")[0][:80]
                count["rail text in main body"] += lead in article.body and lead not in page["body"]
    print(f"generated corpus {corpus}: {len(truth)} pages")
    for layout, count in sorted(counts.items()):
        n = count["pages"] or 1
        shares = " ".join(f"{k}={count[k] / n:.3f}" for k in ("title", "day", "source", "author"))
        print(
            f"  {layout:12s} pages={count['pages']} missed={count['missed']} {shares} "
            f"body F1={statistics.mean(body_f1[layout] or [0]):.3f} "
            f"no-text pages without an article={count['no text (expected none)']}"
        )
        if count["rail articles"]:
            print(
                "    related rail: "
                + ", ".join(
                    f"{k} {count[k]}"
                    for k in (
                        "rail articles",
                        "rail found",
                        "rail text",
                        "rail source",
                        "rail day",
                        "rail text in main body",
                    )
                )
            )
    median, mean = statistics.median(cpus) * 1e3, statistics.mean(cpus) * 1e3
    print(f"  CPU ms/page median {median:.1f} mean {mean:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-extraction"))
    parser.add_argument("--corpus", type=Path, help="a make_html_corpus.py folder with truth.jsonl")
    parser.add_argument("--skip-benchmark", action="store_true")
    args = parser.parse_args()
    if not args.skip_benchmark:
        run_benchmark(args.out)
    if args.corpus is not None:
        run_corpus(args.corpus)


if __name__ == "__main__":
    main()
