#!/usr/bin/env python3
"""How often the language detected from an article's text is right, by how sure the detector is.

A page that does not declare its language gets the one py3langid reads in its text, and that
language chooses the article's analysis (stemmer, stop words, term namespace) and its facet.  The
pages that do declare one are the test set here: the article's text (as the extractor gives it)
is classified without looking at the declaration, and the result is compared with it.

For each page set and each confidence floor, printed: how many detections agree with the
declaration, how many disagree (a wrong analysis and a wrong facet value), and how many fall below
the floor (the article is then of unknown language: analysed as English is, no facet value).
An abstention costs nothing on an English page and the language's own stemming on another.

    .venv/bin/python bench/language_detection.py
    .venv/bin/python bench/language_detection.py --generated DIR --limit 3000
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer.errors import ExtractionError  # noqa: E402
from indexer.extraction.htmlparse import load_page  # noqa: E402
from indexer.extraction.language import (  # noqa: E402
    MIN_DETECTED_CONFIDENCE,
    detection,
    normalise_language,
)
from indexer.extraction.page import extract_page  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
SETS = {
    "trafilatura-eval": SHARED / "trafilatura-eval" / "html",
    "zyte": SHARED / "extraction-benchmark" / "html",
    "demo corpus": REPO / "corpus",
}
FLOORS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)


def pages(folder: Path, limit: int | None) -> list[Path]:
    found = sorted(p for p in folder.rglob("*") if p.suffix in {".html", ".htm", ".gz"})
    return found[:limit] if limit else found


def declared_and_text(path: Path) -> tuple[str | None, str] | None:
    """The page's own declaration (<html lang>) and its article's text."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        data = gzip.decompress(data)
    try:
        articles = extract_page(data, path.name)
    except ExtractionError:
        return None
    declared = normalise_language(load_page(data).get("lang"))
    own = next((a for a in articles if not a.embedded), None)
    return (declared, own.body) if own is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generated", type=Path, help="a folder of generated pages, as a set too")
    parser.add_argument("--limit", type=int, help="pages per set")
    args = parser.parse_args()
    sets = dict(SETS)
    if args.generated:
        sets["generated"] = args.generated
    print(f"shipped floor: {MIN_DETECTED_CONFIDENCE}")
    print("| set | floor | pages declaring | agree | disagree | abstain | abstain, not English |")
    print("|---|---|---|---|---|---|---|")
    for name, folder in sets.items():
        rows: list[tuple[str, str | None, float]] = []
        for path in pages(folder, args.limit):
            found = declared_and_text(path)
            if found is None or found[0] is None:
                continue
            declared, text = found
            code, confidence = detection(text)
            rows.append((declared, code, confidence))
        for floor in FLOORS:
            tally: Counter[str] = Counter()
            for declared, code, confidence in rows:
                if code is None or confidence < floor:
                    tally["abstain"] += 1
                    tally["abstain, not English"] += declared != "en"
                else:
                    tally["agree" if code == declared else "disagree"] += 1
            print(
                f"| {name} | {floor} | {len(rows)} | {tally['agree']} | {tally['disagree']} | "
                f"{tally['abstain']} | {tally['abstain, not English']} |"
            )
        wrong = Counter(f"{d}->{c}" for d, c, p in rows if c is not None and c != d)
        print(f"\n{name}: disagreements at floor 0: {wrong.most_common(12)}\n")


if __name__ == "__main__":
    main()
