#!/usr/bin/env python3
"""Where the time of a search, a related list and a build goes (issue 17's diagnosis).

Companion of bench/perf.py: it reads an index and the query mixes that a perf.py run left in its
--out folder (or the index and mix files given with --index and --mix), and prints, per query kind
and per match-set size class, the mean CPU milliseconds per query spent in each phase of
``SearchService.search`` (and of the web layer around it), then the same for
``SearchService.related``, the one-off costs a new index version pays on its first request, and
for a build, the CPU time of extraction, index writing and the manifest per page.

Stages are timed by wrapping the product's functions in place (a stack of timers: a stage's
*inclusive* time contains the stages it calls, its *exclusive* time does not); a function is
wrapped in its own module and wherever another module imported it by name.  The wrappers cost
about a microsecond a call, which the "wrapped calls" column lets you judge.  Each query runs
once unwrapped to warm the caches, then once timed: these are steady-state figures, as in a
worker that has served for a while.  ``--pyinstrument GROUP`` also writes pyinstrument's call tree
for one group's queries, ``--cprofile GROUP`` prints cProfile's top functions for them.

The functions timed are named in the tables SEARCH_PHASES, SEARCH_OPERATIONS, RELATED_STAGES
(module:qualified.name).  When a refactor renames or removes one, the script stops before
measuring anything and lists what is gone (``check`` does only that): update the tables then.

    .venv/bin/python bench/perf_profile.py search --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py search --index /work/data/main-21578 \\
        --mix /work/data/perf/query-mix-typed-21578.jsonl
    .venv/bin/python bench/perf_profile.py related --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py cold --out /work/data/perf --size 100000
    .venv/bin/python bench/perf_profile.py build --pages /work/data/perf/corpus-100000/0050
    .venv/bin/python bench/perf_profile.py check
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import inspect
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
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf import LARGEST_CLASS, SIZE_CLASSES, kind_label, size_class  # noqa: E402
from query_mix import BenchQuery  # noqa: E402

from indexer.index import schema  # noqa: E402
from search import SearchService, parse_request  # noqa: E402

# -- what is timed -------------------------------------------------------------------------------

# The product's packages: a timed function is also replaced wherever one of their modules bound it
# by name (``from search.matching import match`` in search.service).
PRODUCT_PACKAGES = ("indexer", "search", "web")

Count = Callable[[tuple[Any, ...], Any], int]


@dataclass(frozen=True)
class Stage:
    """A function to time: ``where`` is ``module:name`` or ``module:Class.method``."""

    label: str
    where: str
    count: Count | None = None  # count(args, result): the work the call did (postings scored)


def _docs_scored(args: tuple[Any, ...], _result: Any) -> int:
    return len(args[2])  # _Walk.bm25(self, field, docs, tf, df)


def _postings_summed(args: tuple[Any, ...], _result: Any) -> int:
    return sum(len(t.body_docs) + len(t.title_docs) for t in args[1])  # _content_scores


# The roots of a search: their direct children are its phases (SearchService.search, its _search
# (twice when a typo is searched as corrected: the corrected search's phases add to the same
# columns), and _matches, which picks how the query is matched).
SEARCH_ROOTS = (
    Stage("search", "search.service:SearchService.search"),
    Stage("search steps", "search.service:_search"),
    Stage("matches", "search.service:_matches"),
)
SEARCH_PHASES = (
    Stage("parse query", "search.query:parse_query"),
    Stage("filters", "search.collect:filters_of"),
    Stage("query branches", "search.ranking:query_branches"),
    Stage("stem completion", "search.ranking:complete_stems"),
    Stage("match + score + feedback (plain words)", "search.service:_plain_words"),
    Stage("match + score (operators, phrases, no q)", "search.matching:match"),
    Stage("highlight terms", "search.service:_highlight_terms"),
    Stage("page of documents (top-k)", "search.collect:page_of_documents"),
    Stage("hits: articles", "indexer.index.version:IndexReader.article"),
    Stage("hits: snippets + titles", "search.service:_hit"),
    Stage("facets", "search.collect:facet_counts"),
    Stage("did you mean", "search.suggest:suggest"),
    Stage("timeline", "search.collect:timeline"),
    Stage("autocorrection check", "search.service:_autocorrection"),
)
# What the phases spend their time on, wherever it is called (exclusive times), in two tables.
INDEX_OPERATIONS = (
    Stage("postings cache + deleted docs", "indexer.index.version:IndexVersion.postings"),
    Stage("posting reads (arrays or Whoosh)", "indexer.index.version:IndexVersion._read_postings"),
    Stage("prefix postings", "indexer.index.version:IndexVersion.prefix_postings"),
    Stage("phrase positions", "indexer.index.version:IndexVersion.positions"),
    Stage("exact phrases (candidates)", "search.matching:phrase_docs"),
    Stage("document frequencies", "indexer.index.version:IndexVersion.doc_frequency"),
    Stage("words starting (expand)", "indexer.index.version:IndexVersion.words_starting"),
    Stage("dense walk (masks, sums)", "search.matching:_Walk.node"),
    Stage("sparse walk (sorted docs)", "search.matching:_SparseWalk.node"),
    Stage("sparse walk (sorted docs)", "search.matching:_SparseWalk.within"),
    Stage("sparse walk (sorted docs)", "search.matching:_summed"),
    Stage("BM25 per term (arrays)", "search.matching:_Walk.bm25", count=_docs_scored),
    Stage("Whoosh matcher (sloppy, wildcards)", "search.matching:_Walk.by_whoosh"),
    Stage("Whoosh collector (unscorable)", "search.matching:_scored_by_whoosh"),
)
DOCUMENT_OPERATIONS = (
    Stage("top-k selection", "search.collect:top_documents"),
    Stage("date order", "search.collect:by_date"),
    Stage("feedback query (model, df)", "search.ranking:feedback_query"),
    Stage("feedback terms (analysis)", "search.ranking:_feedback_terms"),
    Stage("document cache", "indexer.index.version:IndexVersion.document_value"),
    Stage("stored fields (Whoosh)", "indexer.index.version:IndexReader.stored"),
    Stage("article JSON decode", "indexer.index.schema:from_stored"),
    Stage("snippet making", "search.snippets:make_snippet"),
    Stage("title highlight", "search.snippets:highlight"),
    Stage("facet counting (categories)", "search.collect:_count"),
    Stage("facet counting (authors, tags)", "search.collect:_MultiValues.count"),
    Stage("suggester: corrections", "search.suggest:corrected_text"),
    Stage("spelling frequencies", "indexer.index.version:IndexVersion.spelling_frequencies"),
)
SEARCH_STAGES = SEARCH_ROOTS + SEARCH_PHASES + INDEX_OPERATIONS + DOCUMENT_OPERATIONS

RELATED_STAGES = (
    Stage("related", "search.service:SearchService.related"),
    Stage("load article (id look-up)", "search.service:_load"),
    Stage("find_related (rest)", "search.related:find_related"),
    Stage("score (rest)", "search.related:_score"),
    Stage("analysis of article text", "search.related:_article_terms"),
    Stage("choose weightiest terms (df)", "search.related:_weightiest"),
    Stage("term postings + tf factors", "search.related:_scored_terms"),
    Stage("content scores (bincount)", "search.related:_content_scores", count=_postings_summed),
    Stage("fuller copy check", "search.related:_fuller_copy"),
    Stage("feedback (rest: vectors, idf)", "search.related:_with_feedback"),
    Stage("feedback terms of a match", "search.related:_expansion_terms"),
    Stage("ranking (argpartition)", "search.related:_ranked"),
    Stage("recency factors", "search.related:recency_factors"),
    Stage("background (median, MAD)", "search.related:_background"),
    Stage("shared terms", "search.related:_shared_terms"),
    Stage("shingles (copy detection)", "search.related:shingles"),
    Stage("snippets", "search.snippets:make_snippet"),
    Stage("article (cache look-up)", "indexer.index.version:IndexReader.article"),
    Stage("document cache", "indexer.index.version:IndexVersion.document_value"),
    Stage("stored fields (Whoosh)", "indexer.index.version:IndexReader.stored"),
    Stage("article JSON decode", "indexer.index.schema:from_stored"),
    Stage("postings cache + deleted docs", "indexer.index.version:IndexVersion.postings"),
    Stage("posting reads (arrays or Whoosh)", "indexer.index.version:IndexVersion._read_postings"),
    Stage("document frequencies", "indexer.index.version:IndexVersion.doc_frequency"),
)


class MissingStageError(Exception):
    """A function the profiler times is gone (renamed, moved, removed)."""


def resolve(stage: Stage) -> tuple[Any, str, Callable[..., Any]]:
    """``(owner, name, function)`` of a stage: the module or class that holds it."""
    module_name, _, qualname = stage.where.partition(":")
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise MissingStageError(f"{stage.where}: cannot import {module_name} ({error})") from None
    *path, name = qualname.split(".")
    path_names = [module_name, ".".join(path)] if path else [module_name]
    for part in path:
        if not hasattr(owner, part):
            raise MissingStageError(f"{stage.where}: {module_name} has no {part}")
        owner = getattr(owner, part)
    if not hasattr(owner, name):
        raise MissingStageError(f"{stage.where}: {name} is gone from {':'.join(path_names)}")
    raw = inspect.getattr_static(owner, name)
    if isinstance(raw, staticmethod | classmethod | property) or not callable(raw):
        raise MissingStageError(f"{stage.where}: no longer a plain function or method")
    return owner, name, getattr(owner, name)


def check_stages(stages: Sequence[Stage]) -> None:
    """Stop with a list of every timed function that no longer exists."""
    missing = []
    for stage in stages:
        try:
            resolve(stage)
        except MissingStageError as error:
            missing.append(str(error))
    if missing:
        lines = "\n".join(f"  - {m}" for m in missing)
        raise SystemExit(
            f"bench/perf_profile.py times {len(missing)} function(s) that no longer exist:\n"
            f"{lines}\nThe product was refactored: point the stage tables at the new names."
        )


def _bindings(owner: Any, name: str, function: Any) -> list[tuple[Any, str]]:
    """Where ``function`` must be replaced: its owner, and every product module that bound it by
    a name of its own (an import)."""
    found = [(owner, name)]
    if isinstance(owner, type):
        return found
    for module_name, module in list(sys.modules.items()):
        if not isinstance(module, ModuleType) or module is owner:
            continue
        if module_name.split(".")[0] not in PRODUCT_PACKAGES:
            continue
        for attribute, value in list(vars(module).items()):
            if value is function:
                found.append((module, attribute))
    return found


# -- the stage timers ----------------------------------------------------------------------------

# Stages are timed in CPU time of the calling thread, not wall time: other benchmarks share the
# machine's two cores, and a preempted stage would otherwise look slow.  (Searches read memory-
# mapped arrays from the page cache; a page fault's work is counted as the thread's system time.)
clock = time.thread_time


@dataclass
class _Frame:
    label: str
    started: float
    children: float = 0.0  # the wrapped calls inside it, corrected
    nested: int = 0  # how many wrapped calls ran inside it, at any depth


@dataclass
class StageTimes:
    """Seconds per label for one measured call: inclusive, exclusive, and calls."""

    inclusive: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    phase: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # under a root
    exclusive: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    volume: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # e.g. postings


class StageTimer:
    """Wraps functions in place with timers that know which wrapped call is inside which."""

    def __init__(self, roots: Sequence[Stage] = ()) -> None:
        self.roots = {stage.label for stage in roots}  # their direct children are the phases
        self._stack: list[_Frame] = []
        self._restore: list[tuple[Any, str, Any, bool]] = []
        self.current = StageTimes()
        self._active: dict[str, int] = defaultdict(int)  # calls of each label on the stack
        self.overhead = 0.0  # seconds a wrapped call adds (calibrate())
        self.labels: list[str] = []
        self.ever_called: set[str] = set()

    def wrap_all(self, stages: Sequence[Stage]) -> None:
        check_stages(stages)
        for stage in stages:
            self.wrap(stage)

    def wrap(self, stage: Stage) -> None:
        """Time the stage's function under its label, wherever the product calls it by name."""
        owner, name, original = resolve(stage)
        timed = self._timed(stage.label, original, stage.count)
        for holder, attribute in _bindings(owner, name, original):
            own = attribute in vars(holder)
            self._restore.append((holder, attribute, vars(holder).get(attribute), own))
            setattr(holder, attribute, timed)
        if stage.label not in self.labels:
            self.labels.append(stage.label)

    def _timed(self, label: str, original: Callable[..., Any], count: Count | None) -> Any:
        timer = self
        stack = self._stack
        active = self._active

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = _Frame(label, clock())
            stack.append(frame)
            active[label] += 1
            result = None
            try:
                result = original(*args, **kwargs)
                return result
            finally:
                # The wrapped calls inside cost the wrappers' own time on top of theirs: taken
                # off, so that figures add up to what an unwrapped run spends.
                elapsed = clock() - frame.started - frame.nested * timer.overhead
                stack.pop()
                active[label] -= 1
                times = timer.current
                if count is not None and result is not None:
                    times.volume[label] += count(args, result)
                times.exclusive[label] += elapsed - frame.children
                times.calls[label] += 1
                timer.ever_called.add(label)
                if not active[label]:
                    times.inclusive[label] += elapsed
                if stack:
                    parent = stack[-1]
                    parent.children += elapsed
                    parent.nested += frame.nested + 1
                    if parent.label in timer.roots and label not in timer.roots:
                        times.phase[label] += elapsed

        timed.__wrapped__ = original  # type: ignore[attr-defined]
        return timed

    def unwrap(self) -> None:
        for holder, attribute, original, own in reversed(self._restore):
            if own:
                setattr(holder, attribute, original)
            else:
                delattr(holder, attribute)
        self._restore.clear()

    @contextmanager
    def measure(self) -> Iterator[StageTimes]:
        self.current = StageTimes()
        yield self.current

    def report_uncalled(self) -> None:
        """Wrapped functions that never ran: a path the run did not take, work a cache saved
        (steady state), dead code, or a reference taken before wrapping (then the stage's figures
        are missing, not zero)."""
        uncalled = [label for label in self.labels if label not in self.ever_called]
        if uncalled:
            print(
                f"Wrapped but never called in the timed passes: {', '.join(uncalled)} (a path "
                "the queries do not take, a cached result, or dead code).\n"
            )

    def calibrate(self) -> float:
        """Measure what one wrapped call adds, in seconds of CPU, and take it off from now on:
        the median of 5 rounds of 20,000 wrapped calls of a function that does nothing, made
        from inside another wrapped call as the product's are."""

        def nothing() -> None:
            return None

        probe = StageTimer()
        inner = probe._timed("calibration", nothing, None)

        def calls(function: Callable[[], None]) -> None:
            for _ in range(20_000):
                function()

        outer = probe._timed("calibration loop", calls, None)
        rounds = []
        for _ in range(5):
            started = clock()
            calls(nothing)
            bare = clock() - started
            started = clock()
            outer(inner)
            rounds.append((clock() - started - bare) / 20_000)
        self.overhead = max(0.0, statistics.median(rounds))
        return self.overhead


# -- search --------------------------------------------------------------------------------------

Row = tuple[BenchQuery, int, float, StageTimes, float, float]


def mix_paths(args: argparse.Namespace) -> list[Path]:
    if args.mix:
        return list(args.mix)
    return [args.out / f"query-mix-{name}-{args.size}.jsonl" for name in args.mixes]


def load_mix(path: Path) -> list[BenchQuery]:
    with open(path, encoding="utf-8") as handle:
        return [BenchQuery.from_dict(json.loads(line)) for line in handle if line.strip()]


def index_dir(args: argparse.Namespace) -> Path:
    return args.index or args.out / f"index-{args.size}"


def _mean_ms(values: Sequence[float]) -> float:
    return statistics.fmean(values) * 1000 if values else 0.0


def profile_search(args: argparse.Namespace) -> None:
    check_stages(SEARCH_STAGES)
    from flask import json as flask_json

    from web.app import create_app

    folder = index_dir(args)
    service = SearchService(folder)
    service.warm()
    app = create_app({"INDEX_DIR": str(folder), "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    timer = StageTimer(SEARCH_ROOTS)
    for path in mix_paths(args):
        mix = load_mix(path)[: args.limit or None]
        # Warm every query once, unwrapped (steady state: caches hold the mix's words), in this
        # process's service and in the app's own.
        totals = [service.search(parse_request(q.params())).total for q in mix]
        statuses = [client.get(q.url_path()).status_code for q in mix]
        failed = [(q.text, code) for q, code in zip(mix, statuses, strict=True) if code != 200]
        timer.calibrate()
        timer.wrap_all(SEARCH_STAGES)
        staged: list[tuple[StageTimes, float]] = []
        try:
            for query in mix:
                with timer.measure() as times:
                    started = clock()
                    service.search(parse_request(query.params()))
                    staged.append((times, clock() - started))
        finally:
            timer.unwrap()
        rows: list[Row] = []
        for query, total, (times, wrapped) in zip(mix, totals, staged, strict=True):
            times.phase["wrapped search"] = wrapped - sum(times.calls.values()) * timer.overhead
            started = clock()
            with service.store.reader():
                pass
            times.phase["open reader"] = clock() - started
            started = clock()
            results = service.search(parse_request(query.params()))
            elapsed = clock() - started
            started = clock()
            flask_json.dumps(results.to_dict())
            json_s = clock() - started
            started = clock()
            client.get(query.url_path())
            flask_s = clock() - started
            rows.append((query, total, elapsed, times, json_s, flask_s))
        name = path.name.removesuffix(".jsonl")
        _print_search_tables(name, rows, timer.overhead)
        if failed:
            print(f"Queries the web API refused: {failed[:10]} ({len(failed)} in all)\n")
        if args.pyinstrument:
            chosen = [r[0] for r in rows if _in_group(r, args.pyinstrument)]
            _pyinstrument(args, service, chosen, name)
        if args.cprofile:
            _cprofile(args, service, [r[0] for r in rows if _in_group(r, args.cprofile)])
    timer.report_uncalled()
    _print_memory(service)


def _print_memory(service: SearchService) -> None:
    """This process's memory after the mixes, split into heap and mapped files, and what the live
    version's caches hold (a server worker holds the same caches)."""
    fields: dict[str, float] = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Anonymous"):
                fields[key] = int(rest.split()[0]) / 1024
    version = service.store.live_version()
    postings, postings_size = _cache_size(version, "_postings")
    frequencies, _ = _cache_size(version, "_frequencies")
    documents, characters = _cache_size(version, "_documents")
    mapped = fields.get("Rss", 0) - fields.get("Anonymous", 0)
    print(
        f"Memory of this process after the mixes (two services: this one and the app's): RSS "
        f"{fields.get('Rss', 0):.0f} MB, of which anonymous (heap) "
        f"{fields.get('Anonymous', 0):.0f} MB and file-backed (memory-mapped index files, "
        f"shareable between workers) {mapped:.0f} MB.  One version's caches: postings of "
        f"{postings:,} terms, {postings_size:,} postings (~{postings_size * 16 / 1e6:.0f} MB of "
        f"arrays); {frequencies:,} document frequencies; {documents:,} documents "
        f"({characters / 1e6:.1f} M characters)."
    )


def _cache_size(version: Any, name: str) -> tuple[int, int]:
    """Entries and total cost of one of a version's caches (private: only a profiler asks)."""
    cache = getattr(version, name)
    return len(cache._entries), int(cache._size)


def _in_group(row: Row, group: str) -> bool:
    return group in (kind_label(row[0]), size_class(row[1]), "all")


def _groups(rows: Sequence[Row]) -> tuple[list[str], dict[str, list[int]]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (query, total, *_rest) in enumerate(rows):
        groups["all"].append(i)
        groups[kind_label(query)].append(i)
        groups[size_class(total)].append(i)
    sizes = [label for label, _, _ in SIZE_CLASSES] + [LARGEST_CLASS]
    order = ["all", *sorted(g for g in groups if g != "all" and g not in sizes), *sizes]
    return [g for g in order if g in groups], groups


def _labels(stages: Sequence[Stage]) -> list[str]:
    return list(dict.fromkeys(stage.label for stage in stages))


def _print_search_tables(mix_name: str, rows: Sequence[Row], overhead: float) -> None:
    order, groups = _groups(rows)

    def column(label: str, members: list[int], kind: str) -> float:
        return _mean_ms([getattr(rows[i][3], kind).get(label, 0.0) for i in members])

    phases = _labels(SEARCH_PHASES)
    print(f"\n### {mix_name}: mean CPU ms per query, steady state (in-process)\n")
    header = ["group", "n", "search (unwrapped)", "search (wrapped)", *phases, "other"]
    header += ["wrapped calls"]
    header += ["JSON", "Flask (test client)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for group in order:
        members = groups[group]
        mean_total = _mean_ms([rows[i][2] for i in members])
        values = [column(p, members, "phase") for p in phases]
        wrapped = column("wrapped search", members, "phase")
        other = wrapped - sum(values)
        calls = statistics.fmean(sum(rows[i][3].calls.values()) for i in members)
        json_ms = _mean_ms([rows[i][4] for i in members])
        flask_extra = _mean_ms([rows[i][5] - rows[i][2] - rows[i][4] for i in members])
        cells = [group, str(len(members)), f"{mean_total:.2f}", f"{wrapped:.2f}"]
        cells += [f"{v:.2f}" for v in values]
        cells += [f"{other:.2f}", f"{calls:.0f}", f"{json_ms:.2f}", f"{flask_extra:.2f}"]
        print("| " + " | ".join(cells) + " |")
    opened = _mean_ms([rows[i][3].phase.get("open reader", 0.0) for i in groups["all"]])
    print(
        "\nPhases (inclusive) are timed in a wrapped pass; 'search (unwrapped)', JSON and Flask "
        "in an unwrapped one (one run each: compare the two totals for the noise).  Wrapped "
        "figures are less the wrappers' own cost "
        f"({overhead * 1e6:.1f} µs a wrapped call, measured before the pass; 'wrapped calls' says "
        "how many).  A typo searched as corrected adds the corrected search's phases to the "
        "same columns.  'other' is the wrapped SearchService.search less its phases: opening "
        f"a reader ({opened:.2f} ms measured alone) and what _search and _matches do "
        "themselves.  JSON: flask.json.dumps of to_dict(); Flask: the test client's request "
        "less the search and the JSON.\n"
    )
    print(f"### {mix_name}: postings scored per query (BM25 over arrays)\n")
    print("| group | n | mean | max |")
    print("|---|---|---|---|")
    for group in order:
        scored = [rows[i][3].volume.get("BM25 per term (arrays)", 0) for i in groups[group]]
        print(f"| {group} | {len(scored)} | {statistics.fmean(scored):,.0f} | {max(scored):,} |")
    for title, stages in (
        ("index and matching", INDEX_OPERATIONS),
        ("documents, facets, suggestions", DOCUMENT_OPERATIONS),
    ):
        labels = _labels(stages)
        print(f"\n### {mix_name}: {title}, mean exclusive CPU ms per query (calls per query)\n")
        print("| group | n | " + " | ".join(labels) + " |")
        print("|" + "---|" * (len(labels) + 2))
        for group in order:
            members = groups[group]
            cells = [group, str(len(members))]
            for label in labels:
                ms = column(label, members, "exclusive")
                calls = statistics.fmean(rows[i][3].calls.get(label, 0) for i in members)
                cells.append(f"{ms:.2f} ({calls:.1f})" if calls else "-")
            print("| " + " | ".join(cells) + " |")
    print()


def _pyinstrument(
    args: argparse.Namespace, service: SearchService, queries: list[BenchQuery], mix_name: str
) -> None:
    from pyinstrument import Profiler

    if not queries:
        print(f"no query of the mix is in the group {args.pyinstrument!r}\n")
        return
    # pyinstrument samples wall-clock time: on a loaded machine read it for shares only.
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(3):
        for query in queries:
            service.search(parse_request(query.params()))
    profiler.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    group = args.pyinstrument.replace(" ", "_").replace(",", "")
    target = args.out / f"pyinstrument-{mix_name}-{group}.txt"
    target.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(f"pyinstrument call tree of {len(queries)} queries × 3: {target}\n")


def _cprofile(args: argparse.Namespace, service: SearchService, queries: list[BenchQuery]) -> None:
    if not queries:
        print(f"no query of the mix is in the group {args.cprofile!r}\n")
        return
    # cProfile's own cost inflates what it measures (most in small functions): read it for
    # shares and call counts, not totals.
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    for _ in range(3):
        for query in queries:
            service.search(parse_request(query.params()))
    profile.disable()
    print(f"#### cProfile of {len(queries)} queries × 3 ({args.cprofile}), by cumulative time\n")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(args.top)


# -- related -------------------------------------------------------------------------------------


def profile_related(args: argparse.Namespace) -> None:
    check_stages(RELATED_STAGES)
    service = SearchService(index_dir(args))
    service.warm()
    with service.store.reader() as reader:
        live = reader.values.live_ids.tolist()
        chosen = random.Random(args.seed).sample(live, min(len(live), args.related))
        sample = [str(reader.stored(docnum)[schema.ID]) for docnum in chosen]
    timer = StageTimer(RELATED_STAGES[:1])
    timer.calibrate()
    timer.wrap_all(RELATED_STAGES)
    labels = _labels(RELATED_STAGES)
    volume_label = "content scores (bincount)"
    try:
        for label in ("first time (postings not cached)", "again (cached)"):
            rows: list[tuple[float, StageTimes]] = []
            for article_id in sample:
                with timer.measure() as times:
                    started = clock()
                    service.related(article_id, limit=5)
                    wrapped = clock() - started
                    rows.append((wrapped - sum(times.calls.values()) * timer.overhead, times))
            elapsed = sorted(r[0] * 1000 for r in rows)
            volumes = [r[1].volume.get(volume_label, 0) for r in rows]
            print(f"\n### related lists (limit 5), {len(sample)} articles, {label}\n")
            print(
                f"p50 {statistics.median(elapsed):.1f} ms, "
                f"p95 {elapsed[int(0.95 * (len(elapsed) - 1))]:.1f} ms, "
                f"mean {statistics.fmean(elapsed):.1f} ms (CPU, less the wrappers' "
                f"{timer.overhead * 1e6:.1f} µs a call); postings summed per list: "
                f"mean {statistics.fmean(volumes):,.0f}, max {max(volumes):,}\n"
            )
            print("| stage | exclusive mean ms | share | inclusive mean ms | calls per list |")
            print("|---|---|---|---|---|")
            mean_total = statistics.fmean(r[0] for r in rows) * 1000
            for stage in labels:
                ms = _mean_ms([r[1].exclusive.get(stage, 0.0) for r in rows])
                inclusive = _mean_ms([r[1].inclusive.get(stage, 0.0) for r in rows])
                calls = statistics.fmean(r[1].calls.get(stage, 0) for r in rows)
                name = "SearchService.related (rest)" if stage == "related" else stage
                print(
                    f"| {name} | {ms:.2f} | {ms / mean_total:.0%} | {inclusive:.2f} | {calls:.1f} |"
                )
    finally:
        timer.unwrap()
    print()
    timer.report_uncalled()


# -- one-off costs of a new index version --------------------------------------------------------


def profile_cold(args: argparse.Namespace) -> None:
    """What the first request after a start or an update pays: each per-version load, alone."""
    from whoosh import index as whoosh_index

    from indexer.index.arrays import DocumentArrays, PostingArrays
    from indexer.index.store import IndexStore
    from indexer.index.version import IndexReader, IndexVersion
    from indexer.index.whoosh_private import segment_files
    from search import collect

    folder = index_dir(args)
    generation = IndexStore(folder).current_generation()
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

    ix = timed(
        "open the Whoosh index (table of contents)",
        lambda: whoosh_index.open_dir(str(generation)),
    )
    searcher = timed("a Whoosh searcher (segment readers)", ix.searcher)
    segments = [leaf.segment() for leaf, _ in searcher.reader().leaf_readers()]
    segments = [s for s in segments if s is not None]

    def load_arrays() -> dict[Any, tuple[Any, Any]]:
        loaded = {}
        for segment in segments:
            files = segment_files(str(generation), segment)
            loaded[segment.segment_id()] = (PostingArrays.load(files), DocumentArrays.load(files))
        return loaded

    arrays = timed(f"posting and document arrays of {len(segments)} segment(s)", load_arrays)
    key = (generation.name, int(searcher.reader().generation() or 0))
    version = timed(
        "IndexVersion: per-document values assembled, languages, average lengths",
        lambda: IndexVersion(key, searcher, lambda s: arrays[s.segment_id()]),
    )
    reader = IndexReader(version, searcher)
    timed("author and tag facet values (collect.warm)", lambda: collect.warm(reader))
    words = ["market", "company", "oil", "bank", "share", "trade", "price", "rate"]
    timed(
        "8 document frequencies (not cached)",
        lambda: [reader.doc_frequency(schema.BODY, w) for w in words],
    )
    timed(
        "postings of 3 common words (not cached)",
        lambda: [reader.postings(schema.BODY, w) for w in ("said", "market", "company")],
    )
    searcher.close()
    service = SearchService(folder)
    timed(
        "first search of a fresh service ('market prices': all of the above and more)",
        lambda: service.search(parse_request({"q": "market prices"})),
    )
    samples = []
    for _ in range(20):
        started, started_cpu = time.perf_counter(), time.thread_time()
        with service.store.reader():
            pass
        samples.append(
            ((time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000)
        )
    figures["a reader from the store, version loaded (median of 20)"] = (
        statistics.median(w for w, _ in samples),
        statistics.median(c for _, c in samples),
    )
    print(
        f"\n### one-off costs of a new index version ({folder}, {version.doc_count:,} articles, "
        f"{len(segments)} segment(s))\n"
    )
    print("| load | wall ms | CPU ms |")
    print("|---|---|---|")
    for label, (wall, cpu) in figures.items():
        print(f"| {label} | {wall:.1f} | {cpu:.1f} |")


# -- build ---------------------------------------------------------------------------------------


def profile_build(args: argparse.Namespace) -> None:
    """CPU seconds per page of each part of a build, one process, on the pages under --pages."""
    import lxml.html
    from whoosh import index as whoosh_index

    from indexer.build import WRITER_LIMIT_MB, WRITER_OPTIONS, _extract_file, _Job
    from indexer.index.manifest import FileRecord, Manifest

    if args.pages is None:
        raise SystemExit("the build part needs --pages FOLDER (a folder of article pages)")
    pages = sorted(
        os.path.relpath(os.path.join(folder, name), args.pages)
        for folder, _, names in os.walk(args.pages)
        for name in names
        if name.endswith((".html", ".htm", ".html.gz"))
    )[: args.build_pages]
    if not pages:
        raise SystemExit(f"no .html, .htm or .html.gz pages under {args.pages}")
    root = str(args.pages)

    def job(path: str) -> _Job:
        info = os.stat(os.path.join(root, path))
        return _Job(root, path, "", info.st_size, info.st_mtime_ns, None)

    jobs = [job(path) for path in pages]
    print(f"\n### build parts, {len(pages)} pages of {root}, one process, CPU seconds\n")
    figures: dict[str, float] = {}

    def cpu() -> float:
        return time.process_time()

    started = cpu()
    for path in pages:
        with open(os.path.join(root, path), "rb") as handle:
            data = handle.read()
        if path.endswith(".gz"):
            import gzip

            data = gzip.decompress(data)
        lxml.html.fromstring(data)
    figures["floor: read + lxml.html parse"] = cpu() - started

    # One-off loads (the language model, trafilatura's settings) are not a per-page cost.
    _extract_file(jobs[0])
    started = cpu()
    extracted = [_extract_file(j) for j in jobs]
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
    profiled = jobs[: max(1, len(jobs) // 3)]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for j in profiled:
        _extract_file(j)
    profile.disable()
    writer_profile = cProfile.Profile(time.process_time)
    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        writer_profile.enable()
        write(folder)
        writer_profile.disable()
    floor = figures["floor: read + lxml.html parse"] or 1e-9
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


def check(_args: argparse.Namespace) -> None:
    stages = SEARCH_STAGES + RELATED_STAGES
    check_stages(stages)
    print(f"all {len({s.where for s in stages})} functions bench/perf_profile.py times exist")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("part", choices=("search", "related", "cold", "build", "check"))
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("/tmp/artsearch-perf"),
        help="a perf.py output folder (index-SIZE, query-mix-NAME-SIZE.jsonl); "
        "profiles are written here",
    )
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--mixes", default="first,typed", type=lambda s: s.split(","))
    parser.add_argument("--index", type=Path, help="the index folder (default: OUT/index-SIZE)")
    parser.add_argument(
        "--mix",
        type=Path,
        action="append",
        help="a query mix file (repeatable; default: the --mixes in OUT)",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries of a mix")
    parser.add_argument(
        "--pyinstrument", metavar="GROUP", help="e.g. '1 word' or 'matches > 10,000'"
    )
    parser.add_argument("--cprofile", metavar="GROUP", help="cProfile one group's queries")
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
        "check": check,
    }[args.part](args)


if __name__ == "__main__":
    main()
