"""Version sets for bench/grouping.py: texts as pages print them, with what each one is.

Three sets, each a list of :class:`Version` (an id, the text, and what the bench knows about it):

``reuters``    the 21,578 Reuters-21578 stories as /work/shared/tools/make_html_corpus.py renders
               their bodies (dateline folded into the first paragraph), one version each.  The
               collection has real duplicates and near-duplicates (corrections, repeats, shortened
               and extended takes of one story).
``edits``      controlled copies of Reuters stories under other outlets: the same text with a new
               headline; a headline change plus an added paragraph; a cut paragraph; a reworded
               paragraph; a shortened version (the first paragraphs); an update (a new lead
               sentence and a paragraph appended); and two traps that must stay apart from the
               original: another story opening with the same lead paragraph, and a rolling chain
               (each link drops the first paragraph and adds one at the end, so neighbours are
               near-duplicates and the ends are not).
``generated``  the versions an index of make_html_corpus.py's ``--scale N`` pages holds: each page's
               own article as printed (boilerplate pages show only the first 1-3 paragraphs) and
               the full text of the three articles in every aggregator page's related rail.

The generator's text is research data (Reuters-21578 is for research use only): nothing here is
written into the repository.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

GENERATOR = Path("/work/shared/tools/make_html_corpus.py")
REUTERS = Path("/work/shared/data/reuters21578")
TEMPLATE_MIX = "aggregator=40,publisher=30,boilerplate=20,legacy=10"

# Edit kinds that should join the original's story, and traps that should not.
GROUPED_KINDS = ("copy", "headline+added", "cut", "reworded", "shortened", "updated")
TRAP_KINDS = ("same-lead", "chain")
# Share of a reworded paragraph's words replaced.
REWORD_SHARE = 0.15
CHAIN_LINKS = 4


@dataclass(frozen=True)
class Version:
    id: str
    text: str
    story: str  # the article it was made from (Reuters id, or page id for generated pages)
    kind: str  # original, an edit kind, or for generated sets: page / rail
    outlet: str = ""
    title: str = ""


def generator() -> ModuleType:
    """make_html_corpus.py as a module (it is a script in /work/shared, not a package)."""
    module = sys.modules.get("make_html_corpus")
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location("make_html_corpus", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_html_corpus"] = module
    spec.loader.exec_module(module)
    return module


def reuters_articles() -> list[object]:
    return list(generator().load_reuters(str(REUTERS)))


def _text(paragraphs: list[str] | tuple[str, ...]) -> str:
    return "\n\n".join(paragraphs)


def reuters_versions(articles: list[object]) -> list[Version]:
    return [
        Version(a.id, _text(a.paras), a.id, "original", title=a.title)  # type: ignore[attr-defined]
        for a in articles
    ]


def edit_versions(articles: list[object], seeds: int, seed: int) -> list[Version]:
    """``seeds`` Reuters stories of at least five paragraphs, each with one copy per edit kind."""
    gen = generator()
    rng = random.Random(seed)
    eligible = [a for a in articles if len(a.paras) >= 5]  # type: ignore[attr-defined]
    by_topic: dict[str, list[object]] = {}
    for a in articles:
        if a.paras and a.topics:  # type: ignore[attr-defined]
            by_topic.setdefault(a.topics[0], []).append(a)  # type: ignore[attr-defined]
    outlets = [name for name, _ in gen.OUTLETS]
    words = [w for a in eligible[:2000] for w in " ".join(a.paras).split()]  # type: ignore[attr-defined]
    versions: list[Version] = []
    for a in rng.sample(eligible, min(seeds, len(eligible))):
        paras: list[str] = list(a.paras)  # type: ignore[attr-defined]
        pool = by_topic.get(a.topics[0], eligible) if a.topics else eligible  # type: ignore[attr-defined]

        def other_paragraph(exclude: object = a, pool: list[object] = pool) -> str:
            while True:
                other = rng.choice(pool)
                if other is not exclude and len(other.paras) > 1:  # type: ignore[attr-defined]
                    return str(rng.choice(other.paras[1:]))  # type: ignore[attr-defined]

        def headline(title: str = a.title) -> str:  # type: ignore[attr-defined]
            parts = title.split()
            parts[rng.randrange(len(parts))] = rng.choice(words)
            return " ".join(parts)

        picked = rng.sample(outlets, 4)

        def add(kind: str, text_paras: list[str], title: str, n: int = 0) -> None:
            versions.append(
                Version(
                    f"{a.id}/{kind}{n or ''}",  # type: ignore[attr-defined]
                    _text(text_paras),
                    a.id,  # type: ignore[attr-defined]
                    kind,
                    picked[len(versions) % 4],
                    title,
                )
            )

        add("original", paras, a.title)  # type: ignore[attr-defined]
        add("copy", paras, headline())
        added = list(paras)
        added.insert(rng.randrange(1, len(added) + 1), other_paragraph())
        add("headline+added", added, headline())
        cut = list(paras)
        del cut[rng.randrange(1, len(cut))]
        add("cut", cut, a.title)  # type: ignore[attr-defined]
        reworded = list(paras)
        k = rng.randrange(1, len(reworded))
        tokens = reworded[k].split()
        for i in rng.sample(range(len(tokens)), max(1, round(REWORD_SHARE * len(tokens)))):
            tokens[i] = rng.choice(words)
        reworded[k] = " ".join(tokens)
        add("reworded", reworded, a.title)  # type: ignore[attr-defined]
        add("shortened", paras[: rng.randint(1, 2)], a.title)  # type: ignore[attr-defined]
        lead = paras[0].split()
        cut_at = min(len(lead), 12)
        updated = [" ".join(rng.choices(words, k=cut_at) + lead[cut_at:]), *paras[1:]]
        updated.append(other_paragraph())
        add("updated", updated, headline())
        add("same-lead", [paras[0]] + [other_paragraph() for _ in range(len(paras))], headline())
        link = list(paras)
        for n in range(1, CHAIN_LINKS + 1):
            link = link[1:] + [other_paragraph()]
            add("chain", link, headline(), n)
    return versions


def generated_versions(pages: int, seed: int, cache: Path) -> list[Version]:
    """The versions an index of ``make_html_corpus.py --scale pages --seed seed`` holds (cached:
    rendering takes about a millisecond a page)."""
    path = cache / f"generated-{pages}-{seed}.jsonl.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return [Version(**json.loads(line)) for line in handle]
    gen = generator()
    corpus = gen.Corpus(reuters_articles(), seed, pages, gen.parse_mix(TEMPLATE_MIX))
    versions: list[Version] = []
    for i in range(pages):
        article = corpus.article(i)
        rendered = gen.RENDER[article["template"]](
            corpus, i, article, gen.page_rng(seed, i, "page")
        )
        printed, related = rendered[2], rendered[1]
        if printed:
            versions.append(
                Version(
                    f"p{i}",
                    _text(printed),
                    article["id"],
                    "page",
                    article["source"],
                    article["title"],
                )
            )
        for n, j in enumerate(related):
            other = corpus.article(j)
            if other["paras"]:
                versions.append(
                    Version(
                        f"p{i}#r{n}",
                        _text(other["paras"]),
                        other["id"],
                        "rail",
                        article["source"],
                        other["title"],
                    )
                )
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    with gzip.open(partial, "wt", encoding="utf-8") as handle:
        for version in versions:
            handle.write(json.dumps(asdict(version), ensure_ascii=False) + "\n")
    partial.rename(path)
    return versions
