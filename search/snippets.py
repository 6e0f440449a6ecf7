"""Highlighted snippets: the passages of an article body that best show why it matched, and
titles (or any text) with their matched words marked (:func:`highlight`).

Our own code rather than ``whoosh.highlight``: we need every matching form of a query term (the
body is analysed with the index's own analysis in the article's language, so "launched" marks
for the query "launch"), passages cut at word boundaries, and HTML that is escaped by
construction (text is escaped segment by segment; only our ``<mark>`` tags are added).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection
from dataclasses import dataclass
from html import escape

from indexer.article_body import Passage, passages
from indexer.index.analysis import find_terms

MAX_SNIPPET_CHARS = 300
# A passage shows this much text before its first match, so the match is not the first word.
LEAD_IN_CHARS = 40
ELLIPSIS = "…"
# Bodies are analysed only this far: a snippet from the first 50 KB is as good as any, and huge
# pages must not make one result page slow.
MAX_ANALYSED_CHARS = 50_000


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    term: str


def find_matches(text: str, terms: Collection[str], language: str | None = None) -> list[_Match]:
    """Character spans of the words in ``text`` (written in ``language``) whose analysed form is
    one of ``terms``; overlapping spans (CJK bigrams) merged.

    Only words that begin like a query term are analysed (:func:`find_terms`): analysing every
    word was most of the cost of a page of snippets.
    """
    if not terms:
        return []
    matches: list[_Match] = []
    for term, start, end in find_terms(text[:MAX_ANALYSED_CHARS], terms, language):
        if matches and start < matches[-1].end:  # overlapping CJK bigrams and characters
            last = matches[-1]
            matches[-1] = _Match(last.start, max(last.end, end), last.term)
        else:
            matches.append(_Match(start, end, term))
    return matches


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


def _window(text: str, first: _Match, width: int) -> tuple[int, int]:
    """A passage of at most ``width`` characters, cut at word boundaries, that starts a little
    before ``first`` (so the match is not the first word) and holds it whole."""
    start = _word_start(text, max(0, first.start - LEAD_IN_CHARS))
    end = _word_end(text, min(len(text), start + width))
    if end < first.end:
        # No space to cut at (a very long "word"): cut inside it rather than lose the match.
        end = min(len(text), max(first.end, start + width))
    return start, end


def _best_window(
    text: str, matches: list[_Match], width: int, taken: set[str]
) -> tuple[int, int, set[str]] | None:
    """The window of ``width`` characters that holds the most new distinct terms (then matches)."""
    best: tuple[tuple[int, int], int, int, set[str]] | None = None
    starts = [m.start for m in matches]
    ends = [m.end for m in matches]  # increasing too: matches are words in text order
    for first in matches:
        start, end = _window(text, first, width)
        # Everything the passage will show counts, lead-in included.
        inside = matches[bisect_left(starts, start) : bisect_right(ends, end)]
        distinct = {m.term for m in inside}
        score = (len(distinct - taken), len(inside))
        if best is None or score > best[0]:
            best = (score, start, end, distinct)
    if best is None or best[0][0] == 0:
        return None
    _, start, end, distinct = best
    return start, end, distinct


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


@dataclass(frozen=True)
class _Window:
    passage: int  # index into the passages
    start: int
    end: int
    terms: frozenset[str]


def _best_over(
    sections: list[Passage],
    found: list[list[_Match]],
    width: int,
    taken: set[str],
    skip: _Window | None = None,
) -> _Window | None:
    """The best window of ``width`` characters in any passage (most new distinct terms, then
    running text before a heading, then most matches), outside ``skip``."""
    best: tuple[tuple[int, int, int], _Window] | None = None
    for number, (section, matches) in enumerate(zip(sections, found, strict=True)):
        text = section.text
        if skip is not None and skip.passage == number:
            matches = [m for m in matches if not skip.start <= m.start < skip.end]
        window = _best_window(text, matches, width, taken)
        if window is None:
            continue
        start, end, distinct = window
        inside = sum(1 for m in matches if start <= m.start and m.end <= end)
        score = (len(distinct - taken), int(not section.heading), inside)
        if best is None or score > best[0]:
            best = (score, _Window(number, start, end, frozenset(distinct)))
    return None if best is None else best[1]


def highlight(text: str, terms: Collection[str], language: str | None = None) -> str:
    """``text`` escaped, with the words whose analysed form is one of ``terms`` in ``<mark>``."""
    return _render(text, 0, len(text), find_matches(text, terms, language))


def make_snippet(
    body: str,
    terms: Collection[str],
    max_chars: int = MAX_SNIPPET_CHARS,
    language: str | None = None,
) -> str:
    """An HTML snippet of at most ``max_chars`` characters of text, matched terms in ``<mark>``.

    The body is read as :mod:`search.structure` passages, so a window never runs a subheading
    into the text after it and never shows a marker.  The best window (most distinct query
    terms, running text before a heading) comes first; when it misses some of the terms, or is
    only a heading, a second window that has more of them follows, joined by an ellipsis.  With
    no match, the opening text.
    """
    sections = passages(body)
    texts = [section.text for section in sections]
    if not texts:
        return ""
    found = [find_matches(text, terms, language) for text in texts]
    distinct = {m.term for matches in found for m in matches}
    if not distinct:
        return _opening(sections, max_chars)
    first = _best_over(sections, found, max_chars, set())
    assert first is not None  # there is at least one match
    windows = [first]
    total_chars = sum(len(text) for text in texts)
    short = first.end - first.start < max_chars // 2
    if (first.terms != distinct or sections[first.passage].heading) and (
        total_chars > max_chars or short
    ):
        # Two passages of half the room each, so that every distinct term can be shown.
        half = max_chars // 2
        first = _best_over(sections, found, half, set())
        assert first is not None
        windows = [first]
        second = _best_over(sections, found, half, set(first.terms), skip=first)
        if second is None and sections[first.passage].heading:
            second = _best_over(sections, found, half, set(), skip=first)
        if second is not None:
            windows.append(second)
    parts = [_render(texts[w.passage], w.start, w.end, found[w.passage]) for w in windows]
    snippet = f" {ELLIPSIS} ".join(parts)
    if windows[0].passage > 0 or windows[0].start > 0:
        snippet = f"{ELLIPSIS} {snippet}"
    last = windows[-1]
    if last.passage < len(texts) - 1 or last.end < len(texts[last.passage]):
        snippet = f"{snippet} {ELLIPSIS}"
    return snippet


def _opening(sections: list[Passage], max_chars: int) -> str:
    """The opening of the first passage of running text (a heading alone says little)."""
    chosen = next((s for s in sections if not s.heading), sections[0])
    text = chosen.text
    end = _word_end(text, max_chars) if len(text) > max_chars else len(text)
    more = end < len(text) or chosen is not sections[-1]
    return escape(text[:end]) + (f" {ELLIPSIS}" if more else "")
