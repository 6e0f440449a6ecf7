#!/usr/bin/env python3
"""Wall time of a full index build of corpus/ and of a re-run with nothing changed.

Runs the real CLI (`artsearch index`) several times and prints medians, next to the floor of
reading and parsing every page with lxml.html in the same run.

    .venv/bin/python bench/index_demo.py [--corpus corpus] [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds of the command, and the build's own seconds from its JSON report."""
    started = time.perf_counter()
    done = subprocess.run([*command, "--json"], check=True, capture_output=True, text=True)
    return time.perf_counter() - started, float(json.loads(done.stdout)["seconds"])


def parse_floor(corpus: Path) -> float:
    started = time.perf_counter()
    for page in sorted(corpus.rglob("*")):
        if page.suffix in {".html", ".htm", ".gz"}:
            data = page.read_bytes()
            if page.suffix == ".gz":
                data = gzip.decompress(data)
            lxml.html.fromstring(data)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    artsearch = str(Path(sys.executable).parent / "artsearch")
    full, rerun, floor = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            index = str(Path(tmp) / "index")
            full.append(timed([artsearch, "index", str(args.corpus), "--index", index]))
            rerun.append(timed([artsearch, "index", str(args.corpus), "--index", index]))
        floor.append(parse_floor(args.corpus))
    pages = sum(1 for p in args.corpus.rglob("*") if p.suffix in {".html", ".htm", ".gz"})
    print(f"corpus: {args.corpus} ({pages} pages), {args.runs} runs, medians")

    def median(runs: list[tuple[float, float]], which: int) -> float:
        return statistics.median(run[which] for run in runs)

    print("                                  CLI wall s   build_index s")
    print(f"full build                        {median(full, 0):10.2f}   {median(full, 1):13.2f}")
    print(f"re-run, nothing changed           {median(rerun, 0):10.2f}   {median(rerun, 1):13.2f}")
    print(f"floor: read + lxml.html parse, 1 process: {statistics.median(floor):.3f} s")
    print("(CLI wall includes starting Python and importing trafilatura/whoosh, about 1 s)")


if __name__ == "__main__":
    main()
