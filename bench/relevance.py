#!/usr/bin/env python3
"""Ranking quality, "did you mean" and snippets of the product on the classic IR test collections.

For each collection in ../shared/data it renders the documents as article pages, builds an index
with the product's ``build_index``, and runs every judged query through ``SearchService.search``
exactly as ``/api/search`` does (``per_page=100``, pages fetched until rank 1000 or the end of the
results).  It prints MAP and nDCG@10 (trec_eval conventions: binary relevance, depth 1000, queries
without relevant documents skipped) beside the reference table of issue 4 and beside Whoosh's
defaults run in the same process over the same index (``scoring.BM25F()`` and an OR parse of the
query with Whoosh's own parser, as straightforward use would do).  Then the "did you mean" and
snippet checks of issue 4, and the time of one search (top 10 with snippets) on NPL.

    .venv/bin/python bench/relevance.py [--collections cisi,cacm,...] [--out /tmp/relevance]

Rendered pages and indexes are cached under --out; an index is rebuilt when the indexer's source
changed and updated when the rendered pages changed (``--keep-index`` skips both).
``--failures`` lists the "did you mean" misses.

The "did you mean" check: for each judged query, one word of at least four letters that the index
knows gets one seeded typo (deletion, insertion, substitution or transposition; the typo must not
itself be a word of the index, or no speller could notice it), and the suggestion must give back
the query (case aside).  The untouched query must get no suggestion at all when it finds results.
Snippets are checked on the first page (100 hits) of every query.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from ir_collections import (
    NAMES,
    Collection,
    doc_id_of_page,
    page_name,
    read_collection,
    render_page,
)
from whoosh import highlight, scoring
from whoosh.qparser import MultifieldParser, OrGroup

from indexer.article_body import plain_text
from indexer.build import build_index
from indexer.index import schema
from indexer.index.analysis import text_analyzer
from indexer.index.manifest import Manifest
from indexer.index.store import IndexStore
from search import BadRequestError, SearchResults, SearchService, parse_request
from search.request import MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH
from search.snippets import ELLIPSIS, MAX_SNIPPET_CHARS

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 1000
# Issue 4's reference table: BM25 (k1=1.2, b=0.75) and Whoosh 2.7.4 BM25F defaults, MAP / nDCG@10.
REFERENCE = {
    "cisi": ((0.237, 0.421), (0.173, 0.319)),
    "cacm": ((0.355, 0.499), (0.301, 0.445)),
    "medline": ((0.520, 0.673), (0.525, 0.706)),
    "cranfield": ((0.315, 0.387), (0.315, 0.392)),
    "lisa": ((0.385, 0.479), (0.309, 0.414)),
    "npl": ((0.285, 0.438), (0.281, 0.439)),
    "adi": ((0.428, 0.508), (0.350, 0.428)),
}
SPEED_COLLECTION = "npl"
TYPO_MIN_LETTERS = 4
SNIPPET_CHECK_DEPTH = 100


# -- evaluation --------------------------------------------------------------------------------


def average_precision(ranking: Sequence[str], relevant: frozenset[str]) -> float:
    found = 0
    total = 0.0
    for rank, doc in enumerate(ranking[:DEPTH], 1):
        if doc in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def ndcg(ranking: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    gain = sum(1 / math.log2(rank + 1) for rank, d in enumerate(ranking[:k], 1) if d in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return gain / ideal


@dataclass
class Scores:
    ap: list[float] = field(default_factory=list)
    ndcg: list[float] = field(default_factory=list)

    def add(self, ranking: Sequence[str], relevant: frozenset[str]) -> None:
        self.ap.append(average_precision(ranking, relevant))
        self.ndcg.append(ndcg(ranking, relevant))

    @property
    def map(self) -> float:
        return statistics.fmean(self.ap) if self.ap else 0.0

    @property
    def ndcg10(self) -> float:
        return statistics.fmean(self.ndcg) if self.ndcg else 0.0


# -- pages and index ---------------------------------------------------------------------------


def _digest(paths: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def ensure_pages(collection: Collection, folder: Path) -> None:
    """Render the collection's pages under ``folder``, rewriting only pages whose HTML changed
    (so that the product's incremental build re-extracts only those)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {page_name(d.id): render_page(collection.name, d) for d in collection.documents}
    for stale in {p.name for p in folder.glob("*.html")} - wanted.keys():
        (folder / stale).unlink()
    for name, html in wanted.items():
        page = folder / name
        if not page.exists() or page.read_text(encoding="utf-8") != html:
            page.write_text(html, encoding="utf-8")


def ensure_index(pages: Path, index: Path, keep: bool) -> None:
    """Bring the index up to date with the pages: a full rebuild when the indexer's source
    changed since the last build (schema, analyzers or extraction), else the incremental build."""
    signature = _digest((ROOT / "indexer").glob("*.py"))
    marker = index.parent / "INDEXER"
    if keep and index.exists():
        return
    rebuild = not (marker.exists() and marker.read_text() == signature)
    started = time.perf_counter()
    report = build_index(pages, index, rebuild=rebuild)
    marker.write_text(signature)
    if rebuild or report.indexed or report.updated or report.removed:
        print(
            f"  {'rebuilt' if rebuild else 'updated'} {index}: {report.articles} articles "
            f"({report.indexed} pages indexed, {report.updated} updated, "
            f"{len(report.skipped)} skipped, {report.duplicates} duplicates) "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )


# -- running queries ---------------------------------------------------------------------------


def as_typed(text: str) -> str:
    """The query as the web form sends it: cut to the form's maxlength at a word boundary."""
    if len(text) <= MAX_QUERY_LENGTH:
        return text
    cut = text[:MAX_QUERY_LENGTH]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def product_search(
    service: SearchService, text: str, *, verbatim: bool = False
) -> list[SearchResults]:
    """Every page of results up to rank 1000, fetched like an API client would (``verbatim``:
    the query as typed, never replaced by its corrected spelling)."""
    pages = []
    for page in range(1, MAX_PAGE + 1):
        params = {"q": text, "per_page": str(MAX_PER_PAGE), "page": str(page)}
        request = parse_request({**params, "verbatim": "1" if verbatim else "0"})
        try:
            results = service.search(request)
        except BadRequestError as error:
            if "past the last page" in str(error):
                break
            raise
        pages.append(results)
        if page * MAX_PER_PAGE >= min(results.total, DEPTH):
            break
    return pages


def identical_pages(index: Path) -> dict[str, list[str]]:
    """Article id -> ids of the documents whose pages gave that article.

    The product indexes identical texts once (CACM has 230 title-only records that repeat another
    record's title, e.g. an algorithm and its certification).  A hit on such an article stands for
    every one of those documents, which is how a ranker that does not merge them would rank them
    (equal scores, adjacent ranks), so the evaluation expands it.
    """
    manifest = Manifest(IndexStore(index).manifest_path())
    try:
        groups: dict[str, list[str]] = {}
        for article in manifest.iter_articles():
            groups.setdefault(article.id, []).append(doc_id_of_page(article.path))
    finally:
        manifest.close()
    return groups


def expand(article_id: str, path: str, groups: dict[str, list[str]]) -> list[str]:
    own = doc_id_of_page(path)
    return [own] + sorted((d for d in groups.get(article_id, ()) if d != own), key=int)


def ranked_ids(pages: list[SearchResults], groups: dict[str, list[str]]) -> list[str]:
    ids = [
        doc_id
        for results in pages
        for hit in results.hits
        for doc_id in expand(hit.article.id, hit.article.path, groups)
    ]
    return ids[:DEPTH]


class WhooshDefaults:
    """Straightforward Whoosh: BM25F defaults and an OR parse of the query over title and body."""

    def __init__(self, index: Path) -> None:
        self.ix = IndexStore(index).open()
        self.parser = MultifieldParser([schema.TITLE, schema.BODY], self.ix.schema, group=OrGroup)

    def ranking(self, text: str, groups: dict[str, list[str]]) -> list[str]:
        with self.ix.searcher(weighting=scoring.BM25F()) as searcher:
            hits = searcher.search(self.parser.parse(text), limit=DEPTH)
            articles = [schema.from_stored(hit.fields()) for hit in hits]
        return [d for a in articles for d in expand(a.id, a.path, groups)][:DEPTH]

    def top_with_snippets(self, text: str) -> list[str]:
        with self.ix.searcher(weighting=scoring.BM25F()) as searcher:
            hits = searcher.search(self.parser.parse(text), limit=10)
            hits.formatter = highlight.HtmlFormatter(tagname="mark")
            return [
                hit.highlights(schema.BODY, text=schema.from_stored(hit.fields()).body)
                for hit in hits
            ]


# -- did you mean ------------------------------------------------------------------------------


def one_typo(word: str, rng: random.Random) -> str:
    """``word`` with one deletion, insertion, substitution or transposition (Damerau edits)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    operation = rng.choice(("delete", "insert", "substitute", "transpose"))
    i = rng.randrange(len(word))
    if operation == "delete":
        return word[:i] + word[i + 1 :]
    if operation == "insert":
        i = rng.randrange(len(word) + 1)
        return word[:i] + rng.choice(letters) + word[i:]
    if operation == "substitute":
        return word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1 :]
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def same_case(model: str, word: str) -> str:
    """``word`` written in ``model``'s case: all capitals, capitalised, or lower case."""
    if model.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def corrupt_query(text: str, known: Callable[[str], bool], rng: random.Random) -> str | None:
    """``text`` with a one-edit typo in one of its words that the index knows, such that the typo
    is not itself a word of the index (that would be undetectable); None if no word qualifies."""
    words = [
        m
        for m in re.finditer(r"[A-Za-z]+", text)
        if len(m.group(0)) >= TYPO_MIN_LETTERS and known(m.group(0).lower())
    ]
    for _ in range(50):
        if not words:
            return None
        match = rng.choice(words)
        typo = one_typo(match.group(0).lower(), rng)
        if typo != match.group(0).lower() and not known(typo):
            return text[: match.start()] + same_case(match.group(0), typo) + text[match.end() :]
    return None


def changed_words(before: str, after: str) -> list[tuple[str, str]]:
    """The words that differ between two versions of a query (for failure listings)."""
    return [
        (a, b)
        for a, b in zip(re.findall(r"\w+", before), re.findall(r"\w+", after), strict=False)
        if a != b
    ]


def same_query(a: str | None, b: str) -> bool:
    return a is not None and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


# -- snippets ----------------------------------------------------------------------------------


_ANALYZER = text_analyzer()
_MARK = re.compile(r"<mark>(.*?)</mark>")


def analysed_terms(text: str) -> set[str]:
    return {token.text for token in _ANALYZER(text)}


@dataclass
class SnippetCheck:
    matching_hits: int = 0
    marked: int = 0
    too_long: int = 0
    cut_inside_word: int = 0
    best_not_first: int = 0
    examples: list[str] = field(default_factory=list)

    def check(self, snippet: str, body: str, query_terms: set[str]) -> None:
        if not query_terms & analysed_terms(body):
            return
        self.matching_hits += 1
        if "<mark>" in snippet:
            self.marked += 1
        elif len(self.examples) < 3:
            self.examples.append(snippet[:120])
        visible = unescape(snippet.replace("<mark>", "").replace("</mark>", ""))
        passages = [p.strip() for p in visible.split(ELLIPSIS) if p.strip()]
        if sum(len(p) for p in passages) > MAX_SNIPPET_CHARS:
            self.too_long += 1
        # The text snippets are cut from: the body without its structure's markers (a list's
        # items joined by " · ", see search.structure), white space collapsed.
        flat = plain_text(body)
        for passage in passages:
            at = flat.find(passage)
            end = at + len(passage)
            if (
                at < 0
                or (at > 0 and not flat[at - 1].isspace())
                or (end < len(flat) and not flat[end].isspace())
            ):
                self.cut_inside_word += 1
                break
        # Best first: no later passage shows more distinct query terms than the first.
        shown = [
            {analysed_form(m) for m in _MARK.findall(part)} for part in snippet.split(ELLIPSIS)
        ]
        shown = [terms for terms in shown if terms] or [set()]
        if len(shown[0]) < max(len(terms) for terms in shown):
            self.best_not_first += 1


def analysed_form(word: str) -> str:
    tokens = [t.text for t in _ANALYZER(unescape(word))]
    return tokens[0] if tokens else word


# -- one collection ----------------------------------------------------------------------------


@dataclass
class CollectionRun:
    name: str
    queries: int = 0
    truncated: int = 0
    merged_pages: int = 0
    ours: Scores = field(default_factory=Scores)
    verbatim: Scores = field(default_factory=Scores)  # the same queries never auto-corrected
    corrected_untouched: int = 0
    baseline: Scores = field(default_factory=Scores)
    typo_queries: int = 0
    restored: int = 0
    untouched_with_results: int = 0
    untouched_suggested: int = 0
    # Auto-correction on the seeded typos: the product's policy, and "only when nothing is found"
    # (computed from the same searches), against the typo searched verbatim and the original.
    recovered: int = 0
    searched_original: int = 0
    recovered_if_empty_only: int = 0
    typo_verbatim: Scores = field(default_factory=Scores)
    typo_auto: Scores = field(default_factory=Scores)
    typo_if_empty_only: Scores = field(default_factory=Scores)
    typo_original: Scores = field(default_factory=Scores)
    snippets: SnippetCheck = field(default_factory=SnippetCheck)
    ms_ours: list[float] = field(default_factory=list)
    ms_baseline: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run_collection(name: str, data: Path, out: Path, keep_index: bool) -> CollectionRun:
    collection = read_collection(name, data)
    pages = out / name / "pages"
    index = out / name / "index"
    ensure_pages(collection, pages)
    ensure_index(pages, index, keep_index)
    service = SearchService(index)
    baseline = WhooshDefaults(index)
    run = CollectionRun(name)
    groups = identical_pages(index)
    run.merged_pages = sum(len(g) - 1 for g in groups.values())
    judged = [q for q in collection.queries if collection.qrels.get(q)]
    started = time.perf_counter()
    for qid in judged:
        relevant = collection.qrels[qid]
        text = as_typed(collection.queries[qid])
        run.queries += 1
        run.truncated += text != collection.queries[qid]
        pages_of_results = product_search(service, text)
        ranking = ranked_ids(pages_of_results, groups)
        run.ours.add(ranking, relevant)
        if pages_of_results and pages_of_results[0].corrected:
            run.corrected_untouched += 1
            ranking = ranked_ids(product_search(service, text, verbatim=True), groups)
        run.verbatim.add(ranking, relevant)
        run.baseline.add(baseline.ranking(text, groups), relevant)
        terms = analysed_terms(text)
        if pages_of_results:
            for hit in pages_of_results[0].hits[:SNIPPET_CHECK_DEPTH]:
                run.snippets.check(hit.snippet, hit.article.body, terms)
    ranking_seconds = time.perf_counter() - started
    check_suggestions(run, collection, judged, service, index, groups)
    if name == SPEED_COLLECTION:
        time_searches(run, [as_typed(collection.queries[q]) for q in judged], service, baseline)
    print(
        f"  {name}: {run.queries} queries in {ranking_seconds:.0f} s; "
        f"MAP {run.ours.map:.4f} (Whoosh defaults {run.baseline.map:.4f}); never corrected "
        f"{run.verbatim.map:.4f}; seeded typos recovered {run.recovered}/{run.typo_queries}, "
        f"typo MAP {run.typo_verbatim.map:.4f} -> {run.typo_auto.map:.4f}",
        flush=True,
    )
    return run


def check_suggestions(
    run: CollectionRun,
    collection: Collection,
    judged: list[str],
    service: SearchService,
    index: Path,
    groups: dict[str, list[str]],
) -> None:
    ix = IndexStore(index).open()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        spell_fields = [f"spell_{f}" for f in schema.DEFAULT_SEARCH_FIELDS]
        cache: dict[str, bool] = {}

        def known(word: str) -> bool:
            if word not in cache:
                cache[word] = any(reader.doc_frequency(f, word) > 0 for f in spell_fields)
            return cache[word]

        for qid in judged:
            text = as_typed(collection.queries[qid])
            untouched = service.search(parse_request({"q": text}))
            if untouched.total > 0:
                run.untouched_with_results += 1
                if untouched.suggestion is not None:
                    run.untouched_suggested += 1
                    changes = changed_words(text, untouched.suggestion)
                    run.failures.append(f"query {qid} as written: suggestion changes {changes}")
            rng = random.Random(f"{collection.name}:{qid}")
            typo = corrupt_query(text, known, rng)
            if typo is None:
                continue
            run.typo_queries += 1
            verbatim_pages = product_search(service, typo, verbatim=True)
            auto_pages = product_search(service, typo)
            relevant = collection.qrels[qid]
            verbatim_ranking = ranked_ids(verbatim_pages, groups)
            auto_ranking = ranked_ids(auto_pages, groups)
            run.typo_verbatim.add(verbatim_ranking, relevant)
            run.typo_auto.add(auto_ranking, relevant)
            original_ranking = ranked_ids(product_search(service, text), groups)
            run.typo_original.add(original_ranking, relevant)
            found_nothing = not verbatim_pages or verbatim_pages[0].total == 0
            # Recovered: the typo costs nothing, the results are those of the query as meant.
            run.recovered += auto_ranking == original_ranking
            run.searched_original += bool(auto_pages) and same_query(
                auto_pages[0].searched_for, text
            )
            empty_only_ranking = auto_ranking if found_nothing else verbatim_ranking
            run.recovered_if_empty_only += empty_only_ranking == original_ranking
            run.typo_if_empty_only.add(empty_only_ranking, relevant)
            suggestion = service.search(parse_request({"q": typo, "verbatim": "1"})).suggestion
            if same_query(suggestion, text):
                run.restored += 1
            else:
                made = changed_words(text, typo)
                undone = None if suggestion is None else changed_words(typo, suggestion)
                run.failures.append(f"query {qid} typo {made}: suggestion changes {undone}")


def time_searches(
    run: CollectionRun, texts: list[str], service: SearchService, baseline: WhooshDefaults
) -> None:
    """Milliseconds of one search (top 10 with snippets), ours and Whoosh defaults, interleaved."""
    for text in texts[:3]:  # warm caches (first searcher, analyzers) before timing
        service.search(parse_request({"q": text}))
        baseline.top_with_snippets(text)
    for text in texts:
        started = time.perf_counter()
        service.search(parse_request({"q": text}))
        run.ms_ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        baseline.top_with_snippets(text)
        run.ms_baseline.append((time.perf_counter() - started) * 1000)


# -- report ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def print_report(runs: list[CollectionRun]) -> None:
    print()
    print(
        "| collection | queries | ours MAP / nDCG@10 | BM25 ref MAP / nDCG@10 "
        "| Whoosh 2.7.4 ref | Whoosh defaults, this run | ours vs BM25 MAP |"
    )
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        (bm25_map, bm25_ndcg), (whoosh_map, whoosh_ndcg) = REFERENCE[run.name]
        met = "ok" if run.ours.map >= bm25_map else "BELOW"
        print(
            f"| {run.name} | {run.queries} | {run.ours.map:.4f} / {run.ours.ndcg10:.4f} "
            f"| {bm25_map:.3f} / {bm25_ndcg:.3f} | {whoosh_map:.3f} / {whoosh_ndcg:.3f} "
            f"| {run.baseline.map:.4f} / {run.baseline.ndcg10:.4f} "
            f"| {100 * (run.ours.map / bm25_map - 1):+.1f}% {met} |"
        )
    if len(runs) > 1:
        ours_map = statistics.fmean(r.ours.map for r in runs)
        ours_ndcg = statistics.fmean(r.ours.ndcg10 for r in runs)
        ref_map = statistics.fmean(REFERENCE[r.name][0][0] for r in runs)
        ref_ndcg = statistics.fmean(REFERENCE[r.name][0][1] for r in runs)
        whoosh_map = statistics.fmean(REFERENCE[r.name][1][0] for r in runs)
        whoosh_ndcg = statistics.fmean(REFERENCE[r.name][1][1] for r in runs)
        base_map = statistics.fmean(r.baseline.map for r in runs)
        base_ndcg = statistics.fmean(r.baseline.ndcg10 for r in runs)
        print(
            f"| mean | {sum(r.queries for r in runs)} | {ours_map:.4f} / {ours_ndcg:.4f} "
            f"| {ref_map:.4f} / {ref_ndcg:.4f} | {whoosh_map:.4f} / {whoosh_ndcg:.4f} "
            f"| {base_map:.4f} / {base_ndcg:.4f} | {100 * (ours_map / ref_map - 1):+.1f}% |"
        )
        print(
            f"\nmean MAP {100 * (ours_map / ref_map - 1):+.1f}% over the BM25 column's mean "
            f"(target >= +5%), {100 * (ours_map / base_map - 1):+.1f}% over Whoosh defaults "
            "run here; mean nDCG@10 "
            f"{100 * (ours_ndcg / ref_ndcg - 1):+.1f}% vs BM25"
        )
    merged = {r.name: r.merged_pages for r in runs if r.merged_pages}
    if merged:
        print(
            "pages with the same text as another page, indexed once and counted at the rank of "
            "their copy: " + ", ".join(f"{name} {count}" for name, count in merged.items())
        )
    truncated = sum(r.truncated for r in runs)
    if truncated:
        print(
            f"{truncated} queries longer than {MAX_QUERY_LENGTH} characters were cut at a word "
            "boundary, as the web form's maxlength does"
        )

    print("\nDid you mean (one seeded typo in one in-index word of >= 4 letters per query):")
    for run in runs:
        print(
            f"  {run.name}: restored {run.restored}/{run.typo_queries}; "
            f"untouched queries with results given a suggestion "
            f"{run.untouched_suggested}/{run.untouched_with_results}"
        )
    typos = sum(r.typo_queries for r in runs)
    restored = sum(r.restored for r in runs)
    untouched = sum(r.untouched_with_results for r in runs)
    suggested = sum(r.untouched_suggested for r in runs)
    if typos:
        print(f"  all: restored {100 * restored / typos:.1f}% (target >= 80%)")
    if untouched:
        print(
            f"  all: no suggestion for {100 * (1 - suggested / untouched):.1f}% of untouched "
            "queries that find results (target >= 95%)"
        )

    if typos:
        recovered = sum(r.recovered for r in runs)
        exact = sum(r.searched_original for r in runs)
        empty_only = sum(r.recovered_if_empty_only for r in runs)

        def mean_map(scores: Callable[[CollectionRun], Scores]) -> float:
            return statistics.fmean(scores(r).map for r in runs)

        print(
            "\nAuto-correction (the results of the corrected query shown at once), same run:\n"
            "  seeded typos recovered (the same 1000 results, in the same order, as the query "
            f"without the typo): product {100 * recovered / typos:.1f}% ({recovered}/{typos}; "
            f"target >= 90%); if corrected only when nothing is found "
            f"{100 * empty_only / typos:.1f}%; never corrected: see the typo MAP below\n"
            f"  (the product searched exactly the query without the typo for "
            f"{100 * exact / typos:.1f}%; the rest differ by an inflection, or correct another "
            "misspelt word of the original too)\n"
            "  typo queries, mean MAP: searched as typed "
            f"{mean_map(lambda r: r.typo_verbatim):.4f}; "
            f"auto-corrected {mean_map(lambda r: r.typo_auto):.4f}; only-when-nothing "
            f"{mean_map(lambda r: r.typo_if_empty_only):.4f}; the original queries "
            f"{mean_map(lambda r: r.typo_original):.4f}\n"
            f"  untouched queries, mean MAP: never corrected {mean_map(lambda r: r.verbatim):.4f}; "
            f"product {mean_map(lambda r: r.ours):.4f} "
            f"({sum(r.corrected_untouched for r in runs)} of {sum(r.queries for r in runs)} "
            "queries auto-corrected)"
        )
        for run in runs:
            print(
                f"  {run.name}: recovered {run.recovered}/{run.typo_queries} (only when nothing "
                f"is found {run.recovered_if_empty_only}); typo MAP "
                f"{run.typo_verbatim.map:.4f} -> {run.typo_auto.map:.4f} "
                f"(original {run.typo_original.map:.4f}); untouched MAP "
                f"{run.verbatim.map:.4f} -> {run.ours.map:.4f}"
            )

    matching = sum(r.snippets.matching_hits for r in runs)
    if matching:
        marked = sum(r.snippets.marked for r in runs)
        print(
            f"\nSnippets (first {SNIPPET_CHECK_DEPTH} hits of each query): {matching} hits whose "
            f"body has a query term; marked {100 * marked / matching:.2f}% (target >= 99%); "
            f"over {MAX_SNIPPET_CHARS} chars: {sum(r.snippets.too_long for r in runs)}; "
            f"cut inside a word: {sum(r.snippets.cut_inside_word for r in runs)}; "
            f"best passage not first: {sum(r.snippets.best_not_first for r in runs)}"
        )
        for run in runs:
            for example in run.snippets.examples[:1]:
                print(f"  unmarked ({run.name}): {example!r}")

    for run in runs:
        if run.ms_ours:
            print(
                f"\nOne search, top 10 with snippets, {run.name} ({len(run.ms_ours)} queries): "
                f"ours p50 {statistics.median(run.ms_ours):.1f} ms / "
                f"p95 {percentile(run.ms_ours, 0.95):.1f} ms; Whoosh defaults p50 "
                f"{statistics.median(run.ms_baseline):.1f} ms / "
                f"p95 {percentile(run.ms_baseline, 0.95):.1f} ms"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(NAMES))
    parser.add_argument("--out", type=Path, default=Path("/tmp/relevance"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--keep-index", action="store_true", help="reuse cached indexes as is")
    parser.add_argument("--failures", action="store_true", help="list suggestion failures")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.collections.split(",") if n.strip()]
    unknown = set(names) - set(NAMES)
    if unknown:
        sys.exit(f"unknown collections {sorted(unknown)}; choose from {', '.join(NAMES)}")
    runs = []
    for name in names:
        print(f"{name}:", flush=True)
        runs.append(run_collection(name, args.data, args.out, args.keep_index))
    print_report(runs)
    if args.failures:
        for run in runs:
            for failure in run.failures:
                print(f"  {run.name}: {failure}")


if __name__ == "__main__":
    main()
