#!/usr/bin/env python3
"""Related-articles quality and speed on Reuters-21578 rendered as news pages (issue 5).

    .venv/bin/python bench/related.py --out /tmp/related            # the full run
    .venv/bin/python bench/related.py --out /tmp/related --sample 1000   # a quick, seeded look

1. Renders ``../shared/data/reuters21578`` (21,578 stories) as article pages with
   ``../shared/tools/make_html_corpus.py`` (its ground truth gives every page's topics and body),
   then builds the index with the product's ``build_index``.  Both are cached under ``--out``, with
   the first build's report, so reruns start at step 2.
2. Maps every indexed article back to its Reuters story: an article's own page by its path, a copy
   embedded in another page's related rail by its text (fingerprint) or else its title.
3. For every story with at least one topic label and a body, asks ``SearchService.related(id, 10)``
   (what ``/api/articles/<id>/related`` and the article page call) and counts an answer right when
   its story shares a topic label with the article's.

Two precisions are printed.  **P@10** counts every answer, so an answer without topic labels is
wrong; 45 % of the corpus has no labels (Reuters did not categorise those stories), so that figure
is capped well below 1 for any method.  **Judged P@10** skips unlabelled answers and scores the
first ten labelled ones (a "condensed list"): for any ranking that is the same as ranking among the
labelled stories only, which is how the issue's anchor figures were measured (TF-IDF cosine 0.837,
Whoosh ``more_like()`` 0.657 over the 10,377 labelled stories), so it is the figure to compare with
them.  Whoosh's ``more_like()`` with its defaults runs on the same index and stories as the in-run
baseline.  Timings: ms per related list (10 answers, opening a searcher, as the service does) and
per article page (Flask test client, a sample).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.article import Article, article_id
from indexer.build import build_index
from indexer.index import schema
from indexer.index.analysis import text_analyzer
from indexer.index.schema import SCHEMA_VERSION
from indexer.index.store import IndexStore
from search import SearchService
from search.related import MIN_RELATED_SCORE, MIN_STANDOUT

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RENDERER = SHARED / "tools" / "make_html_corpus.py"
REUTERS = SHARED / "data" / "reuters21578"
LIMIT = 10
# How deep to read a list for the judged precision: deep enough to find ten labelled answers.
JUDGED_DEPTH = 100


@dataclass(frozen=True)
class Story:
    """One Reuters story of the ground truth."""

    key: str  # reut-NNNNN
    file: str
    title: str
    topics: frozenset[str]
    has_body: bool


@dataclass
class Tally:
    """Precision and list-length counts of one method."""

    precision: list[float] = field(default_factory=list)
    judged: list[float] = field(default_factory=list)
    short_lists: int = 0
    short_judged: int = 0  # deep lists holding fewer than ten labelled answers
    lengths: list[int] = field(default_factory=list)  # answers shown, per list (floor sweeps)
    copies: int = 0  # answers that are the asked story itself under another page
    unlabelled: int = 0
    answers: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, asked: Story, raw: Sequence[Story | None], deep: Sequence[Story | None]) -> None:
        top = list(raw[:LIMIT])
        self.answers += len(top)
        self.short_lists += len(top) < LIMIT
        self.copies += sum(1 for s in top if s is not None and s.key == asked.key)
        self.unlabelled += sum(1 for s in top if s is None or not s.topics)
        self.precision.append(sum(1 for s in top if _right(asked, s)) / LIMIT)
        labelled = [s for s in deep if s is not None and s.topics][:LIMIT]
        self.short_judged += len(labelled) < LIMIT
        self.judged.append(sum(1 for s in labelled if _right(asked, s)) / LIMIT)


def _right(asked: Story, answer: Story | None) -> bool:
    return answer is not None and answer.key != asked.key and bool(answer.topics & asked.topics)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def ensure_corpus(out: Path, shared: Path = SHARED) -> tuple[Path, Path]:
    pages, truth = out / "pages", out / "truth.jsonl"
    if not truth.exists():
        print(f"rendering {REUTERS} into {pages} ...", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(shared / RENDERER.relative_to(SHARED)),
                "--out",
                str(pages),
                "--reuters",
                str(shared / REUTERS.relative_to(SHARED)),
                "--jsonl-truth",
                str(truth),
                "--quiet",
            ],
            check=True,
        )
        print(f"  rendered in {time.perf_counter() - started:.0f} s", flush=True)
    return pages, truth


def ensure_index(out: Path, pages: Path) -> dict[str, Any]:
    """Build the index once (again when it was written under another schema version); its report
    (with the build time) is kept beside it."""
    index, report_file = out / "index", out / "build.json"
    build = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    if build.get("schema_version") != SCHEMA_VERSION or not IndexStore(index).exists():
        print(f"building the index at {index} (a few minutes on 2 cores) ...", flush=True)
        report = build_index(pages, index, rebuild=True).to_dict()
        report["skipped"] = len(report["skipped"])
        report["schema_version"] = SCHEMA_VERSION
        report_file.write_text(json.dumps(report, indent=1), encoding="utf-8")
    build = json.loads(report_file.read_text(encoding="utf-8"))
    build["size_bytes"] = IndexStore(index).size_bytes()
    return build


def read_truth(truth: Path) -> list[Story]:
    stories = []
    bodies = {}
    with truth.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            story = Story(
                record["id"],
                record["file"],
                record["title"],
                frozenset(record["topics"] or ()),
                bool(record["body"].strip()),
            )
            stories.append(story)
            bodies[story.key] = record["body"]
    _BODIES.update(bodies)
    return stories


_BODIES: dict[str, str] = {}
_WORDS = re.compile(r"\w+")


def _title_key(title: str) -> str:
    return " ".join(_WORDS.findall(title.lower()))


class StoryMap:
    """Which Reuters story each indexed article is."""

    def __init__(self, stories: list[Story], articles: list[Article]) -> None:
        by_file = {s.file: s for s in stories}
        by_print = {article_id(_BODIES[s.key]): s for s in stories if s.has_body}
        by_title: dict[str, list[Story]] = defaultdict(list)
        for s in stories:
            by_title[_title_key(s.title)].append(s)
        self.of_id: dict[str, Story | None] = {}
        self.how: Counter[str] = Counter()
        for a in articles:
            story, how = None, "unmapped"
            if not a.embedded and a.path in by_file:
                story, how = by_file[a.path], "page"
            elif a.id in by_print:
                story, how = by_print[a.id], "text"
            else:
                story = _by_title(by_title.get(_title_key(a.title), []), a.body)
                how = "title" if story else how
            self.of_id[a.id] = story
            self.how[how] += 1
        # The article each labelled story's own page gave (or the copy the index kept instead).
        own: dict[str, str] = {}
        for a in articles:
            story = self.of_id[a.id]
            if story is not None and not a.embedded and a.path == story.file:
                own[story.key] = a.id
        for a in articles:
            story = self.of_id[a.id]
            if story is not None and story.key not in own:
                own[story.key] = a.id
        self.asked = [
            (story, own[story.key])
            for story in stories
            if story.topics and story.has_body and story.key in own
        ]
        self.labelled_with_body = sum(1 for s in stories if s.topics and s.has_body)

    def stories(self, ids: Sequence[str]) -> list[Story | None]:
        return [self.of_id.get(i) for i in ids]


def _by_title(candidates: list[Story], body: str) -> Story | None:
    if len(candidates) == 1:
        return candidates[0]
    opening = " ".join(_WORDS.findall(body.lower())[:30])
    for story in candidates:
        if " ".join(_WORDS.findall(_BODIES[story.key].lower())[:30]) == opening:
            return story
    return None


def index_articles(service: SearchService) -> list[Article]:
    with service.store.searcher() as searcher:
        return [schema.from_stored(fields) for fields in searcher.reader().all_stored_fields()]


def run_related(
    service: SearchService,
    asked: list[tuple[Story, str]],
    smap: StoryMap,
    min_standout: float | None = MIN_STANDOUT,
    sweep: dict[float, Tally] | None = None,
) -> Tally:
    """The product's related lists with the relevance floor ``min_standout`` (None: none).  With
    ``sweep``, each of its floors is also applied to the deep list (what that floor would keep)."""
    tally = Tally()
    for done, (story, aid) in enumerate(asked, 1):
        started = time.perf_counter()
        hits = service.related(aid, LIMIT, min_standout=min_standout)
        tally.ms.append((time.perf_counter() - started) * 1000)
        deep = service.related(aid, JUDGED_DEPTH, min_standout=min_standout)
        tally.add(
            story,
            smap.stories([h.hit.article.id for h in hits]),
            smap.stories([h.hit.article.id for h in deep]),
        )
        for floor, floored in (sweep or {}).items():
            kept = [h.hit.article.id for h in deep if h.standout >= floor]
            floored.add(story, smap.stories(kept[:LIMIT]), smap.stories(kept))
            floored.lengths.append(min(len(kept), LIMIT))
        _progress(f"related (floor {min_standout})", done, len(asked), tally)
    return tally


def run_tfidf_cosine(
    articles: list[Article], asked: list[tuple[Story, str]], smap: StoryMap
) -> Tally:
    """The issue's other anchor, in-run: TF-IDF cosine over title + body (sublinear tf, smooth
    idf, terms in 2+ articles, the index's own analyzer), every article against every other."""
    analyzer = text_analyzer()
    counts = [Counter(t.text for t in analyzer(f"{a.title}\n{a.body}")) for a in articles]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    vocabulary = {term: i for i, term in enumerate(t for t, n in df.items() if n >= 2)}
    n = len(articles)
    idf = np.zeros(len(vocabulary))
    for term, i in vocabulary.items():
        idf[i] = math.log((1 + n) / (1 + df[term])) + 1
    rows = []
    columns: list[list[int]] = [[] for _ in vocabulary]
    values: list[list[float]] = [[] for _ in vocabulary]
    for doc, c in enumerate(counts):
        ids = np.array([vocabulary[t] for t in c if t in vocabulary], dtype=np.int64)
        tf = np.array([c[t] for t in c if t in vocabulary], dtype=np.float64)
        weights = (1 + np.log(tf)) * idf[ids] if len(ids) else tf
        weights = weights / (np.linalg.norm(weights) or 1.0)
        rows.append((ids, weights))
        for i, w in zip(ids.tolist(), weights.tolist(), strict=True):
            columns[i].append(doc)
            values[i].append(w)
    posting_docs = [np.array(c, dtype=np.int64) for c in columns]
    posting_weights = [np.array(v) for v in values]
    position = {a.id: i for i, a in enumerate(articles)}
    tally = Tally()
    for done, (story, aid) in enumerate(asked, 1):
        started = time.perf_counter()
        ids, weights = rows[position[aid]]
        scores: np.ndarray = np.zeros(n)
        if len(ids):
            docs = np.concatenate([posting_docs[i] for i in ids])
            products = [posting_weights[i] * w for i, w in zip(ids, weights, strict=True)]
            scores = np.bincount(docs, weights=np.concatenate(products), minlength=n)
        scores[position[aid]] = -1.0
        top = np.argsort(-scores)[:JUDGED_DEPTH]
        tally.ms.append((time.perf_counter() - started) * 1000)
        answers = smap.stories([articles[i].id for i in top])
        tally.add(story, answers, answers)
        _progress("tf-idf", done, len(asked), tally)
    return tally


def run_more_like(service: SearchService, asked: list[tuple[Story, str]], smap: StoryMap) -> Tally:
    """Whoosh's more_like() with its defaults (Bo1 key terms, 5 of them) on the article's body."""
    tally = Tally()
    with service.store.searcher() as searcher:
        for done, (story, aid) in enumerate(asked, 1):
            started = time.perf_counter()
            docnum = searcher.document_number(**{schema.ID: aid})
            assert docnum is not None, f"asked article {aid} is not in the index"
            article = schema.from_stored(searcher.reader().stored_fields(docnum))
            # The body is not stored as a field of its own (nor has term vectors): pass its text.
            results = searcher.more_like(docnum, schema.BODY, text=article.body, top=JUDGED_DEPTH)
            ids = [hit[schema.ID] for hit in results]
            tally.ms.append((time.perf_counter() - started) * 1000)
            answers = smap.stories(ids)
            tally.add(story, answers, answers)
            _progress("more_like", done, len(asked), tally)
    return tally


def _progress(name: str, done: int, total: int, tally: Tally) -> None:
    if done % 1000 == 0 or done == total:
        print(
            f"  {name}: {done}/{total}  P@10 {statistics.fmean(tally.precision):.4f}"
            f"  judged {statistics.fmean(tally.judged):.4f}",
            file=sys.stderr,
            flush=True,
        )


def page_times(index: Path, ids: list[str]) -> list[float]:
    from web.app import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    times = []
    for aid in ids:
        started = time.perf_counter()
        response = client.get(f"/articles/{aid}")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (aid, response.status_code)
    return times


def report(name: str, tally: Tally, extra: Callable[[], str] | None = None) -> None:
    n = len(tally.precision)
    print(f"{name}")
    print(f"  P@10 (unlabelled answers wrong)   {statistics.fmean(tally.precision):.4f}")
    print(f"  judged P@10 (labelled answers)    {statistics.fmean(tally.judged):.4f}")
    print(f"  lists with < {LIMIT} answers         {tally.short_lists / n:.2%}")
    print(f"  < {LIMIT} labelled in {JUDGED_DEPTH} answers       {tally.short_judged / n:.2%}")
    print(f"  answers without labels            {tally.unlabelled / max(tally.answers, 1):.2%}")
    print(f"  answers that are the story itself {tally.copies}")
    print(
        f"  ms per list p50 / p95 / max       {percentile(tally.ms, 0.5):.1f} / "
        f"{percentile(tally.ms, 0.95):.1f} / {max(tally.ms):.1f}"
    )
    if extra:
        print(extra())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/related"))
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    parser.add_argument("--sample", type=int, default=None, help="ask only N seeded stories")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--pages", type=int, default=200, help="article pages rendered and timed")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the TF-IDF and more_like() baselines"
    )
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="only the unfloored lists and the floor sweep (to choose the floor)",
    )
    parser.add_argument(
        "--floors",
        default="1,1.5,2,2.5,3,4,5",
        help="relevance floors (standard deviations above the mean) to sweep over the unfloored "
        "lists (comma-separated)",
    )
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    pages, truth = ensure_corpus(args.out, args.shared)
    build = ensure_index(args.out, pages)
    service = SearchService(args.out / "index")
    stories = read_truth(truth)
    articles = index_articles(service)
    smap = StoryMap(stories, articles)
    asked = smap.asked
    if args.sample:
        asked = random.Random(args.seed).sample(asked, min(args.sample, len(asked)))

    print(
        f"corpus: {len(stories)} Reuters stories as pages; index: {len(articles)} articles "
        f"(mapped to stories by {dict(smap.how)})"
    )
    print(
        f"index build: {build['seconds']:.0f} s, {build['size_bytes'] / 1e6:.0f} MB, "
        f"{build['skipped']} pages skipped (no body); related lists add nothing to it "
        "(computed at query time)"
    )
    print(
        f"asked: {len(asked)} of {smap.labelled_with_body} labelled stories with a body"
        + (f" (seeded sample, seed {args.seed})" if args.sample else "")
    )
    first = time.perf_counter()
    service.related(asked[0][1], LIMIT)
    cold_ms = (time.perf_counter() - first) * 1000
    sweep = {float(f): Tally() for f in args.floors.split(",") if f.strip()}
    unfloored = run_related(service, asked, smap, min_standout=None, sweep=sweep)
    ours = unfloored if args.sweep_only else run_related(service, asked, smap)
    page_ids = [
        aid for _, aid in random.Random(args.seed + 1).sample(asked, min(args.pages, len(asked)))
    ]
    page_ms = page_times(args.out / "index", page_ids)
    report(
        "artsearch related (SearchService.related, defaults)",
        ours,
        lambda: (
            f"  first list in a fresh process     {cold_ms:.0f} ms (reads the posting arrays)\n"
            f"  article page p50 / p95            {percentile(page_ms, 0.5):.1f} / "
            f"{percentile(page_ms, 0.95):.1f} ms ({len(page_ms)} pages, 5 related each)"
        ),
    )
    report("artsearch related without a relevance floor (min_standout=None), same run", unfloored)
    print(
        f"\nrelevance floor: judged P@10 {statistics.fmean(unfloored.judged):.4f} without, "
        f"{statistics.fmean(ours.judged):.4f} with the product's floor (score >= "
        f"{MIN_RELATED_SCORE} of the article's own, and {MIN_STANDOUT} robust standard "
        "deviations above the median score); "
        f"P@10 {statistics.fmean(unfloored.precision):.4f} -> "
        f"{statistics.fmean(ours.precision):.4f}"
    )
    print(
        "\nfloor sweep over the unfloored lists (same answers, cut where they stand out by less "
        "than the floor, in standard deviations):"
    )
    print("| floor | P@10 | judged P@10 | answers shown per list | lists with none |")
    print("|---|---|---|---|---|")
    for floor, floored in sorted(sweep.items()):
        print(
            f"| {floor:.2f} | {statistics.fmean(floored.precision):.4f} "
            f"| {statistics.fmean(floored.judged):.4f} | {statistics.fmean(floored.lengths):.2f} "
            f"| {sum(1 for n in floored.lengths if n == 0) / len(floored.lengths):.2%} |"
        )
    if not args.no_baseline:
        report(
            "TF-IDF cosine (sublinear tf), same articles, no copy grouping (numpy, in memory)",
            run_tfidf_cosine(articles, asked, smap),
        )
        report("Whoosh more_like() defaults, same index", run_more_like(service, asked, smap))


if __name__ == "__main__":
    main()
