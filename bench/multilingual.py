#!/usr/bin/env python3
"""Known-item search per language: can a reader find a page again with its words in another form?

Pages: the 374 real pages of ``../shared/data/trafilatura-eval`` (news and blogs in German,
English, French, Spanish, Polish, Chinese, ...) plus the demo corpus.  For each page's own
article, queries are made from its own text in other surface forms than the page uses:

- ``inflection``: another inflected form of one of its words (a form found elsewhere in the
  collection with the same Snowball stem, absent from the page), with a second word of the page;
- ``accents``: two of its words with accents stripped (a word with accents among them);
- ``cjk``: a two- to four-character substring of a Chinese, Japanese or Korean page that few
  pages share;
- ``phrase``: two consecutive words of the page, as an exact phrase.

The words chosen are distinctive (in at most 2 % of pages), so each query has a right answer.  A
query succeeds when the page is in the first ten results.  Printed per language with at least
``--min-pages`` pages, side by side in one run: artsearch as it is (this checkout), artsearch
before per-language analysis (``--base``, another checkout with its own venv), and Whoosh's stock
``StemmingAnalyzer`` over the same extracted text.

    .venv/bin/python bench/multilingual.py --base /work/base
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
EVAL = SHARED / "trafilatura-eval"

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2,}")
WORD = re.compile(r"[^\W\d_]{4,}")
SNOWBALL = {
    "de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese",
    "nl": "dutch", "pl": "polish", "sv": "swedish", "da": "danish", "no": "norwegian",
    "fi": "finnish", "ru": "russian", "en": "english", "cs": "czech", "hu": "hungarian",
    "ro": "romanian", "tr": "turkish", "el": "greek", "ca": "catalan",
}  # fmt: skip
DISTINCTIVE_SHARE = 0.02


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- the collection ------------------------------------------------------------------------------


def make_corpus(folder: Path) -> None:
    for page in sorted((EVAL / "html").glob("*.gz")):
        target = folder / "eval" / (page.name[:-3] + ".gz" if page.name.endswith(".html.gz")
                                    else page.name[:-3] + ".html.gz")  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    shutil.copytree(REPO / "corpus", folder / "demo")


def own_articles(index: Path) -> list[dict]:
    """Every page's own article as this checkout extracted it."""
    sys.path.insert(0, str(REPO))
    from indexer.index.manifest import Manifest
    from indexer.index.store import IndexStore

    store = IndexStore(index)
    manifest = Manifest(store.manifest_path())
    articles = [a.to_dict() for a in manifest.iter_articles() if not a.embedded]
    manifest.close()
    seen: dict[str, dict] = {}
    for article in articles:
        seen.setdefault(article["path"], article)
    return list(seen.values())


# --- the queries ----------------------------------------------------------------------------------


def make_queries(articles: list[dict], seed: int) -> list[dict]:
    import Stemmer

    rng = random.Random(seed)
    texts = {a["path"]: f"{a['title']}\n{a['body']}" for a in articles}
    words_of = {path: set(w.lower() for w in WORD.findall(text)) for path, text in texts.items()}
    page_df: Counter[str] = Counter()
    for words in words_of.values():
        page_df.update(words)
    limit = max(2, int(DISTINCTIVE_SHARE * len(articles)))
    stemmers = {code: Stemmer.Stemmer(name) for code, name in SNOWBALL.items()}
    forms_by_stem: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article in articles:
        code = (article.get("language") or "en").lower()
        if code in stemmers:
            for word in words_of[article["path"]]:
                forms_by_stem[(code, stemmers[code].stemWord(word))].add(word)
    queries = []
    for article in sorted(articles, key=lambda a: a["path"]):
        path, code = article["path"], (article.get("language") or "en").lower()
        words = words_of[path]
        distinctive = sorted(w for w in words if page_df[w] <= limit)
        rng.shuffle(distinctive)

        def add(kind: str, q: str, path: str = path, code: str = code) -> None:
            queries.append({"path": path, "language": code, "kind": kind, "q": q})

        if code in stemmers and len(distinctive) >= 2:
            for word in distinctive:
                others = sorted(
                    f
                    for f in forms_by_stem[(code, stemmers[code].stemWord(word))]
                    if f not in words and fold(f) != fold(word)
                )
                if others:
                    partner = next(w for w in distinctive if w != word)
                    add("inflection", f"{rng.choice(others)} {partner}")
                    break
        accented = [w for w in distinctive if fold(w) != w and fold(w).isascii()]
        if accented and len(distinctive) >= 2:
            partner = next(w for w in distinctive if w != accented[0])
            add("accents", f"{fold(accented[0])} {fold(partner)}")
        runs = CJK.findall(texts[path])
        if runs:
            candidates = []
            for run in runs:
                for size in (2, 3, 4):
                    for start in range(0, max(0, len(run) - size) + 1):
                        candidates.append(run[start : start + size])
            rng.shuffle(candidates)
            for piece in candidates[:200]:
                if sum(piece in t for t in texts.values()) <= 3:
                    add("cjk", piece)
                    break
        tokens = [m.group().lower() for m in WORD.finditer(article["body"])]
        pairs = [
            (a, b) for a, b in zip(tokens, tokens[1:], strict=False)
            if page_df[a] <= limit or page_df[b] <= limit
        ]  # fmt: skip
        if pairs:
            # Consecutive in the text as written: both words next to each other in the body.
            a, b = rng.choice(pairs)
            if re.search(rf"\b{re.escape(a)}\W+{re.escape(b)}\b", article["body"], re.I):
                add("phrase", f'"{a} {b}"')
    return queries


# --- engines ----------------------------------------------------------------------------------


def run_artsearch(python: str, repo: Path, index: Path, queries: list[dict]) -> list[list[str]]:
    """The top ten paths of each query, by the checkout at ``repo`` run with ``python``."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([q["q"] for q in queries], handle)
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[1]);"
        "from search import SearchService, parse_request;"
        "s = SearchService(sys.argv[2]); out = [];\n"
        "for q in json.load(open(sys.argv[3])):\n"
        "    try: out.append([h.article.path for h in s.search(parse_request({'q': q})).hits])\n"
        "    except Exception as e: out.append([])\n"
        "print(json.dumps(out))"
    )
    result = subprocess.run(
        [python, "-c", code, str(repo), str(index), handle.name],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    os.unlink(handle.name)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_stock(articles: list[dict], queries: list[dict], folder: Path) -> list[list[str]]:
    """Whoosh's stock StemmingAnalyzer over the same extracted text, queried with its parser."""
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.qparser import MultifieldParser

    schema = fields.Schema(
        path=fields.ID(stored=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        body=fields.TEXT(analyzer=StemmingAnalyzer()),
    )
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    for article in articles:
        writer.add_document(path=article["path"], title=article["title"], body=article["body"])
    writer.commit()
    parser = MultifieldParser(["title", "body"], ix.schema)
    found = []
    with ix.searcher() as searcher:
        for q in queries:
            hits = searcher.search(parser.parse(q["q"]), limit=10)
            found.append([hit["path"] for hit in hits])
    return found


# --- report -----------------------------------------------------------------------------------


def report(queries: list[dict], results: dict[str, list[list[str]]], min_pages: int) -> None:
    pages_per_language = Counter()
    for _, code in {(q["path"], q["language"]) for q in queries}:
        pages_per_language[code] += 1
    engines = list(results)
    print(f"\nsuccess@10 by language (languages with at least {min_pages} pages with queries)\n")
    header = "| language | pages | queries | " + " | ".join(engines) + " |"
    print(header)
    print("|" + "---|" * (3 + len(engines)))
    rows = []
    for code, pages in pages_per_language.most_common():
        if pages < min_pages:
            continue
        chosen = [i for i, q in enumerate(queries) if q["language"] == code]
        cells = []
        for engine in engines:
            hits = sum(queries[i]["path"] in results[engine][i] for i in chosen)
            cells.append(f"{hits / len(chosen):.3f}")
        rows.append(f"| {code} | {pages} | {len(chosen)} | " + " | ".join(cells) + " |")
    print("\n".join(rows))
    print("\nsuccess@10 by kind of query (all languages)\n")
    print("| kind | queries | " + " | ".join(engines) + " |")
    print("|" + "---|" * (2 + len(engines)))
    for kind in ("inflection", "accents", "cjk", "phrase"):
        chosen = [i for i, q in enumerate(queries) if q["kind"] == kind]
        if not chosen:
            continue
        cells = [
            f"{sum(queries[i]['path'] in results[e][i] for i in chosen) / len(chosen):.3f}"
            for e in engines
        ]
        print(f"| {kind} | {len(chosen)} | " + " | ".join(cells) + " |")
    print("\nby language and kind (this checkout)\n")
    by = defaultdict(lambda: [0, 0])
    for i, q in enumerate(queries):
        cell = by[(q["language"], q["kind"])]
        cell[0] += 1
        cell[1] += q["path"] in results[engines[0]][i]
    for (code, kind), (count, hits) in sorted(by.items()):
        if pages_per_language[code] >= min_pages:
            print(f"  {code:3} {kind:10} {hits}/{count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="a checkout from before, with its own .venv")
    parser.add_argument("--work", type=Path, default=Path("/tmp/artsearch-multilingual"))
    parser.add_argument("--min-pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    corpus = args.work / "corpus"
    corpus.mkdir(parents=True)
    make_corpus(corpus)
    python = str(REPO / ".venv" / "bin" / "python")
    started = time.perf_counter()
    subprocess.run([str(REPO / ".venv/bin/artsearch"), "index", str(corpus), "--index",
                    str(args.work / "index")], check=True, capture_output=True)  # fmt: skip
    print(f"indexed with this checkout in {time.perf_counter() - started:.0f} s")
    articles = own_articles(args.work / "index")
    languages = Counter((a.get("language") or "?") for a in articles)
    print(f"{len(articles)} pages' own articles; languages: {dict(languages.most_common())}")
    queries = make_queries(articles, args.seed)
    print(f"{len(queries)} queries: {dict(Counter(q['kind'] for q in queries))}")
    results = {"artsearch": run_artsearch(python, REPO, args.work / "index", queries)}
    if args.base:
        base_index = args.work / "index-base"
        subprocess.run([str(args.base / ".venv/bin/artsearch"), "index", str(corpus), "--index",
                        str(base_index)], check=True, capture_output=True)  # fmt: skip
        results["before (English analysis)"] = run_artsearch(
            str(args.base / ".venv/bin/python"), args.base, base_index, queries
        )
    stock = args.work / "stock"
    stock.mkdir()
    results["Whoosh StemmingAnalyzer"] = run_stock(articles, queries, stock)
    report(queries, results, args.min_pages)
    if args.show_failures:
        for i, q in enumerate(queries):
            if q["path"] not in results["artsearch"][i]:
                print(
                    "MISS", q["language"], q["kind"], q["q"], q["path"], results["artsearch"][i][:3]
                )


if __name__ == "__main__":
    main()
