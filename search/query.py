"""Turning what a user typed into a Whoosh query, forgivingly.

Syntax: words are ANDed; ``"a phrase"``; ``OR``; ``NOT word`` or ``-word``; ``(grouping)``;
``title:``, ``author:``, ``source:``, ``tags:`` (and ``body:``) field prefixes; ``word*`` prefixes
of at least :data:`MIN_PREFIX` letters.  Anything else is text: unbalanced quotes, stray
parentheses, a lone operator or a colon in natural text never make an error.  Only queries that
cannot be served raise :class:`~search.errors.BadRequestError`: a bare ``*``, or a prefix so short
it would expand to a large part of the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import fields, query
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, QueryParser, plugins

from indexer.schema import DEFAULT_SEARCH_FIELDS, QUERY_FIELDS, SCHEMA
from search.errors import BadRequestError

MIN_PREFIX = 3
# Queries longer than this many terms are "long" (often a pasted sentence or a description):
# requiring every word would find nothing, so they match on most of their terms instead.
LONG_QUERY_TERMS = 4

_OPERATOR_CHARS = re.compile(r"[\"()\[\]{}^~*:+\-]")
_UPPER_OPERATORS = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


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
    # A minus only negates at the start of a word: "self-medicating" and "e-mail" are words.
    parser.add_plugin(plugins.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    aliases: dict[str, list[str]] = {}
    for alias, name in QUERY_FIELDS.items():
        if alias != name:
            aliases.setdefault(name, []).append(alias)
    parser.add_plugin(plugins.FieldAliasPlugin(aliases))
    return parser


_AND_PARSER = _make_parser(AndGroup)
# OR of the terms, scaled so that documents matching more of them rank higher.
_OR_PARSER = _make_parser(OrGroup.factory(0.9))


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed user query: the strict form and, for plain word queries, a relaxed form."""

    text: str
    strict: query.Query
    relaxed: query.Query | None  # None when the user used operators or the query is short

    @property
    def is_empty(self) -> bool:
        return self.strict is query.NullQuery


def _has_operators(text: str) -> bool:
    return bool(_OPERATOR_CHARS.search(text) or _UPPER_OPERATORS.search(text))


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
        return ParsedQuery(text, query.NullQuery, None)
    try:
        strict = _AND_PARSER.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises assorted errors on odd input
        strict = _AND_PARSER.parse(_as_plain_text(text))
    if strict is query.NullQuery and re.search(r"\w", _as_plain_text(text)):
        # Operators consumed every word (e.g. a lone "NOT"): read the query as words instead.
        strict = _AND_PARSER.parse(_as_plain_text(text))
    _check_servable(text, strict)
    relaxed = None
    if not _has_operators(text):
        terms = [leaf for leaf in strict.leaves() if isinstance(leaf, query.Term)]
        if len({t.text for t in terms}) > 1:
            relaxed = _OR_PARSER.parse(text)
    return ParsedQuery(text, strict, relaxed)


def is_long(parsed: ParsedQuery) -> bool:
    """Whether a plain query has so many words that requiring all of them would find nothing."""
    if parsed.relaxed is None:
        return False
    words = {leaf.text for leaf in parsed.strict.leaves() if isinstance(leaf, query.Term)}
    return len(words) > LONG_QUERY_TERMS
