"""Related articles: the articles whose words are closest to a given one's.

Scoring.  Every article sharing a term with the given one is scored, in one pass over the terms'
postings (numpy arrays cached per index version, see :mod:`indexer.index.version`)::

    score(d) = sum over shared terms t of  q(t) * w(t, d) / sqrt(length(d))
    q(t)     = (1 + ln tf(t, article)) * idf(t) ** IDF_POWER
    w(t, d)  = (body(t, d) + TITLE_TF_WEIGHT * title(t, d)) * idf(t) ** IDF_POWER
    body(t, d), title(t, d) = 1 + ln tf(t, that field of d), or 0 when t is not in it
    idf(t)   = 1 + ln((1 + N) / (1 + df(t)))

That is TF-IDF with sublinear term frequency, with changes each measured on Reuters-21578
(bench/related.py; the module's constants are the measured choices):

- the idf is damped (a term counts idf ** 0.7 in a score, not idf ** 2): plain idf lets one rare
  name (a company, a town) outweigh the several everyday words that say what a story is about
  ("shares", "offer", "crude");
- documents are normalised by the square root of their length, not by their vector norm: it
  needs no per-document vectors and ranked as well;
- words in :mod:`search.related_words` ("said", "yesterday", "would") are left out;
- pseudo-relevance feedback: the words of the article's five closest matches join its own,
  weighted down (:func:`_with_feedback`);
- a page holding only part of a story (a teaser, an excerpt) is scored with the text of a fuller
  copy of the story when the index has one.

What is returned.  Never the article itself nor a copy of it (the same story on another page or
from another outlet: most of the shorter text's word 5-grams appear in the other), and copies among
the answers are grouped so that each story shows once, in its best-scoring copy.  An article
sharing fewer than MIN_SHARED_TERMS telling words is not offered.  Recency only breaks near-ties:
an answer's score is raised by at most RECENCY_WEIGHT (1 %) for a story from the same days as the
article, so it can overtake only answers whose content scores are within 1 % of its own.  Each
answer carries the few words it shares with the article that best explain the link (specific ones
first, spelled as the article spells them) and a snippet marking them.  Its score is its content
score relative to the article's own (about 1 for a near-identical text).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from indexer.article import Article
from indexer.index import schema
from indexer.index.analysis import index_terms, language_analysis, term_counts, terms_with_spans
from indexer.index.version import IndexReader
from indexer.words import WORD
from search.related_words import WEAK_WORDS
from search.results import Hit, RelatedHit
from search.snippets import make_snippet
from search.stories import story_view

IDF_POWER = 0.35
TITLE_TF_WEIGHT = 0.5
# An answer from the same days as the article gains at most this share of its score.
RECENCY_WEIGHT = 0.01
# Days apart at which the recency bonus has halved.
RECENCY_HALF_DAYS = 7.0
SHARED_TERMS_SHOWN = 5
# An article sharing fewer telling words than this with the given one is not offered at all: one
# common word ("hours", "closed") is a coincidence, not a relation.
MIN_SHARED_TERMS = 2
# The relevance floor (docs/decisions.md, "Related articles: the relevance floor"): an answer
# must score at least MIN_RELATED_SCORE of the article's own score (on Reuters-21578 no right
# answer of a top ten scores less: judged P@10 is unchanged up to 0.14 and falls from 0.16), and
# stand out from the article's similarity to the rest of the archive by MIN_STANDOUT robust
# standard deviations (median and median absolute deviation of every other article's score).
# The first holds in a large archive, where unrelated stories score near zero; the second in a
# small one, where every story shares some everyday words with every other ("post, attack,
# tool") and all scores are higher.
MIN_RELATED_SCORE = 0.14
MIN_STANDOUT = 3.0
# The median absolute deviation times this estimates a standard deviation (normal data).
_MAD_TO_SD = 1.4826
# The snippet of a related article comes from this much of its opening.
SNIPPET_SOURCE_CHARS = 2_000
# A copy among the article's closest matches with this many times its words is a fuller version
# of the story (the article is a teaser or an excerpt), and is what the article is scored by.
FULLER_COPY_CANDIDATES = 5
FULLER_COPY_RATIO = 1.5
# Pseudo-relevance feedback: the words of the article's closest matches join its own, weighted
# down (see _with_feedback); only the weightiest new words, from the first part of each match.
EXPANSION_DOCS = 5
EXPANSION_WEIGHT = 0.3
EXPANSION_TERMS = 100
EXPANSION_CHARS = 5_000
# Candidates examined beyond the limit, for the copies that are skipped.
EXTRA_CANDIDATES = 20
# The article's text is analysed this far: enough words to know what a long story is about.
MAX_ANALYSED_CHARS = 50_000
# A long article is represented by this many of its terms (the weightiest): on Reuters-21578 the
# 40 weightiest ranked nearly as well as all of them, and posting reads grow with the count.
MAX_QUERY_TERMS = 200

# Two texts are copies of one story when this share of the shorter one's word 5-grams appears in
# the other: a syndicated copy with a credit line added, or a page showing a story's first
# paragraphs, is a copy of the full story.
COPY_CONTAINMENT = 0.5
_SHINGLE_WORDS = 5
_SHINGLE_SPAN = 400  # words of each body compared: enough to tell copies apart, and cheap

_MICROSECONDS_PER_DAY = 86_400 * 1_000_000
_WEAK_TERMS = frozenset(term for word in WEAK_WORDS for term in index_terms(word)) | frozenset(
    WEAK_WORDS
)


def shingles(text: str) -> frozenset[int]:
    """The hashed word 5-grams of the start of a text (one hash for a text of under five words)."""
    words = WORD.findall(text.lower())[:_SHINGLE_SPAN]
    if len(words) < _SHINGLE_WORDS:
        return frozenset({hash(tuple(words))}) if words else frozenset()
    grams = zip(*(words[i:] for i in range(_SHINGLE_WORDS)), strict=False)
    return frozenset(map(hash, grams))


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether two texts (as :func:`shingles`) are copies of one story."""
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= COPY_CONTAINMENT


@dataclass(frozen=True)
class _ArticleTerms:
    """An article's analysed terms: frequencies, and the word a reader sees for each term."""

    counts: Counter[str]
    forms: dict[str, str]


def _article_terms(
    article: Article, max_chars: int = MAX_ANALYSED_CHARS, language: str | None = None
) -> _ArticleTerms:
    """The article's terms, read in its own language unless ``language`` is given."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    language = language or article.language
    # Body first: titles are often in capitals, bodies spell words the way a reader expects.
    for text in (article.body[:max_chars], article.title):
        for term, start, end, _ in terms_with_spans(text, language):
            if term in _WEAK_TERMS:
                continue
            counts[term] += 1
            spellings.setdefault(term, Counter())[text[start:end]] += 1
    forms = {term: _readable(seen) for term, seen in spellings.items()}
    return _ArticleTerms(counts, forms)


def _readable(spellings: Counter[str]) -> str:
    """The spelling of a term to show: the commonest one, not shouted unless it is an acronym."""
    form = spellings.most_common(1)[0][0]
    if form.isupper() and len(form) > 4:
        return form.lower()
    return form


@dataclass(frozen=True)
class _Term:
    text: str
    query_weight: float  # q(t)
    doc_weight: float  # idf(t) ** IDF_POWER, the factor of w(t, d)
    specificity: float  # plain idf: which shared terms explain a link best
    body_docs: npt.NDArray[np.int64]  # ascending docnums
    title_docs: npt.NDArray[np.int64]
    tf_factors: npt.NDArray[np.float64]  # body's, then title's: (1 + ln tf), title's weighted

    def held_by(self, docnums: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which of ``docnums`` hold the term (in body or title)."""
        return _members(self.body_docs, docnums) | _members(self.title_docs, docnums)


def _members(
    ascending: npt.NDArray[np.int64], docnums: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    if not len(ascending):
        return np.zeros(len(docnums), dtype=bool)
    at = np.minimum(np.searchsorted(ascending, docnums), len(ascending) - 1)
    return np.asarray(ascending[at] == docnums)


def _idf(n: int, df: int) -> float:
    return 1.0 + math.log((1 + n) / (1 + df))


def _scored_terms(reader: IndexReader, factors: dict[str, float]) -> list[_Term]:
    """The query terms with their postings; ``factors`` maps a term to its query tf factor."""
    n = max(reader.doc_count, 1)
    # Whoosh stores a field's boost in its postings' weights; scoring wants plain frequencies.
    title_boost = reader.schema[schema.TITLE].format.field_boost or 1.0
    scored = []
    for text, factor in factors.items():
        body_docs, body_tf = reader.postings(schema.BODY, text)
        title_docs, title_weights = reader.postings(schema.TITLE, text)
        df = max(len(body_docs), len(title_docs))
        if df == 0:
            continue  # not in the index (a term only this article's extra text had)
        idf = _idf(n, df)
        damped = idf**IDF_POWER
        title_tf = np.maximum(title_weights / title_boost, 1.0)
        scored.append(
            _Term(
                text,
                factor * damped,
                damped,
                idf,
                body_docs,
                title_docs,
                np.concatenate((1.0 + np.log(body_tf), TITLE_TF_WEIGHT * (1.0 + np.log(title_tf)))),
            )
        )
    return scored


def _weightiest(reader: IndexReader, factors: dict[str, float], most: int) -> dict[str, float]:
    """The ``most`` terms of largest weight (factor times damped idf), all when there are fewer.

    Chosen by the index's own document frequencies, which count deleted documents too: good enough
    to choose, and no posting list is read for the terms left out.
    """
    if len(factors) <= most:
        return factors
    damped = _damped_idfs(reader, list(factors))
    weight = {text: factors[text] * damped[text] for text in factors}
    chosen = sorted(factors, key=lambda text: (-weight[text], text))[:most]
    return {text: factors[text] for text in chosen}


def _damped_idfs(reader: IndexReader, texts: list[str]) -> dict[str, float]:
    """idf ** IDF_POWER of each term, from the index's document frequencies (deleted documents
    included, as Whoosh and Lucene count them), looked up for all terms at once."""
    frequencies = np.maximum(
        reader.doc_frequencies(schema.BODY, texts), reader.doc_frequencies(schema.TITLE, texts)
    )
    n = max(reader.doc_count, 1)
    idfs = (1.0 + np.log((1 + n) / (1 + frequencies))) ** IDF_POWER
    return dict(zip(texts, idfs.tolist(), strict=True))


def _tf_factors(counts: Counter[str]) -> dict[str, float]:
    return {text: 1.0 + math.log(tf) for text, tf in counts.items()}


def _content_scores(reader: IndexReader, terms: list[_Term]) -> npt.NDArray[np.float64]:
    size = reader.doc_count_all
    if not terms:
        return np.zeros(size, dtype=np.float64)
    docs = np.concatenate([d for t in terms for d in (t.body_docs, t.title_docs)])
    weights = np.concatenate([t.tf_factors * (t.query_weight * t.doc_weight) for t in terms])
    sums = np.bincount(docs, weights=weights, minlength=size)
    lengths = reader.lengths(schema.BODY) + reader.lengths(schema.TITLE)
    return sums / np.sqrt(np.maximum(lengths, 1.0))


def recency_factors(
    published: npt.NDArray[np.int64], dated: npt.NDArray[np.bool_], docnum: int
) -> npt.NDArray[np.float64]:
    """Per document, 1 + RECENCY_WEIGHT * h / (h + days apart from ``docnum``): at most a 1 % lift.

    ``published`` holds microseconds (Whoosh's datetime longs); undated documents, or any document
    when ``docnum`` is undated, get no lift.
    """
    factors = np.ones(len(published), dtype=np.float64)
    if not dated[docnum]:
        return factors
    moments = published.astype(np.int64)  # undated values may be sentinels: masked below
    days = np.abs(moments - moments[docnum]).astype(np.float64) / _MICROSECONDS_PER_DAY
    lift = RECENCY_WEIGHT * RECENCY_HALF_DAYS / (RECENCY_HALF_DAYS + days)
    return np.where(dated, factors + lift, factors)


def _ranked(scores: npt.NDArray[np.float64], exclude: int, wanted: int) -> list[int]:
    """Docnums of the ``wanted`` best positive scores, best first (ties: lower docnum first)."""
    scores = scores.copy()
    scores[exclude] = 0.0
    positive = np.flatnonzero(scores > 0.0)
    if len(positive) > wanted:
        cut = np.argpartition(-scores[positive], wanted - 1)[:wanted]
        # Everything tied with the last one kept, so the choice never depends on `wanted`.
        floor = scores[positive[cut]].min()
        positive = positive[scores[positive] >= floor]
    order = np.lexsort((positive, -scores[positive]))
    return [int(d) for d in positive[order]]


def _shared_terms(
    terms: list[_Term], docnums: list[int], forms: dict[str, str]
) -> dict[int, list[str]]:
    """Per candidate, the analysed terms it shares with the article, those that best explain the
    link first (the article's frequent, specific words); weak and unreadable ones left out."""
    showable = [t for t in terms if _showable(forms.get(t.text, t.text))]
    showable.sort(key=lambda t: (-t.query_weight / t.doc_weight * t.specificity, t.text))
    wanted = np.array(docnums, dtype=np.int64)
    shared: dict[int, list[str]] = {d: [] for d in docnums}
    for term in showable:
        for docnum in wanted[term.held_by(wanted)]:
            shared[int(docnum)].append(term.text)
    return shared


def _showable(word: str) -> bool:
    """Numbers and one- or two-letter words say little on their own; acronyms ("EU") do."""
    if any(ch.isdigit() for ch in word):
        return False
    return len(word) > 2 or word.isupper()


def find_related(
    reader: IndexReader,
    docnum: int,
    article: Article,
    limit: int,
    *,
    min_standout: float | None = MIN_STANDOUT,
    min_score: float = MIN_RELATED_SCORE,
) -> tuple[RelatedHit, ...]:
    """Up to ``limit`` articles related to ``article`` (index document ``docnum``), best first,
    one per story and none of the article's own story, each scoring at least ``min_score`` of
    the article's own score and standing out from the rest of the archive by at least
    ``min_standout`` (None: no floor at all)."""
    if limit <= 0:
        return ()
    seen = [shingles(article.body)]
    story, story_docnum = article, docnum
    article_terms, terms, content = _score_in_its_language(reader, story, docnum)
    fuller = _fuller_copy(reader, content, docnum, article, seen[0])
    if fuller is not None:
        # A page showing part of a story (a teaser, a rail item) is related to what the whole
        # story is about: score with the fullest copy's text instead.
        story_docnum, story = fuller
        seen.append(shingles(story.body))
        article_terms, terms, content = _score(reader, story)
    if EXPANSION_DOCS:
        content = _with_feedback(reader, terms, content, (docnum, story_docnum))
    values = reader.values
    ranking = content * recency_factors(values.published, values.dated, docnum)
    ranking[story_docnum] = 0.0
    stories = _OncePerStory(reader, docnum, ranking)
    own_score = float(content[story_docnum]) or 1.0
    background = _background(reader, content / own_score, (docnum, story_docnum))
    related: list[RelatedHit] = []
    examined = 0
    wanted = limit + EXTRA_CANDIDATES
    # Past this many candidates the rest share too little to be worth reading.
    most = limit * 5 + EXTRA_CANDIDATES * 5
    while len(related) < limit and examined < most:
        batch = _ranked(ranking, docnum, min(wanted, most))[examined:]
        if not batch:
            break
        examined += len(batch)
        why = _shared_terms(terms, batch, article_terms.forms)
        for candidate_docnum in batch:
            score = float(content[candidate_docnum]) / own_score
            standout = background.standout(score)
            if min_standout is not None and (standout < min_standout or score < min_score):
                continue
            if len(why[candidate_docnum]) < MIN_SHARED_TERMS:
                continue
            if stories.seen(candidate_docnum):
                continue
            candidate = reader.article(candidate_docnum)
            candidate_shingles = shingles(candidate.body)
            if any(is_copy(candidate_shingles, other) for other in seen):
                continue
            seen.append(candidate_shingles)
            stories.take(candidate_docnum)
            marked = why[candidate_docnum][:SHARED_TERMS_SHOWN]
            # Related lists show no snippet on the page; the API's marks the shared terms in the
            # story's opening, which is cheap to analyse whatever the story's length.
            snippet = make_snippet(
                candidate.body[:SNIPPET_SOURCE_CHARS],
                frozenset(marked),
                language=candidate.language,
            )
            shown = tuple(article_terms.forms.get(t, t) for t in marked)
            related.append(RelatedHit(Hit(candidate, score, snippet), shown, round(standout, 2)))
            if len(related) >= limit:
                break
        wanted *= 4
    return tuple(related)


class _OncePerStory:
    """Never a version of the article itself, and each related story once (docs/stories.md):
    the article's own story is taken out of ``ranking`` at once, the others as they are listed."""

    def __init__(self, reader: IndexReader, docnum: int, ranking: npt.NDArray[np.float64]) -> None:
        self._view = story_view(reader)
        self._seen: set[int] = set()
        if self._view is not None:
            ranking[self._view.story_docs(docnum)] = 0.0
            self.take(docnum)

    def seen(self, docnum: int) -> bool:
        return self._view is not None and int(self._view.group[docnum]) in self._seen

    def take(self, docnum: int) -> None:
        if self._view is not None:
            self._seen.add(int(self._view.group[docnum]))


def _score_in_its_language(
    reader: IndexReader, story: Article, docnum: int
) -> tuple[_ArticleTerms, list[_Term], npt.NDArray[np.float64]]:
    """:func:`_score` in the article's language; when nothing else in that language shares a
    word with it (terms of each language are apart), with its words read as English, the
    language of unknown articles."""
    scored = _score(reader, story)
    if not _others_score(scored[2], docnum) and language_analysis(story.language).namespace:
        return _score(reader, story, language_analysis(None).code)
    return scored


def _others_score(content: npt.NDArray[np.float64], docnum: int) -> bool:
    positive = np.flatnonzero(content > 0.0)
    return bool(len(positive) > 1 or (len(positive) == 1 and positive[0] != docnum))


@dataclass(frozen=True)
class _Background:
    """The typical (median) relative score of an article against every other live article, and
    its spread (a robust standard deviation: related stories do not inflate it)."""

    median: float
    spread: float

    def standout(self, score: float) -> float:
        """How many robust standard deviations ``score`` lies above the median."""
        if self.spread <= 0.0:
            return 99.0 if score > self.median else 0.0
        return (score - self.median) / self.spread


def _background(
    reader: IndexReader, scores: npt.NDArray[np.float64], exclude: tuple[int, ...]
) -> _Background:
    others = reader.values.live.copy()
    others[list(exclude)] = False
    values = scores[others]
    if not len(values):
        return _Background(0.0, 0.0)
    median = float(np.median(values))
    return _Background(median, _MAD_TO_SD * float(np.median(np.abs(values - median))))


def _score(
    reader: IndexReader, story: Article, language: str | None = None
) -> tuple[_ArticleTerms, list[_Term], npt.NDArray[np.float64]]:
    article_terms = _article_terms(story, language=language)
    factors = _weightiest(reader, _tf_factors(article_terms.counts), MAX_QUERY_TERMS)
    terms = _scored_terms(reader, factors)
    return article_terms, terms, _content_scores(reader, terms)


def _with_feedback(
    reader: IndexReader,
    terms: list[_Term],
    content: npt.NDArray[np.float64],
    exclude: tuple[int, int],
) -> npt.NDArray[np.float64]:
    """Scores for the article's terms plus those of its EXPANSION_DOCS closest matches.

    Pseudo-relevance feedback (Rocchio): the closest matches share the article's subject, so their
    words say what the subject is better than one article's words alone.  Each match's weight
    vector is scaled to the article's and weighted by EXPANSION_WEIGHT / EXPANSION_DOCS; of the
    words the article lacks, the EXPANSION_TERMS weightiest join.  ``exclude`` is the article and
    the copy it is scored by.
    """
    ranked = _ranked(content, exclude[0], EXPANSION_DOCS + 1)
    top = [d for d in ranked if d != exclude[1]][:EXPANSION_DOCS]
    if not top:
        return content
    query = {t.text: t.query_weight for t in terms}
    query_norm = math.sqrt(sum(w * w for w in query.values()))
    added: dict[str, float] = {}
    matches = [
        reader.document_value(
            "related feedback terms", docnum, partial(_expansion_terms, reader, docnum), len
        )
        for docnum in top
    ]
    damped = _damped_idfs(reader, sorted(set().union(*matches)))
    for counts in matches:
        vector = {text: factor * damped[text] for text, factor in _tf_factors(counts).items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        scale = EXPANSION_WEIGHT * query_norm / (norm * len(top))
        for text, weight in vector.items():
            if text in query:
                query[text] += weight * scale
            else:
                added[text] = added.get(text, 0.0) + weight * scale
    weightiest = sorted(added, key=lambda text: (-added[text], text))[:EXPANSION_TERMS]
    # Back to tf factors: _scored_terms multiplies each by the term's damped idf.
    expanded = _scored_terms(reader, {text: added[text] / damped[text] for text in weightiest})
    rescaled = [dataclasses.replace(t, query_weight=query[t.text]) for t in terms]
    return _content_scores(reader, rescaled + expanded)


def _expansion_terms(reader: IndexReader, docnum: int) -> Counter[str]:
    """What a close match gives feedback from: the terms of its title and the start of its
    body, counted, weak words left out (as :func:`_article_terms` reads them)."""
    match = reader.article(docnum)
    counts = term_counts(match.body[:EXPANSION_CHARS], match.language)
    counts.update(term_counts(match.title, match.language))
    for weak in _WEAK_TERMS.intersection(counts):
        del counts[weak]
    return counts


def _fuller_copy(
    reader: IndexReader,
    content: npt.NDArray[np.float64],
    docnum: int,
    article: Article,
    article_shingles: frozenset[int],
) -> tuple[int, Article] | None:
    """The longest copy of the article among its closest matches, when it is clearly longer."""
    words = len(WORD.findall(article.body))
    best: tuple[int, Article] | None = None
    for candidate_docnum in _ranked(content, docnum, FULLER_COPY_CANDIDATES):
        candidate = reader.article(candidate_docnum)
        length = len(WORD.findall(candidate.body))
        if length >= words * FULLER_COPY_RATIO and is_copy(
            shingles(candidate.body), article_shingles
        ):
            words, best = length, (candidate_docnum, candidate)
    return best
