"""Turning what a user typed into a Whoosh query, forgivingly.

Plain words are the common case: a query of one or two words needs all of them, a longer one any
of them, ranked so that articles with more of its words (and rarer ones) come first
(:mod:`search.ranking` says why).  Syntax, for when the user wants control: ``"a phrase"``;
``AND``, ``OR``, ``NOT word`` or ``-word``; ``(grouping)``; ``title:``, ``author:``, ``source:``,
``tags:`` (and ``body:``) field prefixes; ``word*`` prefixes of at least :data:`MIN_PREFIX`
letters.  A query that uses any of it has all its words required unless it says ``OR``.

Text is not syntax when it reads as prose: in a query of :data:`SENTENCE_WORDS` words or more,
quotes and dashes are punctuation (scare quotes, quoted titles, "- DDC, UDC, LC -"), and in a
query typed in capitals AND, OR and NOT are words.  Anything else is text too: a question mark,
unbalanced quotes, stray parentheses, a lone operator or a colon in natural text never make an
error.  Only queries that cannot be served raise :class:`~search.errors.BadRequestError`: a bare
``*``, or a prefix so short it would expand to a large part of the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from whoosh import fields, query
from whoosh.qparser import AndGroup, MultifieldParser, QueryParser, plugins

from indexer.index.analysis import (
    STOP_WORDS,
    fold,
    language_analysis,
    query_terms,
    query_word_analyzer,
    query_words,
)
from indexer.index.schema import DEFAULT_SEARCH_FIELDS, QUERY_FIELDS, SCHEMA
from indexer.words import WORD
from search.errors import BadRequestError
from search.ranking import query_branches, words_query

MIN_PREFIX = 3
# From this many words on, a query is prose: its quotes and dashes are punctuation.
SENTENCE_WORDS = 10

# Syntax in any query: a known field prefix or a wildcard attached to a word.  Parentheses alone
# are not syntax: sentences have them too.
_FIELD_OR_WILDCARD = re.compile(r"\w\*|\b(?:" + "|".join(sorted(QUERY_FIELDS)) + r"):")
# Syntax in a short query: quotes, and a + or - stuck to the front of a word.
_PHRASE_OR_SIGN = re.compile(r"\"|(?<![^\s(])[+\-](?=\w)")

_OPERATOR_CHARS = re.compile(r"[\"()\[\]{}^~*:+\-]")
_UPPER_OPERATORS = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


class _StarWildcardPlugin(plugins.WildcardPlugin):
    """Only ``*`` is a wildcard: a ``?`` ends questions far more often than it stands for a
    letter ("what is information science?" must not look for "scienc" plus one letter)."""

    qmarks = ""
    expr = r"(?P<text>[*])"


def _parse_schema() -> fields.Schema:
    """The fields a user may name: the text fields read words as typed (:func:`localize` then
    analyses them once per language), the others with the index's own analysis.

    Parsing against this smaller schema is what makes ``id:``, ``path:`` and other internal field
    names plain text instead of queries on internal fields.
    """
    schema = fields.Schema()
    for field_name in set(QUERY_FIELDS.values()):
        if field_name in DEFAULT_SEARCH_FIELDS:
            schema.add(field_name, fields.TEXT(analyzer=query_word_analyzer(), phrase=True))
        else:
            schema.add(field_name, SCHEMA[field_name])
    return schema


_PARSE_SCHEMA = _parse_schema()


def _make_parser(group: type) -> QueryParser:
    parser = MultifieldParser(list(DEFAULT_SEARCH_FIELDS), _PARSE_SCHEMA, group=group)
    # Apostrophes ("Russia's"), ranges and boosts are rarer on purpose than in text by accident.
    parser.remove_plugin_class(plugins.SingleQuotePlugin)
    parser.remove_plugin_class(plugins.RangePlugin)
    parser.remove_plugin_class(plugins.BoostPlugin)
    parser.remove_plugin_class(plugins.EveryPlugin)
    parser.remove_plugin_class(plugins.WildcardPlugin)
    parser.add_plugin(_StarWildcardPlugin())
    # A minus only negates at the start of a word: "self-medicating" and "e-mail" are words.
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    aliases: dict[str, list[str]] = {}
    for alias, name in QUERY_FIELDS.items():
        if alias != name:
            aliases.setdefault(name, []).append(alias)
    parser.add_plugin(plugins.FieldAliasPlugin(aliases))
    return parser


_AND_PARSER = _make_parser(AndGroup)


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed user query, not yet analysed: its words are read once per language of the index
    when it is searched (:func:`search.ranking.query_branches`, :func:`localize`).

    For a query of plain words, ``plain`` is its text with every operator neutralised (what
    :mod:`search.ranking` matches and scores).  Otherwise ``strict`` is the query with every word
    required (or as the user's syntax says), its words as typed.
    """

    text: str
    strict: query.Query = query.NullQuery
    plain: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.plain and self.strict is query.NullQuery

    @property
    def is_plain(self) -> bool:
        return bool(self.plain)


def has_syntax(text: str) -> bool:
    """Whether the user wrote query syntax rather than plain words (see the module docstring)."""
    if _FIELD_OR_WILDCARD.search(text):
        return True
    if any(c.islower() for c in text) and _UPPER_OPERATORS.search(text):
        return True
    return len(WORD.findall(text)) < SENTENCE_WORDS and bool(_PHRASE_OR_SIGN.search(text))


def _as_plain_text(text: str) -> str:
    """The words of ``text`` with every operator character and word neutralised."""
    text = _OPERATOR_CHARS.sub(" ", text)
    return _UPPER_OPERATORS.sub(lambda m: m.group(0).lower(), text)


def _check_servable(text: str, parsed: query.Query) -> None:
    for sub in parsed.leaves():
        if isinstance(sub, query.Every):
            raise BadRequestError(
                f"{text!r} matches everything: search for a word, or leave q empty and use the "
                "filters to list articles"
            )
        if isinstance(sub, query.Prefix | query.Wildcard):
            stem = re.split(r"[*?]", sub.text, maxsplit=1)[0]
            if len(stem) < MIN_PREFIX:
                shown = f"{sub.text}*" if isinstance(sub, query.Prefix) else sub.text
                raise BadRequestError(
                    f"the wildcard {shown!r} is too broad: put at least {MIN_PREFIX} letters "
                    "before * (or search for whole words)"
                )


def parse_query(text: str) -> ParsedQuery:
    """Parse a user's query; raises BadRequestError only for queries that cannot be served."""
    text = text.strip()
    if text and not re.search(r"\w", text):
        if "*" in text:
            raise BadRequestError(
                "a bare * matches everything: search for a word, or leave q empty and use the "
                "filters to list articles"
            )
        return ParsedQuery(text)
    if not has_syntax(text):
        plain = _as_plain_text(text)
        return ParsedQuery(text, plain=plain if any(query_words(plain)) else "")
    try:
        strict = _AND_PARSER.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises assorted errors on odd input
        strict = _AND_PARSER.parse(_as_plain_text(text))
    if strict is query.NullQuery and re.search(r"\w", _as_plain_text(text)):
        # Operators consumed every word (e.g. a lone "NOT"): read the query as words instead.
        strict = _AND_PARSER.parse(_as_plain_text(text))
    _check_servable(text, strict)
    return ParsedQuery(text, strict)


# --- reading the words in each language -----------------------------------------------------------


def query_for(parsed: ParsedQuery, languages: Sequence[str]) -> query.Query:
    """The Whoosh query a search starts from for ``parsed`` over articles in ``languages``: for
    plain words, all of them in some language's reading (short queries) or any; for syntax, the
    query as written, each word read in every language."""
    if parsed.is_plain:
        return words_query(query_branches(parsed.plain, languages), require_all=True)
    return localize(parsed.strict, languages)


def localize(q: query.Query, languages: Sequence[str]) -> query.Query:
    """A parsed query (words as typed) with its headline and body words analysed in each of
    ``languages``: a word matches when any language's reading of it does.  Words that are stop
    words (in the reading's language, or in English) drop out of that reading."""
    return _localize(q, _readings(languages)).normalize()


def _readings(languages: Sequence[str]) -> list[str]:
    """One language per distinct reading (English and unknown languages read alike)."""
    chosen: dict[str, str] = {}
    for code in languages:
        chosen.setdefault(language_analysis(code).namespace, code)
    return list(chosen.values()) or ["en"]


def _localize(q: query.Query, languages: list[str]) -> query.Query:
    if isinstance(q, query.Term | query.Phrase | query.Prefix | query.Wildcard) and (
        q.fieldname in DEFAULT_SEARCH_FIELDS
    ):
        readings = [r for r in (_read(q, code) for code in languages) if r is not None]
        if not readings:
            return query.NullQuery
        unique = list(dict.fromkeys(readings))
        return unique[0] if len(unique) == 1 else query.Or(unique)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _localize(sub, languages))


def _read(
    q: query.Term | query.Phrase | query.Prefix | query.Wildcard, code: str
) -> query.Query | None:
    """One language's reading of a leaf on a text field, or None when nothing of it is left."""
    english = language_analysis(code).code == "en"
    if isinstance(q, query.Prefix | query.Wildcard):
        # Prefixes match the index's terms (stems) by their start: folded, not stemmed.
        prefix = language_analysis(code).namespace + fold(q.text.lower())
        return q.__class__(q.fieldname, prefix, boost=q.boost)
    words = [q.text] if isinstance(q, query.Term) else list(q.words)
    terms: list[str] = []
    for word in words:
        if not english and word in STOP_WORDS:
            continue
        terms += query_terms(word, code)
    if not terms:
        return None
    if len(terms) == 1:
        return query.Term(q.fieldname, terms[0], boost=q.boost)
    slop = q.slop if isinstance(q, query.Phrase) else 1
    return query.Phrase(q.fieldname, terms, slop=slop, boost=q.boost)
