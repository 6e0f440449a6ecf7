"""Version sets for bench/grouping.py: texts as pages print them, with what each one is.

Three sets, each a list of :class:`Version` (an id, the text, and what the bench knows about it):

``reuters``    the 21,578 Reuters-21578 stories as /work/shared/tools/make_html_corpus.py renders
               their bodies (dateline folded into the first paragraph), one version each.  The
               collection has real duplicates and near-duplicates (corrections, repeats, shortened
               and extended takes of one story).
``edits``      controlled copies of Reuters stories under other outlets: the same text with a new
               headline; a headline change plus an added paragraph; a cut paragraph; a reworded
               paragraph; a shortened version (the first paragraphs); an update (a new lead
               sentence and a paragraph appended), two to four of them per story; and, for one
               story in four, a trap instead: another story opening with the same lead paragraph,
               or a rolling chain (each link drops the first paragraph and adds one at the end, so
               neighbours are near-duplicates and the ends are not).
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
TRAP_KINDS = ("same-lead", *(f"chain{n}" for n in range(1, 5)))
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
    """``seeds`` Reuters stories of at least five paragraphs, each with copies under other
    outlets: two to four edit kinds drawn per story (as syndication makes them: a story has a
    few versions, not every edit at once), or, for one story in four, a trap instead."""
    gen = generator()
    rng = random.Random(seed)
    eligible = [a for a in articles if len(a.paras) >= 5]  # type: ignore[attr-defined]
    by_topic: dict[str, list[object]] = {}
    for a in articles:
        if len(a.paras) > 1 and a.topics:  # type: ignore[attr-defined]
            by_topic.setdefault(a.topics[0], []).append(a)  # type: ignore[attr-defined]
    outlets = [name for name, _ in gen.OUTLETS]
    vocabulary = [w for a in eligible[:2000] for w in " ".join(a.paras).split()]  # type: ignore[attr-defined]
    versions: list[Version] = []
    for a in rng.sample(eligible, min(seeds, len(eligible))):
        paras: list[str] = list(a.paras)  # type: ignore[attr-defined]
        topic = a.topics[0] if a.topics else ""  # type: ignore[attr-defined]
        pool = by_topic.get(topic, [])
        if len(pool) < 5:  # too few other stories of the topic to draw paragraphs from
            pool = eligible
        story_id: str = a.id  # type: ignore[attr-defined]
        title: str = a.title  # type: ignore[attr-defined]

        def other_paragraph(pool: list[object] = pool, story_id: str = story_id) -> str:
            while True:
                other = rng.choice(pool)
                if other.id != story_id and len(other.paras) > 1:  # type: ignore[attr-defined]
                    return str(rng.choice(other.paras[1:]))  # type: ignore[attr-defined]

        def headline(title: str = title) -> str:
            parts = title.split()
            parts[rng.randrange(len(parts))] = rng.choice(vocabulary)
            return " ".join(parts)

        made: list[tuple[str, list[str], str]] = [("original", paras, title)]
        if rng.random() < 0.25:
            if rng.random() < 0.5:
                made.append(
                    ("same-lead", [paras[0]] + [other_paragraph() for _ in paras[1:]], headline())
                )
            else:
                link = list(paras)
                for n in range(1, CHAIN_LINKS + 1):
                    link = link[1:] + [other_paragraph()]
                    made.append((f"chain{n}", link, headline()))
        else:
            for kind in rng.sample(GROUPED_KINDS, rng.randint(2, 4)):
                text = list(paras)
                new_title = title
                if kind in ("copy", "headline+added", "updated"):
                    new_title = headline()
                if kind == "headline+added":
                    text.insert(rng.randrange(1, len(text) + 1), other_paragraph())
                elif kind == "cut":
                    del text[rng.randrange(1, len(text))]
                elif kind == "reworded":
                    k = rng.randrange(1, len(text))
                    tokens = text[k].split()
                    for i in rng.sample(
                        range(len(tokens)), max(1, round(REWORD_SHARE * len(tokens)))
                    ):
                        tokens[i] = rng.choice(vocabulary)
                    text[k] = " ".join(tokens)
                elif kind == "shortened":
                    text = text[: rng.randint(1, 2)]
                elif kind == "updated":
                    lead = text[0].split()
                    cut_at = min(len(lead), 12)
                    text[0] = " ".join(rng.choices(vocabulary, k=cut_at) + lead[cut_at:])
                    text.append(other_paragraph())
                made.append((kind, text, new_title))
        picked = rng.sample(outlets, len(made))
        for (kind, text, new_title), outlet in zip(made, picked, strict=True):
            versions.append(
                Version(f"{story_id}/{kind}", _text(text), story_id, kind, outlet, new_title)
            )
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
