""" "Did you mean": a corrected query when the one typed finds little.

Candidates come from Whoosh's spelling fields, which hold whole (unstemmed) words because the title
and body are declared with ``spelling=True`` (DECISIONS.md rule 4).  Each word of the query that the
index does not know is replaced by the known word closest to it (Damerau-Levenshtein distance, so a
swap of two letters is one edit), the most frequent among equally close ones.  A correction is
offered only when it finds more than the query as typed, so a rare but correct word is left alone.
"""

from __future__ import annotations

import re

from whoosh import query
from whoosh.searching import Searcher

from indexer import schema
from search.query import parse_query

MAX_EDITS = 2
MIN_WORD = 3
_WORD = re.compile(r"\w+")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_SPELL_FIELDS = tuple(f"spell_{name}" for name in schema.DEFAULT_SEARCH_FIELDS)


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a transposition is one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _frequency(searcher: Searcher, word: str) -> int:
    reader = searcher.reader()
    return max(reader.doc_frequency(field, word) for field in _SPELL_FIELDS)


def _correct_word(searcher: Searcher, word: str) -> str | None:
    candidates: set[str] = set()
    for field in _SPELL_FIELDS:
        corrector = searcher.reader().corrector(field)
        candidates.update(corrector.suggest(word, limit=20, maxdist=MAX_EDITS))
    ranked = sorted(
        (edit_distance(word, c), -_frequency(searcher, c), c) for c in candidates if c != word
    )
    return ranked[0][2] if ranked and ranked[0][0] <= MAX_EDITS else None


def corrected_text(searcher: Searcher, text: str) -> str | None:
    """``text`` with each unknown word replaced by its best correction, or None if none changed."""
    pieces: list[str] = []
    cursor = 0
    changed = False
    for match in _WORD.finditer(text):
        word = match.group(0)
        is_field = text[match.end() : match.end() + 1] == ":"
        lowered = word.lower()
        if (
            is_field
            or word in _OPERATORS
            or len(word) < MIN_WORD
            or word.isdigit()
            or _frequency(searcher, lowered) > 0
        ):
            continue
        replacement = _correct_word(searcher, lowered)
        if replacement is None:
            continue
        if word[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        pieces.append(text[cursor : match.start()])
        pieces.append(replacement)
        cursor = match.end()
        changed = True
    if not changed:
        return None
    pieces.append(text[cursor:])
    return "".join(pieces)


def suggest(searcher: Searcher, text: str, total: int, filters: query.Query | None) -> str | None:
    """A better-spelled form of the query ``text``, or None when there is none worth offering."""
    corrected = corrected_text(searcher, text)
    if corrected is None:
        return None
    parsed = parse_query(corrected)
    found = len(searcher.search(parsed.strict, limit=1, filter=filters, terms=False))
    if found == 0 and parsed.relaxed is not None:
        found = len(searcher.search(parsed.relaxed, limit=1, filter=filters, terms=False))
    return corrected if found > total else None
