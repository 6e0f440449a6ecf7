"""The Whoosh schema: the one place that names index fields.

Every other module refers to fields through the constants below and converts between an
:class:`~indexer.article.Article` and index documents only through :func:`to_document` and
:func:`from_stored`.

Why the fields look the way they do:

- ``title`` and ``body`` share the text analysis of :mod:`indexer.index.analysis` (by the
  article's language: terms of other languages than English carry the language's code) and
  ``spelling=True`` so that "did you mean" suggests whole words, not stems (docs/decisions.md,
  Whoosh rule 4).
- ``body`` indexes the headline followed by the text (:func:`indexed_body`), so that BM25's term
  frequencies and length normalisation see the whole article as a reader does; ``title`` indexes the
  headline alone, and the ranking (``search.ranking``) adds a weighted bonus for headline matches.
  A headline the extractor made up from the first words of the text is not a headline: it is
  indexed in neither field, so those words count once, as text.  On the seven classic test
  collections of ``bench/relevance.py`` this beat a separate title field with a field boost.
- Source and author each have a searchable text field (for ``source:`` and ``author:`` in queries);
  the indexed copy's outlet is a column (the fallback of filters and facets), authors an
  exact-match keyword field (the author filter).
- A document is one distinct text.  The ``source`` text field holds the outlet of *every* copy of
  it (stored, so a run can tell when a new copy brings a new outlet and rewrite the document), so
  ``source:"Valley Herald"`` finds a text whichever outlet's copy was indexed.  The story a text
  belongs to, the story's dates and counts, and the outlets of every copy for the source filter
  and facet are not fields: they change without the text changing (a near-duplicate joins the
  story).  Each run writes them as arrays keyed by :func:`document_key`
  (:class:`~indexer.index.arrays.StoryArrays`, docs/stories.md).
- Per-document values that search reads for every match (source, year, language, publication
  date, whether dated, the lengths of the scored fields, the document key) are written beside each
  segment as arrays (:mod:`indexer.index.arrays`): :data:`CATEGORY_COLUMNS`,
  :data:`LENGTH_FIELDS`.
- The whole article is stored once, as JSON in ``article``: one stored field keeps the stored-field
  format independent of Whoosh's pickling and makes :func:`from_stored` a single ``json.loads``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from whoosh import fields

from indexer.article import Article
from indexer.index.analysis import LanguageText, name_analyzer, text_analyzer

# Bump whenever a field, an analyzer or the arrays beside the segments change: an index written
# under another version is rebuilt by the next `artsearch index`, because incremental updates
# would mix two analyses of the text.
SCHEMA_VERSION = "8"

ID = "id"
TITLE = "title"
BODY = "body"
AUTHOR = "author"
AUTHOR_KEY = "author_key"
SOURCE = "source"
SOURCE_NAME = "source_name"
PUBLISHED = "published"
DATED = "dated"
YEAR = "year"
LANGUAGE = "language"
TAGS = "tags"
ARTICLE = "article"

# Fields whose postings (with word positions) are also written as arrays: those queries score
# and phrases search.
POSTING_ARRAY_FIELDS = (BODY, TITLE)
# Keyword fields whose values are written as arrays, each value with the documents that have it
# (the author and tag facets read them whole once per index version).
VALUE_ARRAY_FIELDS = (AUTHOR_KEY, TAGS)
# Fields whose per-document lengths are written as arrays (BM25's length normalisation).
LENGTH_FIELDS = (BODY, TITLE)
# Columns written as arrays of codes into a table of their values (filters and facets).
CATEGORY_COLUMNS = (SOURCE_NAME, YEAR, LANGUAGE)

# Provenance of a title the extractor made from the first words of the body (indexer.extraction).
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


def build_schema() -> fields.Schema:
    text = text_analyzer()
    names = name_analyzer()
    return fields.Schema(
        **{
            # A column too: its values become each segment's document keys (document_key).
            ID: fields.ID(stored=True, unique=True, sortable=True),
            TITLE: fields.TEXT(analyzer=text, spelling=True),
            BODY: fields.TEXT(analyzer=text, spelling=True),
            AUTHOR: fields.TEXT(analyzer=names),
            AUTHOR_KEY: fields.KEYWORD(commas=True, lowercase=True),
            SOURCE: fields.TEXT(analyzer=names, stored=True),
            SOURCE_NAME: fields.ID(sortable=True),
            PUBLISHED: fields.DATETIME(sortable=True),
            DATED: fields.ID(sortable=True),
            YEAR: fields.ID(sortable=True),
            LANGUAGE: fields.ID(sortable=True),
            TAGS: fields.KEYWORD(commas=True, lowercase=True, scorable=True),
            ARTICLE: fields.STORED(),
        }
    )


SCHEMA = build_schema()
# The field of whole (unstemmed) words Whoosh keeps beside the body for spelling (Whoosh rule 4).
SPELLING_FIELD = SCHEMA[BODY].spelling_fieldname(BODY)


def document_key(article_id: str) -> int:
    """A document's id as a signed 64-bit number: the key that joins a segment's documents to the
    per-run story arrays (document numbers change when segments merge; ids do not)."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def stored_json(article: Article) -> str:
    """The article as stored (in the index and the manifest): one copy, without its versions
    and story, which are read from the manifest when asked for."""
    data = article.to_dict()
    del data["versions"], data["story"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def name_key(name: str) -> str:
    """The exact-match key of an author or source name: case and spacing do not matter."""
    return " ".join(name.split()).lower()


def parse_published(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime as the naive local time the page stated (Whoosh's DATETIME
    wants naive): the offset is dropped, not applied, so the day is the publisher's calendar day
    (a story published on 28 June at 22:00 in New York is a 28 June story, not a 29 June one in
    UTC), which is what date filters, year facets and sorting by date use."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def has_own_title(article: Article) -> bool:
    """Whether the article's title is its page's headline rather than made up from its text."""
    return bool(article.title) and article.provenance.get("title") != _TITLE_FROM_TEXT


def indexed_body(article: Article) -> str:
    """The text the ``body`` field indexes: the headline (when the page has one), then the body."""
    return f"{article.title}\n\n{article.body}" if has_own_title(article) else article.body


# Between the outlets of a text's copies in the ``source`` field (a name does not hold it).
OUTLET_SEPARATOR = " ; "


def outlets_field(outlets: Sequence[str]) -> str:
    """The ``source`` field's value for a text printed by ``outlets`` (each once, in order)."""
    return OUTLET_SEPARATOR.join(dict.fromkeys(o for o in outlets if o))


def to_document(article: Article, outlets: Sequence[str] = ()) -> dict[str, Any]:
    """The Whoosh document for an article: index fields plus the stored JSON.  ``outlets`` are
    the outlets of the text's other copies (the article's own is always included)."""
    published = parse_published(article.published)
    doc: dict[str, Any] = {
        ID: article.id,
        # The text fields carry the article's language, which their analysis depends on.
        TITLE: LanguageText(article.title if has_own_title(article) else "", article.language),
        BODY: LanguageText(indexed_body(article), article.language),
        ARTICLE: stored_json(article),
    }
    if article.authors:
        doc[AUTHOR] = " ; ".join(article.authors)
        doc[AUTHOR_KEY] = ",".join(name_key(a).replace(",", " ") for a in article.authors)
    source = outlets_field([article.source or "", *outlets])
    if source:
        doc[SOURCE] = source
    if article.source:
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
