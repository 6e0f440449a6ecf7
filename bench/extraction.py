#!/usr/bin/env python3
"""Extraction quality and speed against the libraries underneath, on every page set we have.

One run prints:

1. Body text: every set x {artsearch, artsearch before this round (/work/base), trafilatura
   default, trafilatura fast, readability-lxml}: precision, recall, F1, pages without an
   article, median CPU ms per page (time.process_time around one page's extraction).
   Sets: the Zyte article-extraction benchmark (181 pages, its token 4-gram metric, the
   article's own body), trafilatura-eval (the pages of evaldata.json, segment metric of
   score_segments.py, all of a page's articles joined as they are indexed) and a generated
   corpus (make_html_corpus.py, its truth bodies, the Zyte metric).  artsearch's bodies are
   scored as plain text (indexer.extraction.structure.plain_text: the Markdown markers of the
   stored body removed); the libraries' text as they return it.
2. Publication day: artsearch against htmldate.find_date(extensive_search=True,
   original_date=True) on the labelled set bench/published_days.tsv (pages of the shared sets
   where the two disagreed, each looked at by hand) and on the generated pages.
3. Ablation: each rule of the extractor replaced by "off" in turn, F1 change per set.
4. Speed: CPU per page on the Zyte pages and on the generated pages, this tree against
   /work/base, in the same run, and what a build of 100,000 generated pages would spend in
   extraction.

    .venv/bin/pip install -e '.[bench]'     # readability-lxml, the third library
    .venv/bin/python bench/extraction.py --generate 2000

Other modes: --check-comparison (trafilatura's comparisons that the extractor skips are run
too, and the articles compared: the skip must change nothing); --date-disagreements (the pages
where artsearch and htmldate disagree, with the evidence each page gives, to label
bench/published_days.tsv); --skip-ablation; --rules REGEX (ablate only the rules whose name
matches).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = Path("/work/base")
SHARED = Path("/work/shared")
ZYTE = SHARED / "data" / "extraction-benchmark"
TRAF_EVAL = SHARED / "data" / "trafilatura-eval"
SCORER = SHARED / "tools" / "score_extraction.py"
CORPUS_MAKER = SHARED / "tools" / "make_html_corpus.py"
DEMO = ROOT / "corpus"
LABELS = Path(__file__).resolve().parent / "published_days.tsv"
_WORD = re.compile(r"\w+")


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# --- page sets ------------------------------------------------------------------------------


@dataclass
class PageSet:
    """Pages and how a system's output on them is scored."""

    name: str
    files: list[Path]
    metric: str  # "tokens" (Zyte's) or "segments" (trafilatura-eval's)
    truth: dict[str, Any] = field(default_factory=dict)  # by file name

    def key(self, path: Path) -> str:
        return path.name


def zyte_set() -> PageSet:
    scorer = load_module(SCORER, "score_extraction")
    truth = scorer.load_ground_truth(ZYTE / "ground-truth.json")
    files = sorted((ZYTE / "html").glob("*.html.gz"))
    return PageSet(
        "zyte", files, "tokens", {f.name: truth[f.name.split(".")[0]]["articleBody"] for f in files}
    )


def traf_eval_set() -> PageSet:
    items = {v["file"]: v for v in json.loads((TRAF_EVAL / "evaldata.json").read_text()).values()}
    files = [TRAF_EVAL / "html" / f"{name}.gz" for name in sorted(items)]
    return PageSet("traf-eval", files, "segments", {f"{n}.gz": items[n] for n in items})


def generated_set(folder: Path) -> PageSet:
    truth = [json.loads(line) for line in (folder / "truth.jsonl").open(encoding="utf-8")]
    # Headline-only wire items have no text: nothing to score a body against.
    pages = [t for t in truth if t["body"]]
    return PageSet(
        "generated",
        [folder / t["file"] for t in pages],
        "tokens",
        {Path(t["file"]).name: t["body"] for t in pages},
    )


def generate_corpus(folder: Path, pages: int, seed: int) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    command = [
        sys.executable, str(CORPUS_MAKER), "--out", str(folder),
        "--jsonl-truth", str(folder / "truth.jsonl"), "--scale", str(pages),
        "--mix", "aggregator=1,publisher=1,boilerplate=1,legacy=1", "--seed", str(seed),
        "--workers", "1",
    ]  # fmt: skip
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


# --- systems --------------------------------------------------------------------------------


@dataclass
class Output:
    """What a system gave for each page: the text scored, CPU seconds, and whether it yielded
    an article at all."""

    text: dict[str, str] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    empty: int = 0


def run_artsearch(pages: PageSet) -> Output:
    from indexer.article_body import plain_text
    from indexer.errors import ExtractionError
    from indexer.extraction import extract_page

    out = Output()
    for path in pages.files:
        data = path.read_bytes()
        start = time.process_time()
        try:
            articles = extract_page(data, path.name)
        except ExtractionError:
            articles = []
        out.cpu.append(time.process_time() - start)
        own = [a for a in articles if not a.embedded]
        out.empty += not own
        chosen = articles if pages.metric == "segments" else own[:1]
        out.text[path.name] = "\n\n".join(plain_text(a.body) for a in chosen)
    return out


_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
try:
    from indexer.extraction import extract_page
except ImportError:
    from indexer.extract import extract_page
from indexer.errors import ExtractionError
files = json.load(open(sys.argv[2]))
out = {}
for path in files:
    data = open(path, "rb").read()
    start = time.process_time()
    try:
        articles = extract_page(data, path.rsplit("/", 1)[-1])
    except ExtractionError:
        articles = []
    cpu = time.process_time() - start
    out[path] = [cpu, [[a.embedded, a.body] for a in articles]]
json.dump(out, open(sys.argv[3], "w"))
"""


def run_base(pages: PageSet) -> Output:
    """The product as it was before this round (/work/base, its own interpreter)."""
    with tempfile.TemporaryDirectory() as tmp:
        listing, result = Path(tmp) / "files.json", Path(tmp) / "out.json"
        listing.write_text(json.dumps([str(f) for f in pages.files]))
        python = BASE / ".venv" / "bin" / "python"
        subprocess.run(
            [str(python), "-c", _WORKER, str(BASE), str(listing), str(result)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        found = json.loads(result.read_text())
    out = Output()
    for path in pages.files:
        cpu, articles = found[str(path)]
        out.cpu.append(cpu)
        own = [body for embedded, body in articles if not embedded]
        out.empty += not own
        chosen = [b for _, b in articles] if pages.metric == "segments" else own[:1]
        out.text[path.name] = "\n\n".join(chosen)
    return out


def run_library(pages: PageSet, extract: Callable[[bytes], str | None]) -> Output:
    out = Output()
    for path in pages.files:
        data = read_page(path)
        start = time.process_time()
        text = extract(data) or ""
        out.cpu.append(time.process_time() - start)
        out.empty += not text.strip()
        out.text[path.name] = text
    return out


def trafilatura_default(data: bytes) -> str | None:
    import trafilatura

    return trafilatura.extract(data, include_comments=False)


def trafilatura_fast(data: bytes) -> str | None:
    import trafilatura

    return trafilatura.extract(data, include_comments=False, fast=True)


def readability_lxml(data: bytes) -> str | None:
    import lxml.html
    from readability import Document

    try:
        summary = Document(data).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability raises bare Exceptions on odd pages
        return None
    blocks = lxml.html.fromstring(summary).itertext() if summary.strip() else []
    return "\n".join(t.strip() for t in blocks if t.strip())


LIBRARIES: dict[str, Callable[[bytes], str | None]] = {
    "trafilatura default": trafilatura_default,
    "trafilatura fast": trafilatura_fast,
    "readability-lxml": readability_lxml,
}


# --- scoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def score(pages: PageSet, out: Output) -> Score:
    if pages.metric == "segments":
        tp = fp = fn = 0
        for path in pages.files:
            item, text = pages.truth[path.name], norm(out.text.get(path.name, ""))
            found = sum(1 for s in item["with"] if norm(s) in text)
            tp += found
            fn += len(item["with"]) - found
            fp += sum(1 for s in item["without"] if norm(s) in text)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return Score(precision, recall, 2 * tp / max(1, 2 * tp + fp + fn))
    scorer = sys.modules.get("score_extraction") or load_module(SCORER, "score_extraction")
    scores = [
        scorer.score_page(path.name, pages.truth[path.name], out.text.get(path.name) or None)
        for path in pages.files
    ]
    total = scorer.aggregate(scores)
    return Score(total["precision"], total["recall"], total["f1"])


def median_ms(cpu: list[float]) -> float:
    return statistics.median(cpu) * 1e3 if cpu else 0.0


def body_table(sets: list[PageSet], with_base: bool, libraries: bool = True) -> dict[str, Score]:
    print("\n== 1. body text (P, R, F1; pages without an article; median CPU ms per page)")
    print(f"{'set':10s} {'system':22s} {'P':>6s} {'R':>6s} {'F1':>6s} {'no art.':>7s} {'ms':>6s}")
    ours: dict[str, Score] = {}
    for pages in sets:
        systems: list[tuple[str, Callable[[], Output]]] = [
            ("artsearch", lambda p=pages: run_artsearch(p))  # type: ignore[misc]
        ]
        if with_base:
            systems.append(("artsearch before", lambda p=pages: run_base(p)))  # type: ignore[misc]
        if libraries:
            systems += [(n, lambda p=pages, f=f: run_library(p, f)) for n, f in LIBRARIES.items()]  # type: ignore[misc]
        for name, run in systems:
            out = run()
            found = score(pages, out)
            if name == "artsearch":
                ours[pages.name] = found
            print(
                f"{pages.name:10s} {name:22s} {found.precision:6.3f} {found.recall:6.3f}"
                f" {found.f1:6.3f} {out.empty:7d} {median_ms(out.cpu):6.1f}",
                flush=True,
            )
        print(f"{'':10s} ({len(pages.files)} pages, metric: {pages.metric})")
    return ours


# --- ablation -------------------------------------------------------------------------------


@contextlib.contextmanager
def patched(changes: list[tuple[ModuleType, str, Any]]) -> Iterator[None]:
    saved = [(module, name, getattr(module, name)) for module, name, _ in changes]
    try:
        for module, name, value in changes:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def rules() -> list[tuple[str, list[tuple[ModuleType, str, Any]]]]:
    """Each rule of the extractor and how to turn it off (the names are the product's)."""
    from indexer.extraction import body, page, rails

    furniture = body.without_page_furniture

    def furniture_without_labels(
        text: str, *labels: str | None, language: str | None = None
    ) -> str:
        return furniture(text, language=language)

    return [
        ("default mode (off: fast)",
         [(body, "EXTRACTOR_SETTINGS", body.ExtractorSettings(fast=True, favor_precision=False))]),
        ("short text confirmed", [(body, "SHORT_TEXT_CHARS", 0)]),
        ("continuation blocks", [(body, "with_continuations", lambda tree, p: p)]),
        ("second copies", [(body, "without_repeated_runs", lambda p: p)]),
        ("teasers (all)", [(body, "without_link_lines", lambda tree, p, site: p)]),
        ("teasers: labels", [(body, "TEASER_LABEL_MAX_WORDS", -1000),
                             (body, "is_teaser_label", lambda line: False)]),
        ("teasers: card lists", [(body, "CARD_LIST_MIN_ITEMS", 10**9)]),
        ("teasers: same site only", [(body, "points_elsewhere_on_site", lambda a, s: True)]),
        ("title/address lines", [(page, "without_page_furniture", furniture_without_labels)]),
        ("bare date lines", [(body, "is_bare_date_line", lambda text, language=None: False)]),
        ("byline at ends", [(body, "is_end_furniture", lambda text: False)]),
        ("pruning (rails, blocks)", [(rails.Layout, "prune", lambda self: None)]),
        ("navigation menus", [(rails, "_navigation", lambda tree, protected: iter(()))]),
        ("text-share guard", [(rails, "MAIN_TEXT_SHARE", 100.0)]),
        ("other stories' cards", [(rails, "is_other_story", lambda a, m: False)]),
        ("layout tables unwrapped", [(page, "unwrap_layout_tables", lambda tree: 0)]),
    ]  # fmt: skip


def ablation_table(sets: list[PageSet], ours: dict[str, Score], only: str | None = None) -> None:
    print("\n== 3. ablation: F1 with the rule turned off minus F1 with it (negative: the rule")
    print("   wins there); a rule is kept only if it loses on no set (no positive entry)")
    print(f"{'rule':36s} " + " ".join(f"{p.name:>11s}" for p in sets) + "  verdict")
    for name, changes in rules():
        if only is not None and not re.search(only, name):
            continue
        cells, loses = [], False
        for pages in sets:
            with patched(changes):
                found = score(pages, run_artsearch(pages))
            delta = found.f1 - ours[pages.name].f1
            loses = loses or delta > 0.00005
            cells.append(f"{delta:+11.4f}")
        print(f"{name:36s} " + " ".join(cells) + ("  LOSES" if loses else "  kept"), flush=True)


# --- publication days -----------------------------------------------------------------------


def htmldate_day(data: bytes) -> str | None:
    from htmldate import find_date

    try:
        # (min_date: htmldate's default floor is 1995, and the generated pages are from 1987.)
        found = find_date(data, extensive_search=True, original_date=True, min_date="1970-01-02")
    except (ValueError, TypeError, OverflowError):
        return None
    return found[:10] if found else None


def artsearch_day(path: Path) -> str | None:
    from indexer.errors import ExtractionError
    from indexer.extraction import extract_page

    try:
        articles = extract_page(path.read_bytes(), path.name, mtime=path.stat().st_mtime)
    except ExtractionError:
        return None
    own = [a for a in articles if not a.embedded]
    return own[0].published_day if own else None


def shared_pages() -> Iterator[tuple[str, Path]]:
    for path in sorted((ZYTE / "html").glob("*.html.gz")):
        yield "zyte", path
    for path in sorted((TRAF_EVAL / "html").glob("*.gz")):
        yield "traf-eval", path
    for path in sorted(DEMO.rglob("*.html")):
        yield "demo", path


def page_path(kind: str, name: str) -> Path:
    if kind == "zyte":
        return ZYTE / "html" / name
    if kind == "traf-eval":
        return TRAF_EVAL / "html" / name
    return next(DEMO.rglob(name))


def read_labels() -> list[tuple[str, str, str | None]]:
    labels = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, name, day, _note = line.split("\t", 3)
        labels.append((kind, name, None if day == "none" else day))
    return labels


def date_table(generated: Path | None) -> None:
    print("\n== 2. publication day: share of pages whose day is right (none where none is shown)")
    print(f"{'set':34s} {'pages':>5s} {'artsearch':>9s} {'htmldate ext.':>13s}")
    labels = read_labels()
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for kind, name, day in labels:
        path = page_path(kind, name)
        ours, theirs = artsearch_day(path), htmldate_day(read_page(path))
        rows[f"labelled ({kind})"].append((ours == day, theirs == day))
        rows["labelled (all)"].append((ours == day, theirs == day))
        if day is not None:
            rows["labelled, day known"].append((ours == day, theirs == day))
    if generated is not None:
        for page in (json.loads(x) for x in (generated / "truth.jsonl").open(encoding="utf-8")):
            if not page["body"]:
                continue
            path = generated / page["file"]
            day = page["published"][:10] if page["date_in_markup"] else None
            ours, theirs = artsearch_day(path), htmldate_day(read_page(path))
            key = f"generated ({page['template']})"
            rows[key].append((ours == day, theirs == day))
            if day is not None:
                rows["generated, day shown"].append((ours == day, theirs == day))
    for key in sorted(rows):
        hits = rows[key]
        ours_right = sum(a for a, _ in hits) / len(hits)
        theirs_right = sum(b for _, b in hits) / len(hits)
        print(f"{key:34s} {len(hits):5d} {ours_right:9.1%} {theirs_right:13.1%}")
    print(f"(labelled set: {LABELS.name}, the pages where the two disagreed, looked at by hand)")


def date_disagreements() -> None:
    """The shared pages where artsearch and htmldate disagree, with the page's evidence."""
    for kind, path in shared_pages():
        data = read_page(path)
        ours, theirs = artsearch_day(path), htmldate_day(data)
        if ours == theirs:
            continue
        text = data.decode("utf-8", "replace")
        evidence = sorted(
            set(
                re.findall(
                    r'(?:datePublished|published_time|"pubdate"|dc\.date|name="date")[^>]{0,80}',
                    text,
                )[:4]
            )
        )
        print(f"{kind}\t{path.name}\tartsearch={ours}\thtmldate={theirs}")
        for line in evidence:
            print(f"    {norm(line)[:120]}")


# --- speed ----------------------------------------------------------------------------------


def speed_table(sets: list[PageSet]) -> None:
    print("\n== 4. speed: CPU per page of the whole extraction, this tree and /work/base")
    print(
        f"{'set':10s} {'pages':>5s} {'median ms':>9s} {'before':>7s} {'total s':>8s} {'before':>7s}"
    )
    for pages in sets:
        now, before = run_artsearch(pages), run_base(pages)
        print(
            f"{pages.name:10s} {len(pages.files):5d} {median_ms(now.cpu):9.1f}"
            f" {median_ms(before.cpu):7.1f} {sum(now.cpu):8.1f} {sum(before.cpu):7.1f}"
            f"  (total {sum(now.cpu) / sum(before.cpu):.2f}x;"
            f" 100,000 such pages: {sum(now.cpu) / len(pages.files) * 1e5 / 60:.0f} CPU min,"
            f" before {sum(before.cpu) / len(pages.files) * 1e5 / 60:.0f})",
            flush=True,
        )


def generated_checks(folder: Path) -> None:
    """Metadata and rail checks on the generated pages (each field where the page shows it)."""
    from indexer.errors import ExtractionError
    from indexer.extraction import extract_page

    truth = [json.loads(line) for line in (folder / "truth.jsonl").open(encoding="utf-8")]
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for page in truth:
        path = folder / page["file"]
        try:
            articles = extract_page(path.read_bytes(), page["file"], mtime=path.stat().st_mtime)
        except ExtractionError:
            articles = []
        own = [a for a in articles if not a.embedded]
        if not page["body"]:
            seen["headline-only: no article"] += 1
            right["headline-only: no article"] += not own
            continue
        seen["body exact"] += 1
        if not own:
            continue
        article = own[0]
        right["body exact"] += article.body == page["body"]
        checks = {"title": " ".join(article.title.split()) == " ".join(page["title"].split())}
        if page["date_in_markup"]:
            checks["published day"] = article.published_day == page["published"][:10]
        else:
            checks["no date invented"] = article.published is None
        if page["template"] != "legacy":
            checks["source"] = article.source == page["source"]
        else:  # a legacy page names no outlet: none may be made of its text
            checks["no outlet invented"] = article.source is None
        checks["authors"] = article.authors == ((page["author"],) if page["author"] else ())
        for name, ok in checks.items():
            seen[name] += 1
            right[name] += ok
    print(f"\n== generated pages: checks ({folder}, {len(truth)} pages)")
    for name in seen:
        print(f"  {name:28s} {right[name]:5d}/{seen[name]:5d} ({right[name] / seen[name]:.2%})")


def comparison_check(sets: list[PageSet]) -> None:
    """Every page of every set extracted with trafilatura's needless comparisons skipped and run
    (indexer/extraction/trafilatura_private.py): the articles must be equal; and for every
    comparison that ran, readability's text no longer than the bound the skip relies on."""
    import copy as copying

    import trafilatura.external
    from lxml import etree
    from trafilatura.utils import trim

    from indexer.errors import ExtractionError
    from indexer.extraction import body, extract_page
    from indexer.extraction import trafilatura_private as private

    original = private._ORIGINAL
    counts: Counter[str] = Counter()

    def audited(cleaned: Any, raw: Any, own: Any, text: str, options: Any) -> tuple[Any, str]:
        counts["comparisons run"] += 1
        counts["skippable"] += not private.comparison_could_change(own, text, raw, options)
        found = trafilatura.external.try_readability(copying.deepcopy(raw))
        length = len(trim(etree.tostring(found, method="text", encoding="unicode")))
        counts["bound low"] += length > private.readability_text_bound(raw)
        return original(cleaned, raw, own, text, options)

    def articles(path: Path, skip: bool) -> Any:
        body.SKIP_NEEDLESS_COMPARISONS = skip
        try:
            return extract_page(read_page(path), path.name)
        except ExtractionError as error:
            return str(error)

    print("\n== trafilatura's comparisons skipped where they cannot change the text")
    print(
        f"{'set':10} {'pages':>6} {'differ':>7} {'compared':>9} {'skippable':>10} {'bound low':>10}"
    )
    try:
        for page_set in sets:
            counts.clear()
            differ = 0
            for path in page_set.files:
                private._ORIGINAL = audited
                every = articles(path, skip=False)
                private._ORIGINAL = original
                differ += every != articles(path, skip=True)
            print(
                f"{page_set.name:10} {len(page_set.files):6d} {differ:7d}"
                f" {counts['comparisons run']:9d} {counts['skippable']:10d}"
                f" {counts['bound low']:10d}"
            )
    finally:
        private._ORIGINAL = original
        body.SKIP_NEEDLESS_COMPARISONS = True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-extraction"))
    parser.add_argument("--generate", type=int, default=2000, metavar="N")
    parser.add_argument("--corpus", type=Path, help="a make_html_corpus.py folder instead")
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--skip-ablation", action="store_true")
    parser.add_argument("--rules", metavar="REGEX", help="ablate only the rules whose name matches")
    parser.add_argument("--skip-base", action="store_true", help="no /work/base columns")
    parser.add_argument("--date-disagreements", action="store_true")
    parser.add_argument(
        "--no-libraries", action="store_true", help="no library rows (their figures are exact)"
    )
    parser.add_argument("--skip-generated-dates", action="store_true")
    parser.add_argument(
        "--check-comparison", action="store_true", help="only the skipped-comparison check"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.date_disagreements:
        date_disagreements()
        return
    folder = args.corpus
    if folder is None and args.generate:
        folder = args.out / "generated"
        generate_corpus(folder, args.generate, args.seed)
    sets = [zyte_set(), traf_eval_set()] + ([generated_set(folder)] if folder else [])
    if args.check_comparison:
        comparison_check(sets)
        return
    ours = body_table(sets, with_base=not args.skip_base, libraries=not args.no_libraries)
    date_table(None if args.skip_generated_dates else folder)
    if not args.skip_base:
        speed_table([s for s in sets if s.name != "traf-eval"])
    if folder is not None:
        generated_checks(folder)
    if not args.skip_ablation:  # last: the longest part
        ablation_table(sets, ours, args.rules)


if __name__ == "__main__":
    main()
