#!/usr/bin/env python3
"""Full build and search of this tree against other trees (the product before this round,
/work/base, by default) on the same pages, in one run.

Build: `artsearch index PAGES --index NEW --rebuild --json` of each tree, the trees taking turns
round by round.  Each tree runs from its own folder (PYTHONPATH) with a Python that has its
dependencies: its own `.venv` when it has one, else the Python running this script.  Each build
runs in a cgroup of its own (v1 `cpuacct`, so run as root): its CPU is the CPU of every process
it started, the extraction workers included, which GNU time cannot see since they are the
forkserver's children.  Wall time is printed with the load average beside it.

Search: each tree's own `SearchService` over its index and the query mixes
(`bench/query_mix.py`), in-process thread CPU per query (median of 3 runs), after one untimed pass.
The trees' search processes run side by side and take turns every 25 queries (the first of each
turn alternating), so that the drift of a shared machine's load falls on every tree alike; each
round's p50 per mix, and their median over `--search-rounds`.  `--search-only` skips the builds
and searches the `index-NAME` folders already in `--out`.

    .venv/bin/python bench/build_compare.py --corpus /work/data/perf/corpus-100000 \\
        --mix /work/data/perf/query-mix-first-100000.jsonl \\
        --mix /work/data/perf/query-mix-typed-100000.jsonl --out /work/data/compare-100000
    .venv/bin/python bench/build_compare.py --corpus DIR --pages 5000 --rounds 2 --out /tmp/cmp \\
        --tree base=/work/base --tree before-13=/work/wt/ten
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cpu_group import CpuGroup
from extraction_speed import python_of  # each tree's own Python

ROOT = Path(__file__).resolve().parent.parent
BASE = Path("/work/base")

# One process per tree, serving slices of a mix on request (a JSON line on standard input: mix,
# start, end), so that the trees can take turns every few dozen queries: on a shared machine the
# load drifts over minutes, and a tree timed a whole mix after another sees a different machine.
_SEARCH = r"""
import json, statistics, sys, time
from search import SearchService, parse_request
index, mixes = sys.argv[1], sys.argv[2:]
service = SearchService(index)
keys = ("q", "sort", "source", "from", "to", "page")
def request(query):
    return parse_request({k: query[k] for k in keys if k in query})
queries = {mix: [json.loads(line) for line in open(mix)] for mix in mixes}
failed = 0
for mix_queries in queries.values():  # one untimed pass: caches warm
    for query in mix_queries:
        try:
            service.search(request(query))
        except Exception:
            failed += 1  # counted again, per query, when timed
print(json.dumps({"ready": True, "failed_warming": failed}), flush=True)
for line in sys.stdin:
    mix, start, end = json.loads(line)
    per_query, errors = [], 0
    for query in queries[mix][start:end]:
        times = []
        for _ in range(3):
            started = time.thread_time()
            try:
                service.search(request(query))
            except Exception:
                errors += 1
            times.append((time.thread_time() - started) * 1000)
        per_query.append(statistics.median(times))
    print(json.dumps({"ms": per_query, "errors": errors}), flush=True)
"""
# Queries each tree runs before the other takes its turn.
SEARCH_SLICE = 25


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def subset(corpus: Path, pages: int, into: Path) -> Path:
    """The first `pages` pages of `corpus` (sorted paths), hard-linked into `into`."""
    if into.exists():
        shutil.rmtree(into)
    files = sorted(p for p in corpus.rglob("*") if p.is_file())[:pages]
    for path in files:
        target = into / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    return into


def build(tree: Path, pages: Path, index: Path, workers: int | None) -> dict[str, Any]:
    if index.exists():
        shutil.rmtree(index)
    group = CpuGroup(f"artsearch-build-{os.getpid()}")
    cli = "import sys; from web.cli import main; sys.exit(main())"
    command = [python_of(tree), "-c", cli]
    command += ["index", str(pages), "--index", str(index), "--rebuild", "--json"]
    if workers:
        command += ["--workers", str(workers)]
    # The shell moves itself into the group, then becomes the indexer: nothing runs outside it.
    wrapped = ["/bin/sh", "-c", f'echo $$ > {group.path}/cgroup.procs && exec "$@"', "sh", *command]
    load_before = load()
    started = time.perf_counter()
    env = os.environ | {"PYTHONPATH": str(tree)}
    process = subprocess.run(
        wrapped, capture_output=True, text=True, check=False, env=env, cwd=tree
    )
    wall = time.perf_counter() - started
    group.wait_empty()
    total, user, system = group.seconds()
    group.remove()
    if process.returncode != 0:
        raise RuntimeError(
            f"{tree}: artsearch index failed ({process.returncode}):\n{process.stderr[-2000:]}"
        )
    report = json.loads(process.stdout)
    return {
        "wall_s": wall,
        "cpu_s": total,
        "user_s": user,
        "sys_s": system,
        "indexed": report.get("indexed"),
        "skipped": len(report.get("skipped", [])),
        "load_before": load_before,
        "load_after": load(),
    }


class SearchProcess:
    """A tree's search process over its index (see _SEARCH)."""

    def __init__(self, tree: Path, index: Path, mixes: list[Path]) -> None:
        env = os.environ | {"PYTHONPATH": str(tree)}
        command = [python_of(tree), "-c", _SEARCH, str(index), *map(str, mixes)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tree
        )
        self._read()  # "ready": loaded and warmed

    def _read(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"search process ended ({self.process.wait()})")
        return json.loads(line)

    def run(self, mix: Path, start: int, end: int) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps([str(mix), start, end]) + "\n")
        self.process.stdin.flush()
        return dict(self._read())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def search_in_turns(
    trees: dict[str, Path], indexes: dict[str, Path], mixes: list[Path], rounds: int
) -> dict[str, dict[str, list[list[float]]]]:
    """Each tree's CPU ms per query (median of 3 runs), per mix and round: the trees take turns
    every SEARCH_SLICE queries, the first tree of each turn alternating."""
    sizes = {mix: sum(1 for _ in mix.open()) for mix in mixes}
    searchers: dict[str, SearchProcess] = {}
    found: dict[str, dict[str, list[list[float]]]] = {name: {} for name in trees}
    try:
        for name in trees:
            searchers[name] = SearchProcess(trees[name], indexes[name], mixes)
        turn = 0
        for _ in range(rounds):
            for mix in mixes:
                times: dict[str, list[float]] = {name: [] for name in trees}
                errors = dict.fromkeys(trees, 0)
                for start in range(0, sizes[mix], SEARCH_SLICE):
                    names = list(trees) if turn % 2 == 0 else list(trees)[::-1]
                    turn += 1
                    for name in names:
                        figures = searchers[name].run(mix, start, start + SEARCH_SLICE)
                        times[name] += figures["ms"]
                        errors[name] += figures["errors"]
                for name in trees:
                    found[name].setdefault(mix.name, []).append(times[name])
                    print(
                        f"search {name} {mix.name}: p50 {statistics.median(times[name]):.2f}"
                        f" p99 {percentile(times[name], 0.99):.2f} ms CPU, errors {errors[name]}",
                        flush=True,
                    )
    finally:
        for searcher in searchers.values():
            searcher.close()
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def parse_tree(text: str) -> tuple[str, Path]:
    name, _, path = text.partition("=")
    if not path:
        raise argparse.ArgumentTypeError(f"--tree wants NAME=PATH, got {text!r}")
    return name, Path(path).resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--pages", type=int, help="only the first N pages (hard links)")
    parser.add_argument(
        "--tree",
        type=parse_tree,
        action="append",
        help="NAME=PATH of a tree compared with this one",
    )
    parser.add_argument("--rounds", type=int, default=1, help="builds of each tree, taking turns")
    parser.add_argument("--workers", type=int, help="extraction processes (default: the CLI's)")
    parser.add_argument("--mix", type=Path, action="append", default=[], help="query mix (jsonl)")
    parser.add_argument("--search-rounds", type=int, default=2)
    parser.add_argument("--skip-this", action="store_true", help="only the --tree trees")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="no builds: search the index-NAME folders already in --out",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.search_only and not CpuGroup.available():
        sys.exit(f"needs a writable cgroup v1 cpuacct hierarchy at {CpuGroup.ROOT} (run as root)")
    args.out.mkdir(parents=True, exist_ok=True)
    pages = args.corpus
    if args.pages and not args.search_only:
        pages = subset(args.corpus, args.pages, args.out / f"pages-{args.pages}")
    trees = dict(args.tree or [("base", BASE)])
    if not args.skip_this:
        trees["this"] = ROOT
    names = list(trees)
    results: dict[str, Any] = {"trees": {k: str(v) for k, v in trees.items()}, "builds": []}
    print(f"pages: {pages}; trees {results['trees']}; load {load()}", flush=True)
    for round_number in range(0 if args.search_only else args.rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            index = args.out / f"index-{name}"
            figures = build(trees[name], pages, index, args.workers) | {"tree": name}
            results["builds"].append(figures)
            print(
                f"build {name}: wall {figures['wall_s']:.1f} s, CPU {figures['cpu_s']:.1f} s "
                f"(user {figures['user_s']:.1f}, sys {figures['sys_s']:.1f}), "
                f"{figures['indexed']} indexed, {figures['skipped']} skipped, "
                f"load {figures['load_before']} -> {figures['load_after']}",
                flush=True,
            )
            (args.out / "results.json").write_text(json.dumps(results, indent=1))
    indexes = {name: args.out / f"index-{name}" for name in names}
    per_query = search_in_turns(trees, indexes, args.mix, args.search_rounds) if args.mix else {}
    searches = {
        name: {mix: [statistics.median(times) for times in rounds] for mix, rounds in mixes.items()}
        for name, mixes in per_query.items()
    }
    results["search_p50_per_round"] = searches
    (args.out / "results.json").write_text(json.dumps(results, indent=1))

    first = names[0]
    header = " | ".join([*names, *(f"{n} / {first}" for n in names[1:])])
    print(f"\n| figure | {header} |")
    print("|---" * (2 * len(names)) + "|")
    rows: list[tuple[str, dict[str, float]]] = []
    build_rows = (("wall_s", "build wall s"), ("cpu_s", "build CPU s, every process"))
    for key, label in build_rows if results["builds"] else ():
        rows.append(
            (
                f"{label}, median of {args.rounds}",
                {
                    n: statistics.median(b[key] for b in results["builds"] if b["tree"] == n)
                    for n in names
                },
            )
        )
    for mix in searches.get(first, {}):
        rows.append(
            (
                f"search p50 ms CPU, {mix}, median of {args.search_rounds} rounds",
                {n: statistics.median(searches[n][mix]) for n in names},
            )
        )
    for label, values in rows:
        cells = " | ".join(f"{values[n]:.2f}" for n in names)
        ratios = " | ".join(f"{values[n] / values[first]:.3f}" for n in names[1:])
        print(f"| {label} | {cells} | {ratios} |")


if __name__ == "__main__":
    main()
