#!/usr/bin/env python3
"""CPU per page of the extraction on the Zyte pages (or `--pages`): this tree, other trees (the
product before this round, /work/base, by default) and plain trafilatura (default settings and
fast mode), in one run.

Each system runs in its own process over all pages; each page is extracted `--repeats` times
in a row and its fastest time kept (the machine is shared: the minimum is the figure least
disturbed by other jobs).  Printed: the median over pages of those minima, and the median and
total of the per-page ratios to this tree.  `--rounds` repeats the whole in alternation.

    .venv/bin/python bench/extraction_speed.py
    .venv/bin/python bench/extraction_speed.py --tree /tmp/variant --rounds 2
    .venv/bin/python bench/extraction_speed.py --pages /work/data/perf/corpus-100000 --limit 400
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = Path("/work/base")
ZYTE = Path("/work/shared/data/extraction-benchmark/html")

_WORKER = """
import gzip, json, sys, time
sys.path.insert(0, sys.argv[1])
files, mode, repeats = json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4])
if mode.startswith("trafilatura"):
    import trafilatura
    fast = mode == "trafilatura-fast"
    def run(data, name):
        page = gzip.decompress(data) if data[:2] == bytes((0x1F, 0x8B)) else data
        trafilatura.extract(page, include_comments=False, fast=fast)
else:
    try:
        from indexer.extraction import extract_page
    except ImportError:  # the product before indexer/extraction/ existed
        from indexer.extract import extract_page
    from indexer.errors import ExtractionError
    def run(data, name):
        try:
            extract_page(data, name)
        except ExtractionError:
            pass
out = []
for path in files:
    data = open(path, "rb").read()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        run(data, path.rsplit("/", 1)[-1])
        best = min(best, time.process_time() - start)
    out.append(best)
print(json.dumps(out))
"""


def python_of(tree: Path) -> str:
    own = tree / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, action="append", help="another tree (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--pages", type=Path, help="another folder of pages (.html, .html.gz) instead of Zyte's"
    )
    parser.add_argument("--limit", type=int, help="only the first N pages (sorted paths)")
    args = parser.parse_args()
    trees = [ROOT, *(args.tree or [BASE])]
    folder = args.pages or ZYTE
    found_pages = sorted(f for f in folder.rglob("*.html*") if f.name.endswith((".html", ".gz")))
    files = [str(f) for f in found_pages[: args.limit]]
    systems = [(str(t), t, "artsearch") for t in trees] + [
        ("trafilatura default", ROOT, "trafilatura"),
        ("trafilatura fast", ROOT, "trafilatura-fast"),
    ]
    minima: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.json"
        listing.write_text(json.dumps(files))
        for _ in range(args.rounds):
            for name, tree, mode in systems:
                command = [python_of(tree), "-c", _WORKER, str(tree), str(listing), mode]
                found = subprocess.run(
                    [*command, str(args.repeats)], check=False, capture_output=True, text=True
                )
                if found.returncode:
                    sys.exit(f"{name} failed ({found.returncode}):\n{found.stderr[-3000:]}")
                times = json.loads(found.stdout)
                kept = minima.setdefault(name, times)
                minima[name] = [min(a, b) for a, b in zip(kept, times, strict=True)]
    reference = minima[str(ROOT)]
    print(f"{len(files)} pages of {folder}, fastest of {args.repeats} per page,", end=" ")
    print(f"{args.rounds} round(s)")
    print(f"{'system':40s} {'median ms':>9s} {'median ratio':>12s} {'total ratio':>11s}")
    for name, times in minima.items():
        ratios = [t / r for t, r in zip(times, reference, strict=True) if r > 0]
        print(
            f"{name:40s} {statistics.median(times) * 1e3:9.1f}"
            f" {statistics.median(ratios):12.3f} {sum(times) / sum(reference):11.3f}"
        )


if __name__ == "__main__":
    main()
