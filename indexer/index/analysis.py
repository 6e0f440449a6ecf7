"""Text analysis: how text in a given language becomes index terms, defined once.

The indexer (through the Whoosh analyzer :func:`text_analyzer`, which reads each article's
language from the value it is given, see :class:`LanguageText`), the query side (which analyses a
query once per language present in the index) and the code that analyses text itself at query
time (snippets, feedback, related articles) all run :func:`analyse`, so they cannot disagree.

The rules, per language (:func:`language_analysis`):

- **Words.**  A word is a run of letters and digits, possibly joined by single dots ("U.S.",
  "3.5"): the tokenizer expression docs/decisions.md asks for (Whoosh rule 3).  Words are
  lower-cased.  A run of Chinese, Japanese or Korean characters (which are written without spaces)
  is not one word: it becomes its overlapping **character bigrams**, and at index time its single
  characters too, so that any word of two or more characters (a bigram, or a phrase of
  consecutive bigrams) and any single character find it.
- **Stop words.**  Words of one character and the language's function words (Whoosh's lists for
  the fourteen languages it has them for) are dropped; later words are numbered as if they were
  not there, so "Bank of England" is the phrase "bank england".
- **Folding.**  Latin letters lose their accents and diacritics ("café" and "cafe", "Bahnhöfe"
  and "Bahnhofe" are the same word) before stemming, so that a query typed without accents meets
  the accented text whatever the stemmer makes of accents.  Other scripts are left as written.
- **Stemming.**  English with Porter2 (Whoosh's, the stemmer the ranking was measured with);
  every other language that the Snowball project has a stemmer for with that stemmer (PyStemmer,
  the Snowball project's own C implementations); other languages are not stemmed.
- **Namespaces.**  Terms of every language but English carry the language's code ("de:bahnhof"):
  the same string in two languages is two terms, with their own document frequencies, and a query
  analysed as German meets German articles only.  English, and articles whose language is unknown,
  use plain terms (as before there were languages).

``analyzer(text, no_morph=True)`` gives the spelling field's words: lower-cased, unfolded,
unstemmed, without a namespace (what "did you mean" offers).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any, cast

from whoosh import analysis
from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, Token
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.lang.stopwords import stoplists

# Scripts written without spaces between words: Han ideographs (with extensions and
# compatibility forms), Hiragana, Katakana (and its half-width forms) and Hangul.
CJK_CHARACTERS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
# Words: letters/digits joined by single dots ("U.S.", "3.5"), CJK characters excepted.
_WORD_CHAR = rf"[^\W{CJK_CHARACTERS}]"
TOKEN_PATTERN = rf"(?P<cjk>[{CJK_CHARACTERS}]+)|(?P<word>{_WORD_CHAR}+(?:\.{_WORD_CHAR}+)*)"
_TOKEN = re.compile(TOKEN_PATTERN)
# The expression of names (authors, sources): whole words, CJK runs included.
NAME_PATTERN = r"\w+(\.?\w+)*"

# English function words (pronouns, auxiliaries, prepositions, conjunctions): the Snowball
# project's list and Whoosh's default one.  They carry no topic, and dropping them lets a query
# written as a sentence rank on its content words.  Measured on the seven test collections, this
# list ranks as well as the much longer SMART research list.
STOP_WORDS = frozenset(stoplists["en"]) | analysis.STOP_WORDS
MIN_WORD_CHARS = 2
# Stems remembered per language: words repeat, and stemming is most of analysis's cost.
STEM_CACHE_ENTRIES = 100_000

# Snowball stemmers by ISO 639-1 code (PyStemmer's algorithm names).
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian",
    "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch",
    "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish", "eo": "esperanto", "st": "sesotho",
}  # fmt: skip
# Stemmers that also remove prefixes (articles, verb and noun prefixes, initial mutations).
_PREFIX_STEMMERS = frozenset({"ar", "fa", "ga", "hi", "id", "ne", "st", "ta", "yi", "eu", "hy"})
ENGLISH = "en"
# Latin letters that do not decompose into a letter and a mark.
_LATIN_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
                                "ð": "d", "þ": "th", "ı": "i", "ħ": "h"})  # fmt: skip


def fold(word: str) -> str:
    """A lower-case word with the accents and diacritics of its Latin letters removed; letters of
    other scripts are kept as written."""
    if word.isascii():
        return word
    out: list[str] = []
    for char in unicodedata.normalize("NFD", word.translate(_LATIN_LETTERS)):
        if unicodedata.combining(char) and out and out[-1].isascii():
            continue  # a mark on a Latin letter
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


@dataclass(frozen=True)
class LanguageAnalysis:
    """How one language's words become terms: its namespace, stop words and stemmer."""

    code: str  # ISO 639 code, "en" for English and for unknown languages
    namespace: str  # prefix of every term: "" for English, "de:" for German
    stop_words: frozenset[str]
    stem: Callable[[str], str]
    # Whether a term starts with the (folded) word's first letter: stemmers that only strip
    # suffixes.  Lets code that looks for a few terms in a long text skip the other words unstemmed.
    keeps_initial: bool = True
    stemmed: bool = True  # False: the language has no stemmer, words are indexed as written

    def term(self, word: str) -> str | None:
        """The term of a lower-cased word, or None for a stop word."""
        if len(word) < MIN_WORD_CHARS or word in self.stop_words:
            return None
        folded = fold(word)
        if folded != word and folded in self.stop_words:
            return None
        return self.namespace + self.stem(folded)

    @cached_property
    def cached_term(self) -> Callable[[str], str | None]:
        """:meth:`term`, remembering the words it has seen (texts repeat their words)."""
        return lru_cache(maxsize=STEM_CACHE_ENTRIES)(self.term)


def _identity(word: str) -> str:
    return word


@cache
def language_analysis(code: str | None) -> LanguageAnalysis:
    """The analysis of articles in the language ``code`` (None or unknown: English's)."""
    code = (code or ENGLISH).lower()
    if code == ENGLISH:
        return LanguageAnalysis(
            ENGLISH, "", STOP_WORDS, lru_cache(STEM_CACHE_ENTRIES)(porter2_stem)
        )
    stemmer: Callable[[str], str] = _identity
    if code in _SNOWBALL:
        import Stemmer  # PyStemmer: loaded when a language needs it

        snowball = Stemmer.Stemmer(_SNOWBALL[code])
        stemmer = lru_cache(STEM_CACHE_ENTRIES)(snowball.stemWord)
    stops = frozenset(stoplists.get(code, ()))
    stops |= frozenset(fold(word) for word in stops)
    return LanguageAnalysis(
        code, f"{code}:", stops, stemmer, code not in _PREFIX_STEMMERS, code in _SNOWBALL
    )


@dataclass(frozen=True)
class AnalysedWord:
    """One term of a text: the term, the characters it comes from, its position (consecutive
    for consecutive kept words; a CJK run's bigrams and characters share positions), and the
    lower-cased word as written."""

    term: str
    start: int
    end: int
    position: int
    word: str


def analyse(
    text: str,
    language: str | None = None,
    *,
    query: bool = False,
    initials: frozenset[str] | None = None,
) -> Iterator[AnalysedWord]:
    """The terms of ``text`` written in ``language``, in order (see the module docstring).

    ``query=True`` analyses a query: a CJK run of two or more characters gives its bigrams only
    (the single characters are for one-character queries).  ``initials`` (the first characters
    of the terms sought, without namespace) lets a caller that looks for a few terms skip the
    words that cannot give one, unstemmed; their positions are then not exact.
    """
    for term, start, end, position in terms_with_spans(
        text, language, query=query, initials=initials
    ):
        yield AnalysedWord(term, start, end, position, text[start:end].lower())


def terms_with_spans(
    text: str,
    language: str | None = None,
    *,
    query: bool = False,
    initials: frozenset[str] | None = None,
) -> Iterator[tuple[str, int, int, int]]:
    """:func:`analyse` as plain tuples ``(term, start, end, position)``: the loop snippets,
    feedback and related articles run over whole texts, where an object per word costs."""
    rules = language_analysis(language)
    if initials is not None and not rules.keeps_initial:
        initials = None
    term_of = rules.cached_term
    position = -1
    for match in _TOKEN.finditer(text):
        word = match.group()
        if match.lastgroup == "cjk":
            yield from _cjk_terms(word, match.start(), rules.namespace, position + 1, query=query)
            position += len(word)
            continue
        if initials is not None and fold(word[:1].lower()) not in initials:
            position += 1
            continue
        term = term_of(word.lower())
        if term is not None:
            position += 1
            yield term, match.start(), match.end(), position


def _cjk_terms(
    run: str, start: int, namespace: str, first: int, *, query: bool
) -> Iterator[tuple[str, int, int, int]]:
    characters = len(run) == 1 or not query
    for i, char in enumerate(run):
        if characters:
            yield namespace + char, start + i, start + i + 1, first + i
        if i + 1 < len(run):
            yield namespace + run[i : i + 2], start + i, start + i + 2, first + i


_CJK = re.compile(f"[{CJK_CHARACTERS}]")
_PLAIN_WORD = re.compile(rf"{_WORD_CHAR}+(?:\.{_WORD_CHAR}+)*")


def term_counts(text: str, language: str | None = None) -> Counter[str]:
    """How often each term occurs in ``text``: :func:`index_terms` counted, in C-speed loops when
    the text has no CJK characters (feedback reads several articles per query)."""
    if _CJK.search(text):
        return Counter(index_terms(text, language))
    term_of = language_analysis(language).cached_term
    counts = Counter(map(term_of, map(str.lower, _PLAIN_WORD.findall(text))))
    counts.pop(None, None)
    return counts  # type: ignore[return-value]


def find_terms(
    text: str, terms: Collection[str], language: str | None = None
) -> Iterator[tuple[str, int, int]]:
    """The occurrences ``(term, start, end)`` in ``text`` of the words whose term is one of
    ``terms``: what :func:`terms_with_spans` would find, without analysing every word.

    Only words that begin like a sought term are read (stems keep a word's first letter, after
    folding): the candidates are found by one regular expression, which is most of the saving on
    a long article.
    """
    finder = _finder(terms if isinstance(terms, frozenset) else frozenset(terms), language)
    wanted, initials, term_of = finder
    if initials is None:
        for term, start, end, _ in terms_with_spans(text, language):
            if term in wanted:
                yield term, start, end
        return
    starts = _word_starts(initials, cjk=_CJK.search(text) is not None)
    for candidate in starts.finditer(text):
        at = candidate.start()
        if at >= 2 and text[at - 1] == "." and _PLAIN_WORD.match(text[at - 2]):
            continue  # inside a dotted word ("U.S."), which starts earlier
        match = _TOKEN.match(text, at)
        if match is None or match.lastgroup != "word":
            continue
        found = term_of(match.group().lower())
        if found in wanted:
            yield found, match.start(), match.end()


_Finder = tuple[frozenset[str], frozenset[str] | None, Callable[[str], str | None]]


@lru_cache(maxsize=256)
def _finder(terms: frozenset[str], language: str | None) -> _Finder:
    """What :func:`find_terms` needs for one set of terms in one language (a page of results
    looks for the same terms in every hit): the terms of that language's namespace, the letters
    their words may start with (None: analyse every word), and the language's word-to-term
    function."""
    rules = language_analysis(language)
    namespace = rules.namespace
    wanted = frozenset(
        term for term in terms if term.startswith(namespace) and len(term) > len(namespace)
    )
    cjk = any(_CJK.search(term) for term in wanted)
    if not rules.keeps_initial or cjk or not wanted:
        return wanted, None, rules.cached_term
    return wanted, frozenset(term[len(namespace)] for term in wanted), rules.cached_term


@lru_cache(maxsize=1024)
def _word_starts(initials: frozenset[str], *, cjk: bool) -> re.Pattern[str]:
    """Where a word may start that begins with one of ``initials``, or with any non-ASCII letter
    (it may fold to one).

    A word starts where no word character precedes it.  In a text without CJK characters that is
    ``(?<!\\w)``, which compiles in ~0.1 ms; the exact class (a CJK character ends a CJK run, so a
    word may follow it directly) takes ~1.5 ms to compile, and every related-articles list looks
    for a new set of initials, so it is only used for texts that have CJK characters (``cjk``).
    """
    letters = "".join(sorted(initials | {letter.upper() for letter in initials}))
    before = _WORD_CHAR if cjk else r"\w"
    return re.compile(rf"(?<!{before})(?:[{re.escape(letters)}]|[^\x00-\x7f])")


def index_terms(text: str, language: str | None = None) -> list[str]:
    """The terms indexed for ``text`` written in ``language``, in order."""
    return [term for term, _, _, _ in terms_with_spans(text, language)]


def query_terms(text: str, language: str | None = None) -> list[str]:
    """The terms of a query typed as plain words, analysed as ``language``."""
    return [term for term, _, _, _ in terms_with_spans(text, language, query=True)]


def spelling_words(text: str, language: str | None = None) -> Iterator[tuple[str, int, int]]:
    """The words "did you mean" knows: lower-cased as written, not folded nor stemmed, without a
    namespace; not the language's stop words (a frequent "from" one letter away from "form" would
    win every correction) nor CJK runs (not words to correct)."""
    stop_words = language_analysis(language).stop_words
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word":
            word = match.group().lower()
            if len(word) >= MIN_WORD_CHARS and word not in stop_words:
                yield word, match.start(), match.end()


def query_words(text: str) -> Iterator[tuple[str, int, int]]:
    """Every word of a query as typed, lower-cased, in every language (a CJK run is one word):
    what the query parser reads, before the words are analysed once per language."""
    for match in _TOKEN.finditer(text):
        yield match.group().lower(), match.start(), match.end()


class LanguageText(str):
    """A field value that knows the language it is written in, for :func:`text_analyzer`.

    Whoosh hands field values to the analyzer unchanged, so the article's language travels with
    its text: ``to_document`` wraps the title and body in one.
    """

    language: str | None

    def __new__(cls, text: str, language: str | None) -> LanguageText:
        value = super().__new__(cls, text)
        value.language = language
        return value


# (term, start, end, position) of each word a tokenizer yields, offsets into the value given.
_Spans = Iterable[tuple[str, int, int, int]]


class _SpanTokenizer(analysis.Tokenizer):  # type: ignore[misc]
    """A Whoosh tokenizer over the spans :meth:`spans` gives: Whoosh's keyword flags, one
    reused :class:`Token` filled per word.  ``always_original``: every token carries the text
    as written (otherwise only when Whoosh asks, or for an untokenized value)."""

    always_original = False

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def spans(self, value: str, tokenize: bool, mode: str, **kwargs: Any) -> _Spans:
        raise NotImplementedError

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
        token.stopped = False
        token.boost = 1.0
        original = self.always_original or keeporiginal or not tokenize
        for term, start, end, position in self.spans(value, tokenize, mode, **kwargs):
            token.text = term
            if original:
                token.original = value[start:end]  # type: ignore[attr-defined]
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class _ArticleTokenizer(_SpanTokenizer):
    """Whoosh's view of :func:`analyse`, for the language of the value it is given (English for
    plain strings): the index's analyzer, and the query parser's for phrases and terms.

    ``removestops=False`` keeps no stop words (a stop word is not a term in any language);
    ``no_morph=True`` (the spelling field) gives :func:`spelling_words`.
    """

    is_morph = True  # it stems: Whoosh then keeps a separate field of whole words for spelling

    def spans(self, value: str, tokenize: bool, mode: str, **kwargs: Any) -> _Spans:
        language = getattr(value, "language", None)
        if kwargs.get("no_morph", False):
            return (
                (word, start, end, number)
                for number, (word, start, end) in enumerate(spelling_words(value, language))
            )
        if not tokenize:
            return [(value.lower(), 0, len(value), 0)]
        return terms_with_spans(value, language, query=mode == "query")


class _QueryWordTokenizer(_SpanTokenizer):
    """:func:`query_words` as a Whoosh tokenizer: the query parser's analyzer."""

    always_original = True

    def spans(self, value: str, tokenize: bool, mode: str, **kwargs: Any) -> _Spans:
        found = query_words(value) if tokenize else [(value.lower(), 0, len(value))]
        return ((word, start, end, number) for number, (word, start, end) in enumerate(found))


def query_word_analyzer() -> Analyzer:
    """The analyzer queries are parsed with: words as typed, analysed per language afterwards."""
    return cast(Analyzer, _QueryWordTokenizer())


def text_analyzer() -> Analyzer:
    """The analyzer of headlines and bodies (see the module docstring).  (Whoosh calls any
    callable yielding tokens an analyzer; its type hints only name the classes it ships.)"""
    return cast(Analyzer, _ArticleTokenizer())


def name_analyzer() -> Analyzer:
    """Analyzer for names (authors, sources): whole words, lower-cased, not stemmed."""
    return RegexTokenizer(expression=NAME_PATTERN) | LowercaseFilter()
