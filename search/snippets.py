"""Highlighted snippets: the passages of an article body that best show why it matched.

Our own code rather than ``whoosh.highlight``: we need every matching form of a query term (the
body is analysed with the index's own stemming analyzer, so "launched" marks for the query
"launch"), passages cut at word boundaries, and HTML that is escaped by construction (text is
escaped segment by segment; only our ``<mark>`` tags are added).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from html import escape

from indexer.schema import text_analyzer

MAX_SNIPPET_CHARS = 300
# A passage shows this much text before its first match, so the match is not the first word.
LEAD_IN_CHARS = 40
ELLIPSIS = "…"
# Bodies are analysed only this far: a snippet from the first 50 KB is as good as any, and huge
# pages must not make one result page slow.
MAX_ANALYSED_CHARS = 50_000

_ANALYZER = text_analyzer()


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    term: str


def find_matches(text: str, terms: Collection[str]) -> list[_Match]:
    """Character spans of the words in ``text`` whose analysed form is one of ``terms``."""
    if not terms:
        return []
    return [
        _Match(token.startchar, token.endchar, token.text)
        for token in _ANALYZER(text[:MAX_ANALYSED_CHARS], chars=True)
        if token.text in terms
    ]


def _word_start(text: str, index: int) -> int:
    """Move ``index`` back to the start of the word it falls in."""
    while index > 0 and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    """Move ``index`` back to the end of the last whole word before it."""
    if index >= len(text):
        return len(text)
    while index > 0 and not text[index].isspace():
        index -= 1
    return index


def _best_window(
    text: str, matches: list[_Match], width: int, taken: set[str]
) -> tuple[int, int, set[str]] | None:
    """The window of ``width`` characters that holds the most new distinct terms (then matches)."""
    best: tuple[tuple[int, int], int, int, set[str]] | None = None
    for i, first in enumerate(matches):
        start = max(0, first.start - LEAD_IN_CHARS)
        end = start + width
        inside = [m for m in matches[i:] if m.end <= end]
        distinct = {m.term for m in inside}
        score = (len(distinct - taken), len(inside))
        if best is None or score > best[0]:
            best = (score, start, end, distinct)
    if best is None or best[0][0] == 0:
        return None
    _, start, end, distinct = best
    return _word_start(text, start), _word_end(text, end), distinct


def _render(text: str, start: int, end: int, matches: list[_Match]) -> str:
    pieces = []
    cursor = start
    for match in matches:
        if match.start < start or match.end > end:
            continue
        pieces.append(escape(text[cursor : match.start]))
        pieces.append(f"<mark>{escape(text[match.start : match.end])}</mark>")
        cursor = match.end
    pieces.append(escape(text[cursor:end]))
    return "".join(pieces).strip()


def make_snippet(text: str, terms: Collection[str], max_chars: int = MAX_SNIPPET_CHARS) -> str:
    """An HTML snippet of at most ``max_chars`` characters of text, matched terms in ``<mark>``.

    The best passage (most distinct query terms) comes first; when it misses some of the terms a
    second passage that has them follows, joined by an ellipsis.  With no match, the opening text.
    """
    text = " ".join(text.split())  # one line: paragraphs and runs of spaces become single spaces
    matches = find_matches(text, terms)
    if not matches:
        end = _word_end(text, max_chars) if len(text) > max_chars else len(text)
        return escape(text[:end]) + (f" {ELLIPSIS}" if end < len(text) else "")
    distinct = {m.term for m in matches}
    first = _best_window(text, matches, max_chars, set())
    assert first is not None  # there is at least one match
    windows = [first]
    if first[2] != distinct and len(text) > max_chars:
        # Two half-size passages, so that every distinct term can be shown.
        half = max_chars // 2
        first = _best_window(text, matches, half, set())
        assert first is not None
        windows = [first]
        second = _best_window(
            text, [m for m in matches if not first[0] <= m.start < first[1]], half, first[2]
        )
        if second is not None:
            windows.append(second)
    parts = [_render(text, start, end, matches) for start, end, _ in windows]
    snippet = f" {ELLIPSIS} ".join(parts)
    if windows[0][0] > 0:
        snippet = f"{ELLIPSIS} {snippet}"
    if windows[-1][1] < len(text):
        snippet = f"{snippet} {ELLIPSIS}"
    return snippet
