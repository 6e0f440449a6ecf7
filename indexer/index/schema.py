"""The Whoosh schema: the one place that names index fields.

Every other module refers to fields through the constants below and converts between an
:class:`~indexer.article.Article` and index documents only through :func:`to_document` and
:func:`from_stored`.

Why the fields look the way they do:

- ``title`` and ``body`` share one stemming analyzer with an explicit tokenizer expression
  (DECISIONS.md rule 3: the forks changed the default) and ``spelling=True`` so that "did you mean"
  suggests whole words, not stems (rule 4).  The analyzer drops English function words
  (:data:`STOP_WORDS`) and stems with Porter2, the revised Porter stemmer (both from Whoosh).
- ``body`` indexes the headline followed by the text (:func:`indexed_body`), so that BM25's term
  frequencies and length normalisation see the whole article as a reader does; ``title`` indexes the
  headline alone, and the ranking (``search.ranking``) adds a weighted bonus for headline matches.
  A headline the extractor made up from the first words of the text is not a headline: it is
  indexed in neither field, so those words count once, as text.  On the seven classic test
  collections of ``bench/relevance.py`` this beat a separate title field with a field boost.
- Source and author each have a searchable text field (for ``source:`` and ``author:`` in queries),
  a lower-cased exact field for filters, and a sortable column holding the display name for facets.
- The whole article is stored once, as JSON in ``article``: one stored field keeps the stored-field
  format independent of Whoosh's pickling and makes :func:`from_stored` a single ``json.loads``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from whoosh import analysis, fields
from whoosh.analysis import Analyzer, RegexTokenizer, StemmingAnalyzer
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.lang.stopwords import stoplists

from indexer.article import Article, fingerprint

# Bump whenever a field or an analyzer changes: an index written under another version is rebuilt
# by the next `artsearch index`, because incremental updates would mix two analyses of the text.
SCHEMA_VERSION = "4"

ID = "id"
PATH = "path"
TITLE = "title"
BODY = "body"
AUTHOR = "author"
AUTHOR_KEY = "author_key"
SOURCE = "source"
SOURCE_KEY = "source_key"
SOURCE_NAME = "source_name"
PUBLISHED = "published"
DATED = "dated"
YEAR = "year"
LANGUAGE = "language"
TAGS = "tags"
FINGERPRINT = "fingerprint"
ARTICLE = "article"

# Words: letters/digits joined by single dots ("U.S.", "3.5"), the tokenizer DECISIONS.md asks for.
TOKEN_PATTERN = r"\w+(\.?\w+)*"
# English function words (pronouns, auxiliaries, prepositions, conjunctions): the Snowball project's
# list and Whoosh's default one, both shipped with Whoosh (BSD).  They carry no topic, and dropping
# them lets a query written as a sentence rank on its content words.  Measured on the seven test
# collections, this list ranks as well as the much longer SMART research list.
STOP_WORDS = frozenset(stoplists["en"]) | analysis.STOP_WORDS
# Provenance of a title the extractor made from the first words of the body (indexer.extract).
_TITLE_FROM_TEXT = "text"

# Fields a user may name in a query ("title:mars"), mapped to the index field they search.
QUERY_FIELDS = {
    "title": TITLE,
    "body": BODY,
    "author": AUTHOR,
    "source": SOURCE,
    "tags": TAGS,
    "tag": TAGS,
}
# The fields a query without a field prefix searches.
DEFAULT_SEARCH_FIELDS = (TITLE, BODY)


def stem(word: str) -> str:
    """The stem :func:`text_analyzer` gives a lower-cased word (a suffix-stripping stemmer: the
    stem keeps the word's first letter)."""
    return str(porter2_stem(word))


def text_analyzer() -> Analyzer:
    """Lower-casing, stop-word removing, Porter2-stemming analyzer for titles and bodies.

    ``analyzer(text, no_morph=True)`` gives the same tokens unstemmed.
    """
    return StemmingAnalyzer(expression=TOKEN_PATTERN, stoplist=STOP_WORDS, stemfn=porter2_stem)


# text_analyzer()'s steps written out for query-time use (snippets, feedback), where Whoosh's
# chain of token generators cost about 1 µs a word: the same tokens, lower-cased, without words
# shorter than two letters or in STOP_WORDS (Whoosh's StopFilter defaults), stems cached.
_TOKEN = re.compile(TOKEN_PATTERN)
_MIN_WORD_CHARS = 2
cached_stem = lru_cache(maxsize=100_000)(stem)


def word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """The words :func:`text_analyzer` indexes in ``text``, unstemmed, with their character spans:
    ``(lower-cased word, start, end)``."""
    for match in _TOKEN.finditer(text):
        word = match.group().lower()
        if len(word) >= _MIN_WORD_CHARS and word not in STOP_WORDS:
            yield word, match.start(), match.end()


def index_terms(text: str) -> list[str]:
    """The terms :func:`text_analyzer` indexes for ``text``, in order."""
    return [cached_stem(word) for word, _, _ in word_spans(text)]


def name_analyzer() -> Analyzer:
    """Analyzer for names (authors, sources): whole words, lower-cased, not stemmed."""
    from whoosh.analysis import LowercaseFilter

    return RegexTokenizer(expression=TOKEN_PATTERN) | LowercaseFilter()


def build_schema() -> fields.Schema:
    text = text_analyzer()
    names = name_analyzer()
    return fields.Schema(
        **{
            ID: fields.ID(stored=True, unique=True),
            PATH: fields.ID(),
            TITLE: fields.TEXT(analyzer=text, spelling=True),
            BODY: fields.TEXT(analyzer=text, spelling=True),
            AUTHOR: fields.TEXT(analyzer=names),
            AUTHOR_KEY: fields.KEYWORD(commas=True, lowercase=True),
            SOURCE: fields.TEXT(analyzer=names),
            SOURCE_KEY: fields.ID(),
            SOURCE_NAME: fields.ID(sortable=True),
            PUBLISHED: fields.DATETIME(sortable=True),
            DATED: fields.ID(sortable=True),
            YEAR: fields.ID(sortable=True),
            LANGUAGE: fields.ID(),
            TAGS: fields.KEYWORD(commas=True, lowercase=True, scorable=True),
            FINGERPRINT: fields.ID(),
            ARTICLE: fields.STORED(),
        }
    )


SCHEMA = build_schema()


def name_key(name: str) -> str:
    """The exact-match key of an author or source name: case and spacing do not matter."""
    return " ".join(name.split()).lower()


def parse_published(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime as a naive UTC datetime (Whoosh's DATETIME wants naive)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def has_own_title(article: Article) -> bool:
    """Whether the article's title is its page's headline rather than made up from its text."""
    return bool(article.title) and article.provenance.get("title") != _TITLE_FROM_TEXT


def indexed_body(article: Article) -> str:
    """The text the ``body`` field indexes: the headline (when the page has one), then the body."""
    return f"{article.title}\n\n{article.body}" if has_own_title(article) else article.body


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh document for an article: index fields plus the stored JSON."""
    published = parse_published(article.published)
    doc: dict[str, Any] = {
        ID: article.id,
        PATH: article.path,
        TITLE: article.title if has_own_title(article) else "",
        BODY: indexed_body(article),
        FINGERPRINT: fingerprint(article.body),
        ARTICLE: json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":")),
    }
    if article.authors:
        doc[AUTHOR] = " ; ".join(article.authors)
        doc[AUTHOR_KEY] = ",".join(name_key(a).replace(",", " ") for a in article.authors)
    if article.source:
        doc[SOURCE] = article.source
        doc[SOURCE_KEY] = name_key(article.source)
        doc[SOURCE_NAME] = article.source
    if published is not None:
        doc[PUBLISHED] = published
        # A sort key of its own puts undated articles last whichever way dates are sorted.
        doc[DATED] = "1"
        doc[YEAR] = f"{published.year:04d}"
    if article.language:
        doc[LANGUAGE] = article.language.lower()
    if article.tags:
        doc[TAGS] = ",".join(t.replace(",", " ") for t in article.tags)
    return doc


def from_stored(stored: dict[str, Any]) -> Article:
    """The article a search hit's stored fields describe."""
    return Article.from_dict(json.loads(stored[ARTICLE]))
