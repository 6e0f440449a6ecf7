""" "Did you mean": the query with its misspelt words corrected.

A word is a candidate for correction when the index does not have it as typed.  Stop words,
numbers, field names and words of fewer than :data:`MIN_WORD` letters are left alone, and so, in
a query written in mixed case, are words in capitals (acronyms: "SIAM", "RLIN") and capitalised
words inside a sentence (names: "Davis", "Backus"): the index not knowing them says nothing about
their spelling.  A candidate is replaced by the most frequent index word one edit away (a letter
deleted, inserted or replaced, or two neighbours swapped).  When the candidate's stem does occur
(an inflection such as "titles" next to "title", or a typo that stems like some rare word), the
replacement must also be far more frequent than that stem (:data:`RARE_FORM_RATIO`), so that
inflections are left alone.

The edits are generated and looked up, a few milliseconds a word, where Whoosh's
``terms_within`` scan took over a second.  They are looked up in the body's spelling field, which
holds whole (unstemmed) words because the body is declared with ``spelling=True``
(docs/decisions.md, Whoosh rule 4) and covers headlines too (the body field indexes the headline).

Its cost is bounded whatever the query: a word is one edit from ~54 strings per letter, each a
term look-up, so words longer than :data:`MAX_WORD` are not corrected (one 1,000-letter word cost
0.75 s of CPU) and at most :data:`MAX_CORRECTED_WORDS` unknown words of a query are (a pasted
paragraph may hold hundreds).

The suggestion is offered whatever the number of results: a long query with one misspelt word
still finds articles through its other words.  It is offered only when it finds something.  The
search itself uses it straight away when the words it corrects match nothing as typed
(:func:`corrects_only_unmatched_words`; the results then say what was searched).
"""

from __future__ import annotations

import re

import numpy as np

from indexer.index import schema
from indexer.index.schema import QUERY_FIELDS
from indexer.index.version import IndexReader
from indexer.words import WORD
from search import matching
from search.query import ParsedQuery, localize, parse_query
from search.ranking import analysed_terms, query_branches, words_query

# Words this short have too many neighbours one edit away for a guess to be right.
MIN_WORD = 4
# Longer words are not corrected: "internationalisation" has 20 letters, and a typo in a longer
# word is rarely what keeps a query from matching.  At 20 letters a correction costs ~1,100 look-ups
# (~5 ms).
MAX_WORD = 20
# Unknown words corrected in one query, at most: 8 x 5 ms bounds "did you mean" at ~40 ms.
MAX_CORRECTED_WORDS = 8
# A typed word whose stem occurs in some documents is corrected only to a word this many times
# as frequent as that stem.
RARE_FORM_RATIO = 50
# The end of a sentence: a full stop, question or exclamation mark, but not after an initial
# ("J. Backus").
_SENTENCE_END = re.compile(r"(?<!\b\w)[.!?]\W*$")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_edit_away(word: str) -> set[str]:
    """Every string one deletion, insertion, substitution or transposition away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletions = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replacements = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    insertions = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletions | swaps | replacements | insertions) - {word}


def _frequency(reader: IndexReader, word: str) -> int:
    """In how many documents the word occurs as typed (the body's spelling field holds whole
    words: docs/decisions.md, Whoosh rule 4)."""
    return int(reader.spelling_frequencies([word])[0])


def _stem_frequency(reader: IndexReader, word: str) -> int:
    """In how many documents another form of the word (its stem) occurs."""
    frequencies = [reader.doc_frequency(schema.BODY, term) for term in analysed_terms(word)]
    return max(frequencies, default=0)


def _correct_word(reader: IndexReader, word: str) -> str | None:
    """The best correction of a word the index does not have as typed, or None.

    That is the most frequent index word one edit away (ties: alphabetical).  When the word's
    stem does occur (an inflection, or a typo that happens to stem like some rare word), the
    correction must be :data:`RARE_FORM_RATIO` times as frequent as that stem: "titles" stays
    "titles" next to "title", but "mehtods" becomes "methods" although one abstract has "mehtod".
    """
    candidates = sorted(one_edit_away(word))
    frequencies = reader.spelling_frequencies(candidates)
    ranked = sorted(
        (-int(frequency), candidate)
        for candidate, frequency in zip(candidates, frequencies, strict=True)
        if frequency > 0
    )
    if not ranked:
        return None
    frequency, best = -ranked[0][0], ranked[0][1]
    stem_frequency = _stem_frequency(reader, word)
    return best if frequency >= RARE_FORM_RATIO * stem_frequency else None


def _same_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _is_name_or_acronym(text: str, start: int, word: str) -> bool:
    """Whether ``word`` (at ``start`` in ``text``) is written as a name or an acronym would be.

    Only meaningful in mixed-case text: in a query typed all in capitals, or with every word
    capitalised, case says nothing.
    """
    if word.isupper():
        return any(c.islower() for c in text)
    if not word[:1].isupper():
        return False
    at_sentence_start = not text[:start].strip() or bool(_SENTENCE_END.search(text[:start]))
    has_lowercase_words = any(w[:1].islower() for w in WORD.findall(text))
    return has_lowercase_words and not at_sentence_start


def corrected_text(reader: IndexReader, text: str) -> str | None:
    """``text`` with each unknown word replaced by its best correction, or None if none changed."""
    pieces: list[str] = []
    cursor = 0
    changed = False
    attempts = 0
    for match in WORD.finditer(text):
        word = match.group(0)
        is_field = text[match.end() : match.end() + 1] == ":" and word.lower() in QUERY_FIELDS
        lowered = word.lower()
        if (
            is_field
            or word in _OPERATORS
            or not MIN_WORD <= len(word) <= MAX_WORD
            or not word.isalpha()
            or _is_name_or_acronym(text, match.start(), word)
            or not analysed_terms(lowered)  # a stop word
            or _frequency(reader, lowered) > 0
        ):
            continue
        attempts += 1
        if attempts > MAX_CORRECTED_WORDS:
            break
        replacement = _correct_word(reader, lowered)
        if replacement is None:
            continue
        pieces.append(text[cursor : match.start()])
        pieces.append(_same_case(word, replacement))
        cursor = match.end()
        changed = True
    if not changed:
        return None
    pieces.append(text[cursor:])
    return "".join(pieces)


def corrects_only_unmatched_words(reader: IndexReader, text: str, corrected: str) -> bool:
    """Whether every word that ``corrected`` changes in ``text`` matches no article as typed
    (in no form: its analysed terms occur nowhere).  Such a word adds nothing to the results, so
    searching its correction instead loses nothing the user's spelling could have found: the
    search can use the correction straight away (:mod:`search.service`)."""
    typed = WORD.findall(text)
    fixed = WORD.findall(corrected)
    if len(typed) != len(fixed):
        return False
    changed = [a for a, b in zip(typed, fixed, strict=True) if a != b]
    return bool(changed) and all(_stem_frequency(reader, word.lower()) == 0 for word in changed)


def suggest(reader: IndexReader, parsed: ParsedQuery, allowed: np.ndarray | None) -> str | None:
    """A better-spelled form of the query, or None when there is none worth offering.

    ``allowed`` is the request's filter mask: the correction must find something within it.
    """
    corrected = corrected_text(reader, parsed.text)
    if corrected is None:
        return None
    fixed = parse_query(corrected)
    if fixed.is_plain:
        # Plain words: any of them, what the search falls back to when not all of them match.
        q = words_query(query_branches(fixed.plain, reader.languages), require_all=False)
    else:
        q = localize(fixed.strict, reader.languages)
    found = matching.match(reader, q).within(allowed).total
    return corrected if found > 0 else None
