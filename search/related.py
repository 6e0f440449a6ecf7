"""Related articles: the articles whose content is closest to a given one.

The article's most characteristic terms (Bo1 divergence from randomness, Whoosh's key-term model)
form a weighted OR query over titles and bodies.  The article itself and copies of it (the same
story on another page or under another outlet, detected as near-duplicate text) are left out, and
copies among the answers are grouped so each story shows once.  Each answer carries the terms it
shares with the article, in their readable (unstemmed) form.
"""

from __future__ import annotations

import re

from whoosh import classify, query
from whoosh.searching import Searcher

from indexer import schema
from indexer.article import Article
from search.results import Hit, RelatedHit
from search.snippets import make_snippet

KEY_TERMS = 25
SHARED_TERMS_SHOWN = 5
# Two texts sharing at least this share of their word 5-grams are copies of one story.
COPY_JACCARD = 0.5
_SHINGLE_WORDS = 5
_SHINGLE_SPAN = 400  # words of each body compared: enough to tell copies apart, and cheap

_WORD = re.compile(r"\w+")
_ANALYZER = schema.text_analyzer()


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(text.lower())[:_SHINGLE_SPAN]
    if len(words) < _SHINGLE_WORDS:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    return frozenset(
        hash(" ".join(words[i : i + _SHINGLE_WORDS]))
        for i in range(len(words) - _SHINGLE_WORDS + 1)
    )


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= COPY_JACCARD


def _surface_forms(text: str) -> dict[str, str]:
    """Analysed term -> the first word in ``text`` that produced it (what a reader should see)."""
    forms: dict[str, str] = {}
    for token in _ANALYZER(text, chars=True):
        forms.setdefault(token.text, text[token.startchar : token.endchar])
    return forms


def find_related(
    searcher: Searcher, docnum: int, article: Article, limit: int
) -> tuple[RelatedHit, ...]:
    text = f"{article.title}\n{article.body}"
    keywords = searcher.key_terms_from_text(
        schema.BODY, text, numterms=KEY_TERMS, model=classify.Bo1Model
    )
    if not keywords:
        return ()
    top_weight = keywords[0][1] or 1.0
    clauses: list[query.Query] = []
    for term, weight in keywords:
        boost = weight / top_weight
        clauses.append(query.Term(schema.BODY, term, boost=boost))
        clauses.append(query.Term(schema.TITLE, term, boost=boost))
    results = searcher.search(
        query.Or(clauses), limit=limit * 3 + 10, mask=query.Term(schema.ID, article.id)
    )
    forms = _surface_forms(text)
    seen = [shingles(article.body)]
    related: list[RelatedHit] = []
    key_terms = [term for term, _ in keywords]
    for hit in results:
        if len(related) >= limit:
            break
        candidate = schema.from_stored(hit.fields())
        candidate_shingles = shingles(candidate.body)
        if any(is_copy(candidate_shingles, other) for other in seen):
            continue
        seen.append(candidate_shingles)
        candidate_terms = {t.text for t in _ANALYZER(f"{candidate.title}\n{candidate.body}")}
        shared = [forms.get(t, t) for t in key_terms if t in candidate_terms]
        snippet = make_snippet(candidate.body, frozenset(candidate_terms & set(key_terms)))
        related.append(
            RelatedHit(
                Hit(candidate, float(hit.score), snippet), tuple(shared[:SHARED_TERMS_SHOWN])
            )
        )
    return tuple(related)
