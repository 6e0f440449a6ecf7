#!/usr/bin/env python3
"""Where the time of a search, a related list and a build goes (issue 17's diagnosis).

Companion of bench/perf.py: it reads the index, the FTS5 database and the query mixes that a
perf.py run left in its --out folder, and prints, per query kind and per match-set size class,
the mean CPU milliseconds per query spent in each stage of ``SearchService.search`` (and of the web
layer around it), then the same for ``SearchService.related``, the one-off costs a new index
version pays on its first request, and for a build, the CPU time of extraction, index writing and
the manifest per page.

Stages are timed by wrapping the product's functions in place (a stack of timers: a stage's
*inclusive* time contains the stages it calls, its *exclusive* time does not); the wrappers cost
about a microsecond a call, which the table's "wrapped calls" column lets you judge.  Each query
runs once unwrapped to warm the caches, then once timed: these are steady-state figures, as in a
worker that has served for a while.  ``--pyinstrument GROUP`` also writes pyinstrument's call
tree for one group's queries.

    .venv/bin/python bench/perf_profile.py search --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py related --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py cold --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py build --pages /work/data/perf/corpus-100000/0050
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import search.docsets as docsets_module  # noqa: E402
import search.execute as execute_module  # noqa: E402
import search.vectorscore as vectorscore_module  # noqa: E402
from perf import SIZE_CLASSES, kind_label, size_class  # noqa: E402
from query_mix import BenchQuery  # noqa: E402

import search.ranking as ranking_module  # noqa: E402
import search.related as related_module  # noqa: E402
import search.service as service_module  # noqa: E402
import search.suggest as suggest_module  # noqa: E402
from indexer.index import schema  # noqa: E402
from search import SearchService, parse_request  # noqa: E402

# -- the stage timers --------------------------------------------------------------------------

# Stages are timed in CPU time of the calling thread, not wall time: other benchmarks share the
# machine's two cores, and a preempted stage would otherwise look slow.  (Searches read memory-
# mapped arrays from the page cache; a page fault's work is counted as the thread's system time.)
clock = time.thread_time


@dataclass
class _Frame:
    label: str
    started: float
    children: float = 0.0


@dataclass
class StageTimes:
    """Seconds per label for one measured call: inclusive, exclusive, and calls."""

    inclusive: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    phase: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # under the root
    exclusive: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    volume: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # e.g. postings


class StageTimer:
    """Wraps functions in place with timers that know which wrapped call is inside which."""

    def __init__(self, *roots: str) -> None:
        self.roots = set(roots)  # the labels whose direct children are the phases
        self._stack: list[_Frame] = []
        self._restore: list[tuple[Any, str, Any]] = []
        self.current = StageTimes()

    def wrap(
        self,
        owner: Any,
        name: str,
        label: str,
        count: Callable[[tuple[Any, ...], Any], int] | None = None,
    ) -> None:
        """Time ``owner.name`` under ``label``; ``count(args, result)``, when given, adds to the
        label's volume (how much work the call did, such as postings read)."""
        original = getattr(owner, name)
        timer = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = _Frame(label, clock())
            timer._stack.append(frame)
            result = None
            try:
                result = original(*args, **kwargs)
                return result
            finally:
                if count is not None and result is not None:
                    timer.current.volume[label] += count(args, result)
                elapsed = clock() - frame.started
                timer._stack.pop()
                times = timer.current
                times.exclusive[label] += elapsed - frame.children
                times.calls[label] += 1
                if all(f.label != label for f in timer._stack):
                    times.inclusive[label] += elapsed
                if timer._stack:
                    timer._stack[-1].children += elapsed
                    if timer._stack[-1].label in timer.roots:
                        times.phase[label] += elapsed

        self._restore.append((owner, name, original))
        setattr(owner, name, timed)

    def unwrap(self) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    @contextmanager
    def measure(self) -> Iterator[StageTimes]:
        self.current = StageTimes()
        yield self.current


# What a search is made of.  Phases: the direct steps of SearchService.search (inclusive).
# Operations: what those steps spend their time on, wherever they are called (exclusive).
SEARCH_PHASES = (
    "open searcher",
    "parse query",
    "filters",
    "match + score + feedback (plain words)",
    "match + score (other queries)",
    "page of documents (top-k)",
    "hits: stored fields + snippets",
    "facets",
    "did you mean",
)
SEARCH_OPERATIONS = (
    "posting reads (arrays or Whoosh)",
    "postings cache + deleted-docs filter",
    "BM25 per term (arrays)",
    "score tree (masks, sums)",
    "phrase positions",
    "Whoosh collector (prefixes)",
    "top-k selection",
    "feedback words (stored fields, analysis, df)",
    "document frequency look-ups",
    "stored fields (Whoosh)",
    "article JSON decode",
    "snippet making",
    "facet counting",
    "suggester: edits + look-ups",
)


def wrap_search(timer: StageTimer) -> None:
    from whoosh.reading import SegmentReader

    # SearchService.search parses, opens a searcher and calls _search, which runs the steps.
    timer.wrap(service_module.SearchService, "search", "search")
    timer.wrap(service_module.SearchService, "_search", "search steps")
    timer.wrap(service_module, "parse_query", "parse query")
    timer.wrap(execute_module, "filter_mask", "filters")
    timer.wrap(service_module, "_plain_words", "match + score + feedback (plain words)")
    timer.wrap(execute_module, "match", "match + score (other queries)")
    timer.wrap(execute_module, "page_of_documents", "page of documents (top-k)")
    timer.wrap(service_module, "_hit", "hits: stored fields + snippets")
    timer.wrap(execute_module, "facet_counts", "facets")
    timer.wrap(service_module, "suggest", "did you mean")
    # Operations.
    timer.wrap(docsets_module, "_read_postings", "posting reads (arrays or Whoosh)")
    timer.wrap(docsets_module.DocSets, "term_postings", "postings cache + deleted-docs filter")
    timer.wrap(
        vectorscore_module._Scorer,  # noqa: SLF001
        "term_scores",
        "BM25 per term (arrays)",
        count=lambda _args, result: len(result[0]),
    )
    timer.wrap(vectorscore_module._Scorer, "node", "score tree (masks, sums)")  # noqa: SLF001
    timer.wrap(docsets_module, "term_positions", "phrase positions")
    timer.wrap(execute_module, "_scored_by_whoosh", "Whoosh collector (prefixes)")
    timer.wrap(execute_module, "top_documents", "top-k selection")
    timer.wrap(service_module, "feedback_query", "feedback words (stored fields, analysis, df)")
    timer.wrap(ranking_module._DocFrequencies, "get", "document frequency look-ups")  # noqa: SLF001
    timer.wrap(SegmentReader, "stored_fields", "stored fields (Whoosh)")
    timer.wrap(schema, "from_stored", "article JSON decode")
    timer.wrap(service_module, "make_snippet", "snippet making")
    timer.wrap(execute_module, "_count", "facet counting")
    timer.wrap(suggest_module, "corrected_text", "suggester: edits + look-ups")


def load_mix(out: Path, name: str, size: int) -> list[BenchQuery]:
    path = out / f"query-mix-{name}-{size}.jsonl"
    with open(path, encoding="utf-8") as handle:
        return [BenchQuery.from_dict(json.loads(line)) for line in handle if line.strip()]


def _mean_ms(values: Sequence[float]) -> float:
    return statistics.fmean(values) * 1000 if values else 0.0


def profile_search(args: argparse.Namespace) -> None:
    index_dir = args.out / f"index-{args.size}"
    service = SearchService(index_dir)
    service.warm()
    from flask import json as flask_json

    from web.app import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    for mix_name in args.mixes:
        mix = load_mix(args.out, mix_name, args.size)
        if args.limit:
            mix = mix[: args.limit]
        # Warm every query once, unwrapped (steady state: caches hold the mix's words).
        totals = [service.search(parse_request(q.params())).total for q in mix]
        timer = StageTimer("search", "search steps")
        wrap_search(timer)
        staged: list[tuple[StageTimes, float]] = []
        try:
            for query in mix:
                with timer.measure() as times:
                    started = clock()
                    service.search(parse_request(query.params()))
                    staged.append((times, clock() - started))
        finally:
            timer.unwrap()
        rows: list[tuple[BenchQuery, int, float, StageTimes, float, float]] = []
        for query, total, (times, wrapped) in zip(mix, totals, staged, strict=True):
            times.phase["wrapped search"] = wrapped
            started = clock()
            with service.store.searcher():
                pass
            times.phase["open searcher"] = clock() - started
            started = clock()
            results = service.search(parse_request(query.params()))
            elapsed = clock() - started
            started = clock()
            flask_json.dumps(results.to_dict())
            json_s = clock() - started
            started = clock()
            response = client.get(query.url_path())
            flask_s = clock() - started
            assert response.status_code == 200, (query.text, response.status_code)
            rows.append((query, total, elapsed, times, json_s, flask_s))
        _print_search_table(mix_name, rows)
        if args.pyinstrument:
            _pyinstrument(args, service, [r[0] for r in rows if _in_group(r, args.pyinstrument)])
    _print_memory()


def _print_memory() -> None:
    """This process's memory after the mixes, split into heap and mapped files, and what the
    search caches hold (a server worker holds the same caches)."""
    fields: dict[str, float] = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Anonymous", "Pss_File", "Shared_Clean", "Private_Clean"):
                fields[key] = int(rest.split()[0]) / 1024
    docsets = execute_module.DOCSETS
    postings = docsets._postings  # noqa: SLF001
    entries = sum(len(docs) for docs, _ in postings.values())
    frequencies = len(ranking_module._FREQUENCIES._cache)  # noqa: SLF001
    mapped = fields.get("Rss", 0) - fields.get("Anonymous", 0)
    print(
        f"\nMemory of this process after the mixes: RSS {fields.get('Rss', 0):.0f} MB, of which "
        f"anonymous (heap) {fields.get('Anonymous', 0):.0f} MB and file-backed (memory-mapped "
        f"index files, shareable between workers) {mapped:.0f} MB.  "
        f"Postings cache: {len(postings):,} terms, {entries:,} postings "
        f"(~{entries * 16 / 1e6:.0f} MB of arrays); document-frequency cache: {frequencies:,} "
        "entries."
    )


def _in_group(row: tuple[BenchQuery, int, Any, Any, Any, Any], group: str) -> bool:
    return group in (kind_label(row[0]), size_class(row[1]), "all")


def _print_search_table(
    mix_name: str, rows: Sequence[tuple[BenchQuery, int, float, StageTimes, float, float]]
) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (query, total, *_rest) in enumerate(rows):
        groups["all"].append(i)
        groups[kind_label(query)].append(i)
        groups[size_class(total)].append(i)
    order = ["all", *sorted(g for g in groups if g != "all" and not g.startswith("matches"))]
    order += [label for label, _, _ in SIZE_CLASSES] + ["matches > 10,000"]
    order = [g for g in order if g in groups]

    def column(label: str, members: list[int], kind: str) -> float:
        return _mean_ms([getattr(rows[i][3], kind).get(label, 0.0) for i in members])

    print(f"\n### {mix_name} mix: mean CPU ms per query, steady state (in-process, unwrapped)\n")
    header = ["group", "n", "search (unwrapped)", *SEARCH_PHASES[1:], "other"]
    header += ["JSON", "Flask (test client)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for group in order:
        members = groups[group]
        mean_total = _mean_ms([rows[i][2] for i in members])
        phases = [column(p, members, "phase") for p in SEARCH_PHASES[1:]]
        other = column("wrapped search", members, "phase") - sum(phases)
        json_ms = _mean_ms([rows[i][4] for i in members])
        flask_extra = _mean_ms([rows[i][5] - rows[i][2] - rows[i][4] for i in members])
        cells = [group, str(len(members)), f"{mean_total:.2f}", *(f"{v:.2f}" for v in phases)]
        cells += [f"{other:.2f}", f"{json_ms:.2f}", f"{flask_extra:.2f}"]
        print("| " + " | ".join(cells) + " |")
    opened = _mean_ms([rows[i][3].phase.get("open searcher", 0.0) for i in groups["all"]])
    print(
        "\nPhases are timed in a wrapped pass, 'search (unwrapped)', JSON and Flask in an "
        "unwrapped one.  'other' is the wrapped SearchService.search less its phases: opening "
        f"the searcher ({opened:.2f} ms measured alone) and the wrappers' own cost.  JSON: "
        "flask.json.dumps of to_dict(); Flask: the test client's request less the search and "
        "the JSON.\n"
    )
    print(f"### {mix_name} mix: postings scored per query (BM25 over arrays)\n")
    print("| group | n | mean | max |")
    print("|---|---|---|---|")
    for group in order:
        scored = [rows[i][3].volume.get("BM25 per term (arrays)", 0) for i in groups[group]]
        print(f"| {group} | {len(scored)} | {statistics.fmean(scored):,.0f} | {max(scored):,} |")
    print()
    print(f"### {mix_name} mix: operations, mean exclusive CPU ms per query (calls per query)\n")
    print("| group | n | " + " | ".join(SEARCH_OPERATIONS) + " |")
    print("|" + "---|" * (len(SEARCH_OPERATIONS) + 2))
    for group in order:
        members = groups[group]
        cells = [group, str(len(members))]
        for label in SEARCH_OPERATIONS:
            ms = column(label, members, "exclusive")
            calls = statistics.fmean(rows[i][3].calls.get(label, 0) for i in members)
            cells.append(f"{ms:.2f} ({calls:.0f})" if calls else "-")
        print("| " + " | ".join(cells) + " |")


def _pyinstrument(args: argparse.Namespace, service: SearchService, queries: list[Any]) -> None:
    from pyinstrument import Profiler

    if not queries:
        print(f"no query of the mix is in the group {args.pyinstrument!r}")
        return
    # pyinstrument samples wall-clock time: on a loaded machine read it for shares only.
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(3):
        for query in queries:
            service.search(parse_request(query.params()))
    profiler.stop()
    target = args.out / f"pyinstrument-{args.pyinstrument.replace(' ', '_')}.txt"
    target.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(f"pyinstrument call tree of {len(queries)} queries × 3: {target}")


# -- related -----------------------------------------------------------------------------------

RELATED_STAGES = (
    ("load article (id look-up, stored fields)", service_module, "_load"),
    ("analysis of article text (incl. feedback docs)", related_module, "_article_terms"),
    ("choose weightiest terms (df look-ups)", related_module, "_weightiest"),
    ("term postings + tf factors", related_module, "_scored_terms"),
    ("content scores (bincount over postings)", related_module, "_content_scores"),
    ("fuller copy check", related_module, "_fuller_copy"),
    ("feedback (rest: vectors, idf)", related_module, "_with_feedback"),
    ("ranking (argpartition)", related_module, "_ranked"),
    ("recency factors", related_module, "recency_factors"),
    ("shared terms", related_module, "_shared_terms"),
    ("shingles (copy detection)", related_module, "shingles"),
    ("snippets", related_module, "make_snippet"),
    ("article JSON decode", schema, "from_stored"),
    ("posting reads (arrays or Whoosh)", docsets_module, "_read_postings"),
    ("postings cache + deleted-docs filter", docsets_module.DocSets, "term_postings"),
    ("find_related (rest)", service_module, "find_related"),
)


def profile_related(args: argparse.Namespace) -> None:
    from whoosh.reading import SegmentReader

    index_dir = args.out / f"index-{args.size}"
    service = SearchService(index_dir)
    service.warm()
    with service.store.searcher() as searcher:
        ids = [fields["id"] for fields in searcher.reader().all_stored_fields()]
    sample = random.Random(args.seed).sample(ids, min(len(ids), args.related))
    del ids
    timer = StageTimer("related")
    timer.wrap(service_module.SearchService, "related", "related")
    for label, owner, name in RELATED_STAGES:
        if name == "_content_scores":
            # Postings summed into the scores: the work that grows with the corpus.
            timer.wrap(
                owner,
                name,
                label,
                count=lambda args, _result: sum(
                    len(t.body_docs) + len(t.title_docs) for t in args[2]
                ),
            )
        else:
            timer.wrap(owner, name, label)
    timer.wrap(SegmentReader, "stored_fields", "stored fields (Whoosh)")
    labels = [label for label, _, _ in RELATED_STAGES] + ["stored fields (Whoosh)", "related"]
    try:
        for label in ("first time (postings not cached)", "again (cached)"):
            rows: list[tuple[float, StageTimes]] = []
            for article_id in sample:
                with timer.measure() as times:
                    started = clock()
                    service.related(article_id, limit=5)
                    rows.append((clock() - started, times))
            elapsed = sorted(r[0] * 1000 for r in rows)
            volumes = [r[1].volume.get("content scores (bincount over postings)", 0) for r in rows]
            print(f"\n### related lists (limit 5), {len(sample)} articles, {label}\n")
            print(
                f"p50 {statistics.median(elapsed):.1f} ms, "
                f"p95 {elapsed[int(0.95 * (len(elapsed) - 1))]:.1f} ms, "
                f"mean {statistics.fmean(elapsed):.1f} ms (CPU, wrapped); postings summed "
                f"per list: mean {statistics.fmean(volumes):,.0f}, max {max(volumes):,}\n"
            )
            print("| stage (exclusive) | mean ms | share | calls per list |")
            print("|---|---|---|---|")
            mean_total = statistics.fmean(r[0] for r in rows) * 1000
            for stage in labels:
                ms = _mean_ms([r[1].exclusive.get(stage, 0.0) for r in rows])
                calls = statistics.fmean(r[1].calls.get(stage, 0) for r in rows)
                name = "SearchService.related (rest)" if stage == "related" else stage
                print(f"| {name} | {ms:.2f} | {ms / mean_total:.0%} | {calls:.0f} |")
    finally:
        timer.unwrap()


# -- one-off costs of a new index version ------------------------------------------------------


def profile_cold(args: argparse.Namespace) -> None:
    """What the first request after a start or an update pays: each per-version load, alone."""
    from search.docsets import DocSets

    from search.ranking import _DocFrequencies

    index_dir = args.out / f"index-{args.size}"
    service = SearchService(index_dir)
    figures: dict[str, tuple[float, float]] = {}

    def timed(label: str, work: Callable[[], Any]) -> Any:
        gc.collect()
        started, started_cpu = time.perf_counter(), time.thread_time()
        value = work()
        figures[label] = (
            (time.perf_counter() - started) * 1000,
            (time.thread_time() - started_cpu) * 1000,
        )
        return value

    with service.store.searcher() as searcher:
        reader = searcher.reader()
        leaves = list(reader.leaf_readers())
        fresh = DocSets()
        timed(
            "document values (source, year, dates) from Whoosh columns",
            lambda: fresh.values(searcher),
        )
        for name in (schema.BODY, schema.TITLE):

            def lengths(name: str = name) -> Any:
                return fresh.field_lengths(searcher, name)

            timed(f"field lengths of {name} (doc_field_length per document)", lengths)
        from indexer.index.arrays import SegmentArrays

        def load_arrays() -> None:
            for leaf, _ in leaves:
                folder = leaf._storage.folder  # type: ignore[attr-defined]  # noqa: SLF001
                SegmentArrays.load(folder, leaf.segment())

        timed(f"posting arrays of {len(leaves)} segments (memory-map)", load_arrays)
        frequencies = _DocFrequencies(1000)
        words = ["market", "company", "oil", "bank", "share", "trade", "price", "rate"]
        timed(
            "8 document frequencies from the term index",
            lambda: [frequencies.get(searcher, (), schema.BODY, w) for w in words],
        )
        common = [searcher.schema[schema.BODY].to_bytes(w) for w in ("said", "market", "company")]
        timed(
            "postings of 3 common words (not cached)",
            lambda: [fresh.term_postings(searcher, schema.BODY, w) for w in common],
        )
    samples = []
    for _ in range(20):
        started, started_cpu = time.perf_counter(), time.thread_time()
        with service.store.searcher():
            pass
        samples.append(
            ((time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000)
        )
    figures["a searcher from the store, cached per thread (median of 20)"] = (
        statistics.median(w for w, _ in samples),
        statistics.median(c for _, c in samples),
    )
    print(
        f"\n### one-off costs of a new index version ({args.size:,} pages, {len(leaves)} segments)"
    )
    print()
    print("| load | wall ms | CPU ms |")
    print("|---|---|---|")
    for label, (wall, cpu) in figures.items():
        print(f"| {label} | {wall:.1f} | {cpu:.1f} |")


# -- build -------------------------------------------------------------------------------------


def profile_build(args: argparse.Namespace) -> None:
    """CPU seconds per page of each part of a build, one process, on the pages under --pages."""
    import lxml.html
    from whoosh import index as whoosh_index

    from indexer.build import WRITER_LIMIT_MB, WRITER_OPTIONS, _extract_file
    from indexer.index.manifest import FileRecord, Manifest

    pages = sorted(
        os.path.relpath(os.path.join(folder, name), args.pages)
        for folder, _, names in os.walk(args.pages)
        for name in names
        if name.endswith((".html", ".htm", ".html.gz"))
    )[: args.build_pages]
    root = str(args.pages)
    print(f"\n### build parts, {len(pages)} pages of {root}, one process, CPU seconds\n")
    figures: dict[str, float] = {}

    def cpu() -> float:
        return time.process_time()

    started = cpu()
    for path in pages:
        with open(os.path.join(root, path), "rb") as handle:
            lxml.html.fromstring(handle.read())
    figures["floor: read + lxml.html parse"] = cpu() - started

    # One-off loads (the language model, trafilatura's settings) are not a per-page cost.
    _extract_file((root, pages[0], None))
    started = cpu()
    extracted = [_extract_file((root, path, None)) for path in pages]
    figures["extraction (_extract_file: read, hash, extract_page)"] = cpu() - started
    # What a full build writes at once: each page's own article (embedded copies of stories that
    # have a page of their own are not written again).
    articles = [a for e in extracted for a in e.articles if not a.embedded]

    def write(folder: str) -> tuple[float, float]:
        ix = whoosh_index.create_in(folder, schema.SCHEMA)
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, **WRITER_OPTIONS)
        started = cpu()
        for article in articles:
            writer.add_document(**schema.to_document(article))
        added = cpu()
        writer.commit(merge=False)
        return added - started, cpu() - added

    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        started = cpu()
        for article in articles:
            schema.to_document(article)
        figures["to_document (JSON of the stored article, fingerprint)"] = cpu() - started
        adding, committing = write(folder)
        figures["Whoosh add_document (analysis, posting pool; incl. to_document)"] = adding
        figures["Whoosh commit (sort, write segment, spelling, posting arrays)"] = committing
        whoosh_bytes = sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())
        manifest = Manifest(Path(folder) / "manifest.sqlite")
        started = cpu()
        for result in extracted:
            record = FileRecord(
                result.path, result.size, result.mtime_ns, result.sha, result.reason
            )
            manifest.replace_file(record, result.articles)
        manifest.commit()
        figures["manifest (one row per file, JSON per article)"] = cpu() - started
        manifest.close()
        manifest_bytes = (Path(folder) / "manifest.sqlite").stat().st_size
    # Function-level profiles in separate passes (cProfile's own cost inflates what it measures:
    # read them for shares, not for totals).
    profiled = pages[: max(1, len(pages) // 3)]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for path in profiled:
        _extract_file((root, path, None))
    profile.disable()
    writer_profile = cProfile.Profile(time.process_time)
    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        writer_profile.enable()
        write(folder)
        writer_profile.disable()
    floor = figures["floor: read + lxml.html parse"]
    print("| part | CPU s | ms per page | × floor |")
    print("|---|---|---|---|")
    for label, seconds in figures.items():
        per_page = seconds / len(pages) * 1000
        print(f"| {label} | {seconds:.1f} | {per_page:.1f} | {seconds / floor:.1f}× |")
    print(
        f"\n{len(articles)} own articles written from {len(pages)} pages; "
        f"Whoosh files {whoosh_bytes / 1e6:.1f} MB, manifest {manifest_bytes / 1e6:.1f} MB\n"
    )
    for title, prof in (("extraction", profile), ("writing", writer_profile)):
        print(f"#### {title}: top functions by cumulative CPU time (profiled separately)\n")
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(args.top)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("part", choices=("search", "related", "cold", "build"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-perf"))
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--mixes", default="first,typed", type=lambda s: s.split(","))
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries of a mix")
    parser.add_argument(
        "--pyinstrument", metavar="GROUP", help="e.g. '1 word' or 'matches > 10,000'"
    )
    parser.add_argument("--related", type=int, default=100, help="articles for the related part")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--pages", type=Path, help="a folder of pages for the build part")
    parser.add_argument("--build-pages", type=int, default=1000)
    parser.add_argument(
        "--scratch", type=Path, default=None, help="temporary index folder's parent"
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per cProfile")
    args = parser.parse_args(argv)
    {
        "search": profile_search,
        "related": profile_related,
        "cold": profile_cold,
        "build": profile_build,
    }[args.part](args)


if __name__ == "__main__":
    main()
