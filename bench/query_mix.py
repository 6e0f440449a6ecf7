"""The fixed, seeded query mix of bench/perf.py, built from a generated corpus's ground truth.

The mix is drawn from the truth JSON lines that ``make_html_corpus.py`` writes (what the pages say),
not from what the product extracted, so the same corpus and seed always give the same queries
whatever the extractor does.  Of the queries:

- 10% are quoted phrases of 2-3 consecutive content words from one article;
- 10% are word queries with a date range (7 days to a year around an article's date);
- 10% are word queries with a source filter (an article's outlet, so popular outlets come up as
  often as they publish);
- the rest are word queries.

Word queries have 1-4 words.  The first word is drawn from the vocabulary ranked by document
frequency with Zipf-Mandelbrot weights ``1 / (rank + 10)``, so common words come up often and the
long tail now and then, as in query logs; the other words are drawn with the same weighting from one
article that holds the first word, so that a multi-word query usually describes some article (as
real ones do) instead of being a random set of words.  Words are lower-case letters only, at least
3 of them, and never one of Whoosh's stop words: SQLite's porter tokenizer keeps stop words and
Whoosh drops them, and queries on them would compare different work.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from whoosh.analysis import STOP_WORDS

QUERY_COUNT = 500
# Articles read for the vocabulary and co-occurrence statistics: enough for a stable ranking,
# few enough that building the mix from a 100,000-page corpus takes seconds.
SAMPLE_ARTICLES = 25_000
ZIPF_OFFSET = 10
WORD_COUNT_WEIGHTS = {1: 35, 2: 35, 3: 20, 4: 10}
DATE_SPANS_DAYS = (7, 30, 90, 365)
SEARCH_PATH = "/api/search"

_WORD = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix, in a form each engine can be given."""

    kind: str  # "words", "phrase", "date" or "source"
    words: tuple[str, ...]
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @property
    def is_phrase(self) -> bool:
        return self.kind == "phrase"

    @property
    def text(self) -> str:
        joined = " ".join(self.words)
        return f'"{joined}"' if self.is_phrase else joined

    def params(self) -> dict[str, str]:
        """The query-string parameters of the search API (and of ``parse_request``)."""
        params = {"q": self.text}
        if self.source:
            params["source"] = self.source
        if self.date_from:
            params["from"] = self.date_from
        if self.date_to:
            params["to"] = self.date_to
        return params

    def url_path(self) -> str:
        return f"{SEARCH_PATH}?{urlencode(self.params())}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params()}


def _truth_records(truth: Path) -> Iterator[dict[str, Any]]:
    with open(truth, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in STOP_WORDS]


class _ZipfVocabulary:
    """Words ranked by document frequency, drawn with Zipf-Mandelbrot weights."""

    def __init__(self, document_words: Sequence[set[str]]) -> None:
        frequency = Counter(itertools.chain.from_iterable(document_words))
        # Ties broken by the word, so the ranking does not depend on dict order.
        ranked = sorted(
            (w for w, n in frequency.items() if n >= 2), key=lambda w: (-frequency[w], w)
        )
        self.rank = {word: i for i, word in enumerate(ranked)}
        self.words = ranked
        self._cumulative = list(
            itertools.accumulate(1.0 / (i + ZIPF_OFFSET) for i in range(len(ranked)))
        )

    def draw(self, rng: random.Random) -> str:
        point = rng.random() * self._cumulative[-1]
        return self.words[bisect.bisect_right(self._cumulative, point)]

    def draw_from(self, rng: random.Random, candidates: Sequence[str]) -> str:
        weights = [1.0 / (self.rank[w] + ZIPF_OFFSET) for w in candidates]
        return rng.choices(candidates, weights=weights)[0]


def _phrase_words(rng: random.Random, body: str) -> tuple[str, ...] | None:
    """2-3 consecutive content words of one paragraph (no punctuation or stop word between)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in _TOKEN.findall(body):
        word = token.lower()
        if _WORD.fullmatch(word) and len(word) >= 3 and word not in STOP_WORDS:
            current.append(word)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = []
    if len(current) >= 2:
        runs.append(current)
    if not runs:
        return None
    run = rng.choice(runs)
    length = min(len(run), rng.choice((2, 3)))
    start = rng.randrange(len(run) - length + 1)
    return tuple(run[start : start + length])


def build_query_mix(truth: Path, seed: int, count: int = QUERY_COUNT) -> list[BenchQuery]:
    """``count`` queries drawn from the articles described in ``truth``, the same for one seed."""
    rng = random.Random(seed)
    records = [r for r in _truth_records(truth) if r.get("body")]
    sample = records if len(records) <= SAMPLE_ARTICLES else rng.sample(records, SAMPLE_ARTICLES)
    document_words = [set(_content_words(f"{r['title']} {r['body']}")) for r in sample]
    vocabulary = _ZipfVocabulary(document_words)
    holders: dict[str, list[int]] = {}
    for i, words in enumerate(document_words):
        for word in words:
            holders.setdefault(word, []).append(i)

    def word_query() -> tuple[str, ...]:
        wanted = rng.choices(list(WORD_COUNT_WEIGHTS), weights=list(WORD_COUNT_WEIGHTS.values()))[0]
        first = vocabulary.draw(rng)
        words = [first]
        article = document_words[rng.choice(holders[first])]
        others = sorted(w for w in article if w in vocabulary.rank and w != first)
        while len(words) < wanted and others:
            word = vocabulary.draw_from(rng, others)
            words.append(word)
            others.remove(word)
        return tuple(words)

    tenth = count // 10
    kinds = ["phrase"] * tenth + ["date"] * tenth + ["source"] * tenth
    kinds += ["words"] * (count - len(kinds))
    rng.shuffle(kinds)
    dated = [r for r in sample if r.get("published")]
    sourced = [r for r in sample if r.get("source")]
    mix: list[BenchQuery] = []
    for kind in kinds:
        if kind == "phrase":
            phrase = None
            while phrase is None:
                phrase = _phrase_words(rng, rng.choice(sample)["body"])
            mix.append(BenchQuery("phrase", phrase))
        elif kind == "date":
            day = date.fromisoformat(rng.choice(dated)["published"][:10])
            span = rng.choice(DATE_SPANS_DAYS)
            start = day - timedelta(days=rng.randrange(span + 1))
            end = start + timedelta(days=span)
            mix.append(
                BenchQuery(
                    "date", word_query(), date_from=start.isoformat(), date_to=end.isoformat()
                )
            )
        elif kind == "source":
            mix.append(BenchQuery("source", word_query(), source=rng.choice(sourced)["source"]))
        else:
            mix.append(BenchQuery("words", word_query()))
    return mix
