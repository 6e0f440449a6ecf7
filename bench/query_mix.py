"""The fixed, seeded query mixes of bench/perf.py, built from a generated corpus's ground truth.

Two independent mixes: the first (:func:`build_query_mix`, below) and the "typed" mix
(:func:`build_typed_mix`, at the end of the module) built to the product owner's description of
what people type.  Both are drawn from the truth JSON lines that ``make_html_corpus.py`` writes
(what the pages say), not from what the product extracted, so the same corpus and seed always give
the same queries whatever the extractor does.  Of the first mix's queries:

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

from indexer.index.analysis import STOP_WORDS as PRODUCT_STOP_WORDS

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
    """One query of a mix, in a form each engine can be given.

    ``form`` says how ``words`` make the query text: plain words, an exact ``phrase``, a
    ``prefix`` (the one word followed by ``*``), or an ``exclusion`` (every word but the last
    required, the last one excluded with ``-``).  ``kind`` is only the label figures are grouped by.
    """

    kind: str
    words: tuple[str, ...]
    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    form: str = "words"  # "words", "phrase", "prefix" or "exclusion"
    sort: str | None = None  # None: the server's default (relevance)
    page: int | None = None

    @property
    def is_phrase(self) -> bool:
        return self.form == "phrase" or self.kind == "phrase"

    @property
    def text(self) -> str:
        if self.is_phrase:
            return '"' + " ".join(self.words) + '"'
        if self.form == "prefix":
            return f"{self.words[0]}*"
        if self.form == "exclusion":
            return " ".join([*self.words[:-1], f"-{self.words[-1]}"])
        return " ".join(self.words)

    def params(self) -> dict[str, str]:
        """The query-string parameters of the search API (and of ``parse_request``)."""
        params = {"q": self.text}
        if self.source:
            params["source"] = self.source
        if self.date_from:
            params["from"] = self.date_from
        if self.date_to:
            params["to"] = self.date_to
        if self.sort:
            params["sort"] = self.sort
        if self.page:
            params["page"] = str(self.page)
        return params

    def url_path(self) -> str:
        return f"{SEARCH_PATH}?{urlencode(self.params())}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchQuery:
        """Only for mixes saved by this module (``words`` and ``form`` kept alongside)."""
        return cls(
            kind=data["kind"],
            words=tuple(data["words"]),
            source=data.get("source"),
            date_from=data.get("from"),
            date_to=data.get("to"),
            form=data.get("form", "words"),
            sort=data.get("sort"),
            page=int(data["page"]) if data.get("page") else None,
        )

    def to_saved(self) -> dict[str, Any]:
        return self.to_dict() | {"words": list(self.words), "form": self.form}


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


# -- the "typed" mix ---------------------------------------------------------------------------
#
# A second, independent mix built to the product owner's description of what people type (issue
# 17): mostly one or two common words of the corpus's own vocabulary, so that many queries match
# tens of thousands of articles; three or four words; a source facet with one or two words; a
# month's date window with two words; a few exact phrases.  Added because users type them too:
# a misspelt common word (the "did you mean" path), a pasted headline, a prefix, an exclusion,
# newest-first sorting and a second page.  Words are drawn in proportion to their document
# frequency (a random word of a random article), not by rank as in the mix above, so the head
# of the vocabulary dominates and two words of a query are usually unrelated ("sales dayton").
# The product's stop words (a longer list than Whoosh's) are left out: both engines would do
# different work for them.

TYPED_QUERY_COUNT = 480
TYPED_KINDS = {
    "1 word": 130,
    "2 words": 110,
    "3-4 words": 60,
    "source + words": 50,
    "month + 2 words": 40,
    "phrase": 25,
    "typo": 15,
    "headline": 15,
    "prefix": 10,
    "exclusion": 10,
    "newest first": 10,
    "page 2": 5,
}
# Headlines are cut to this many content words (a pasted title, not a paragraph).
HEADLINE_WORDS = 10
# A prefix keeps this many letters of a common word (the parser needs at least three).
PREFIX_LETTERS = (3, 4, 5)
# A word asked for its second page is in at least this share of the articles (a second page
# exists).
PAGE_TWO_MIN_SHARE = 0.02
# Misspelt words are at least this long: the suggester leaves shorter ones alone.
TYPO_MIN_LETTERS = 5


class _FrequencyVocabulary:
    """Words drawn in proportion to their document frequency in a sample of articles."""

    def __init__(self, document_words: Sequence[set[str]]) -> None:
        frequency = Counter(itertools.chain.from_iterable(document_words))
        self.words = sorted(w for w, n in frequency.items() if n >= 2)
        self.frequency = frequency
        self._cumulative = list(itertools.accumulate(frequency[w] for w in self.words))

    def draw(self, rng: random.Random, min_letters: int = 3) -> str:
        while True:
            point = rng.random() * self._cumulative[-1]
            word = self.words[bisect.bisect_right(self._cumulative, point)]
            if len(word) >= min_letters:
                return word

    def draw_distinct(self, rng: random.Random, count: int) -> tuple[str, ...]:
        words: list[str] = []
        while len(words) < count:
            word = self.draw(rng)
            if word not in words:
                words.append(word)
        return tuple(words)


def _misspelt(rng: random.Random, word: str) -> str:
    """One random edit inside a word (never its first letter): a swap, a drop or a doubling."""
    at = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "double"))
    if edit == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if edit == "drop":
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at] + word[at:]


def _month_window(rng: random.Random, dated: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """The first and last day of the month of a random dated article."""
    day = date.fromisoformat(rng.choice(dated)["published"][:10])
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def build_typed_mix(
    truth: Path, seed: int, kinds: dict[str, int] | None = None
) -> list[BenchQuery]:
    """The typed mix: ``kinds`` (default :data:`TYPED_KINDS`) queries of each kind, shuffled,
    the same for one truth file and seed."""
    kinds = kinds or TYPED_KINDS
    rng = random.Random(seed * 31 + 17)  # independent of the first mix's draws
    records = [r for r in _truth_records(truth) if r.get("body")]
    sample = records if len(records) <= SAMPLE_ARTICLES else rng.sample(records, SAMPLE_ARTICLES)
    document_words = [
        {w for w in _content_words(f"{r['title']} {r['body']}") if w not in PRODUCT_STOP_WORDS}
        for r in sample
    ]
    vocabulary = _FrequencyVocabulary(document_words)
    dated = [r for r in sample if r.get("published")]
    sourced = [r for r in sample if r.get("source")]

    def one_query(kind: str) -> BenchQuery:
        if kind == "1 word":
            return BenchQuery(kind, vocabulary.draw_distinct(rng, 1))
        if kind == "2 words":
            return BenchQuery(kind, vocabulary.draw_distinct(rng, 2))
        if kind == "3-4 words":
            return BenchQuery(kind, vocabulary.draw_distinct(rng, rng.choice((3, 4))))
        if kind == "source + words":
            source = rng.choice(sourced)["source"]
            return BenchQuery(
                kind, vocabulary.draw_distinct(rng, rng.choice((1, 2))), source=source
            )
        if kind == "month + 2 words":
            first, last = _month_window(rng, dated)
            return BenchQuery(kind, vocabulary.draw_distinct(rng, 2), date_from=first, date_to=last)
        if kind == "phrase":
            phrase = None
            while phrase is None:
                phrase = _phrase_words(rng, rng.choice(sample)["body"])
            return BenchQuery(kind, phrase, form="phrase")
        if kind == "typo":
            typo = _misspelt(rng, vocabulary.draw(rng, TYPO_MIN_LETTERS))
            while typo in vocabulary.frequency:
                typo = _misspelt(rng, vocabulary.draw(rng, TYPO_MIN_LETTERS))
            extra = vocabulary.draw_distinct(rng, rng.choice((0, 1)))
            return BenchQuery(kind, (typo, *extra))
        if kind == "headline":
            words: list[str] = []
            while len(words) < 3:
                title = rng.choice(sample)["title"]
                words = list(dict.fromkeys(_content_words(title)))[:HEADLINE_WORDS]
            return BenchQuery(kind, tuple(words))
        if kind == "prefix":
            word = vocabulary.draw(rng, max(PREFIX_LETTERS) + 1)
            return BenchQuery(kind, (word[: rng.choice(PREFIX_LETTERS)],), form="prefix")
        if kind == "exclusion":
            return BenchQuery(kind, vocabulary.draw_distinct(rng, 2), form="exclusion")
        if kind == "newest first":
            return BenchQuery(
                kind, vocabulary.draw_distinct(rng, rng.choice((1, 2))), sort="newest"
            )
        if kind == "page 2":
            word = vocabulary.draw(rng)
            while vocabulary.frequency[word] < PAGE_TWO_MIN_SHARE * len(sample):
                word = vocabulary.draw(rng)
            return BenchQuery(kind, (word,), page=2)
        raise ValueError(f"unknown query kind {kind!r}")

    order = [kind for kind, n in kinds.items() for _ in range(n)]
    rng.shuffle(order)
    return [one_query(kind) for kind in order]
