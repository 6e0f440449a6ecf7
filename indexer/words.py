"""Plain words: how texts are compared and counted (article fingerprints, copies of a story,
extraction's word counts, the words of a query to correct).

Not how text is indexed: that is :mod:`indexer.index.analysis` (stop words, stems, dotted words).
A plain word is a run of letters, digits and underscores, compared in lower case.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def normalised_words(text: str) -> str:
    """Lower-case words separated by single spaces: what two texts are compared by."""
    return " ".join(WORD.findall(text.lower()))
