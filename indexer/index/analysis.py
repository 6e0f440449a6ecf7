"""Text analysis: how text becomes index terms, defined once.

The indexer (through the Whoosh analyzer :func:`text_analyzer` builds), the query parser (the same
analyzer, through the schema), and the code that analyses text itself at query time (snippets,
feedback, related articles: :func:`word_spans`, :func:`index_terms`) all run :func:`words`, so
they cannot disagree.

The rules:

- a word is a run of letters and digits, possibly joined by single dots ("U.S.", "3.5"), the
  tokenizer expression docs/decisions.md asks for (Whoosh rule 3: the forks changed the default);
- words are lower-cased; words of one character and English function words
  (:data:`STOP_WORDS`) are dropped and later words are numbered as if they were not there (so
  "Bank of England" is the phrase "bank england");
- the rest are stemmed with Porter2, the revised Porter stemmer (both lists and the stemmer ship
  with Whoosh).  ``analyzer(text, no_morph=True)`` gives the words unstemmed: what the spelling
  field ("did you mean") holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, cast

from whoosh import analysis
from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, Token
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.lang.stopwords import stoplists

# Words: letters/digits joined by single dots ("U.S.", "3.5").
TOKEN_PATTERN = r"\w+(\.?\w+)*"
# English function words (pronouns, auxiliaries, prepositions, conjunctions): the Snowball
# project's list and Whoosh's default one.  They carry no topic, and dropping them lets a query
# written as a sentence rank on its content words.  Measured on the seven test collections, this
# list ranks as well as the much longer SMART research list.
STOP_WORDS = frozenset(stoplists["en"]) | analysis.STOP_WORDS
MIN_WORD_CHARS = 2
# Stems remembered per process: words repeat, and stemming is most of analysis's cost.
STEM_CACHE_ENTRIES = 100_000

_TOKEN = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=STEM_CACHE_ENTRIES)
def stem(word: str) -> str:
    """The stem of a lower-cased word (a suffix-stripping stemmer: it keeps the first letter)."""
    return str(porter2_stem(word))


def words(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """Every word of ``text``, lower-cased, with its character span and whether it is a stop
    word: ``(word, start, end, stopped)``.  The one definition of what a word is."""
    for match in _TOKEN.finditer(text):
        word = match.group().lower()
        yield word, match.start(), match.end(), len(word) < MIN_WORD_CHARS or word in STOP_WORDS


def word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """The words that are indexed, unstemmed, with their character spans."""
    for word, start, end, stopped in words(text):
        if not stopped:
            yield word, start, end


def index_terms(text: str) -> list[str]:
    """The terms indexed for ``text``, in order."""
    return [stem(word) for word, _, _ in word_spans(text)]


class _ArticleTokenizer(analysis.Tokenizer):  # type: ignore[misc]
    """Whoosh's view of :func:`words`: tokens with the flags Whoosh passes honoured.

    ``removestops=False`` (phrase parsing) keeps stop words as tokens marked ``stopped``;
    ``no_morph=True`` (the spelling field) leaves words unstemmed; positions count kept words
    only.
    """

    is_morph = True  # it stems: Whoosh then keeps a separate field of unstemmed words for spelling

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # noqa: PLR0913 - Whoosh calls analyzers with these keyword flags
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stemming = not kwargs.get("no_morph", False)
        if tokenize:
            spans: Any = words(value)
        else:
            lowered = value.lower()
            stopped = len(lowered) < MIN_WORD_CHARS or lowered in STOP_WORDS
            spans = [(lowered, 0, len(value), stopped)]
        # Whoosh's numbering, which phrase positions depend on: a kept word after the first one
        # comes right after the previous kept word; the first keeps its place among all words.
        position: int | None = None
        for index, (word, start, end, stopped) in enumerate(spans):
            if stopped and removestops:
                continue
            token.stopped = stopped
            token.text = stem(word) if stemming and not stopped else word
            token.boost = 1.0
            if keeporiginal or not tokenize:
                token.original = value[start:end]  # type: ignore[attr-defined]
            if positions:
                if stopped:
                    token.pos = start_pos + index
                else:
                    position = start_pos + index if position is None else position + 1
                    token.pos = position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def text_analyzer() -> Analyzer:
    """The analyzer of headlines and bodies (see the module docstring): one tokenizer that does
    every step, so its steps are :func:`words`.  (Whoosh calls any callable yielding tokens an
    analyzer; its type hints only name the classes it ships.)"""
    return cast(Analyzer, _ArticleTokenizer())


def name_analyzer() -> Analyzer:
    """Analyzer for names (authors, sources): whole words, lower-cased, not stemmed."""
    return RegexTokenizer(expression=TOKEN_PATTERN) | LowercaseFilter()
