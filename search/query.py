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
from dataclasses import dataclass

from whoosh import fields, query
from whoosh.qparser import AndGroup, MultifieldParser, QueryParser, plugins

from indexer.index.schema import DEFAULT_SEARCH_FIELDS, QUERY_FIELDS, SCHEMA
from indexer.words import WORD
from search.errors import BadRequestError
from search.ranking import analysed_terms, requires_all, words_query

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
    """The fields a user may name, with the index's own field types (so analysis matches).

    Parsing against this smaller schema is what makes ``id:``, ``path:`` and other internal field
    names plain text instead of queries on internal fields.
    """
    schema = fields.Schema()
    for field_name in set(QUERY_FIELDS.values()):
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
    """A parsed user query.

    ``strict`` is the query with every word required (or as the user's syntax says).  For a
    query of plain words, ``terms`` holds its analysed words with how often each was typed (what
    :mod:`search.ranking` matches and scores); it is empty when the user used query syntax.
    """

    text: str
    strict: query.Query
    terms: tuple[tuple[str, int], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.strict is query.NullQuery

    @property
    def is_plain(self) -> bool:
        return bool(self.terms)

    def term_weights(self) -> dict[str, float]:
        return {term: float(count) for term, count in self.terms}


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
        return ParsedQuery(text, query.NullQuery)
    if not has_syntax(text):
        terms = analysed_terms(_as_plain_text(text))
        if not terms:
            return ParsedQuery(text, query.NullQuery)
        weights = {term: float(count) for term, count in terms.items()}
        return ParsedQuery(
            text, words_query(weights, require_all=True), tuple(sorted(terms.items()))
        )
    try:
        strict = _AND_PARSER.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises assorted errors on odd input
        strict = _AND_PARSER.parse(_as_plain_text(text))
    if strict is query.NullQuery and re.search(r"\w", _as_plain_text(text)):
        # Operators consumed every word (e.g. a lone "NOT"): read the query as words instead.
        strict = _AND_PARSER.parse(_as_plain_text(text))
    _check_servable(text, strict)
    return ParsedQuery(text, strict)


def is_long(parsed: ParsedQuery) -> bool:
    """Whether a plain query has so many words that it matches on any of them, not all."""
    return parsed.is_plain and not requires_all(parsed.term_weights())
