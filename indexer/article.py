"""The one domain type: an extracted news article.

Extraction returns it, the schema maps it to index fields and back, search results carry it and the
web templates render it.  It is frozen so that nothing downstream edits what was extracted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.words import WORD

# Where a metadata field's value came from, so that `artsearch extract --json` can explain itself.
PROVENANCE_ORIGINS = (
    "json-ld",
    "opengraph",
    "meta",
    "microdata",
    "time-element",
    "markup",
    "text",
    "relative",
    "file-mtime",
    "detected",
    "extractor",
    "capture",  # a web archive's record: its target URI, its capture date (indexer/archives.py)
)

# How many leading body words identify an article.  Enough that two different stories never share
# them, few enough that a copy with a different tail (an appended credit line) still matches.
_FINGERPRINT_WORDS = 200


def fingerprint(body: str) -> str:
    """A content fingerprint of an article body: equal for the same story found on two pages.

    Case, punctuation and white space are ignored, so a related-rail copy of an article, a
    syndicated copy and the article's own page agree.
    """
    words = WORD.findall(body.lower())[:_FINGERPRINT_WORDS]
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).hexdigest()


def article_id(body: str) -> str:
    """The stable id of the article with this body: the same text always gets the same id.

    The id is content-derived rather than path-derived so that the same story found twice (its own
    page and another page's related rail, or a syndicated copy) is one article with one id.
    """
    return fingerprint(body)


@dataclass(frozen=True)
class Version:
    """One copy of an article as a page printed it: the same story from another outlet, an
    updated or shortened take, a related-rail copy (docs/stories.md).

    ``article_id`` is the text it prints (the index holds one document per distinct text).
    ``relation`` says how it relates to its story's main version ("main", "identical",
    "near-duplicate", "contained", "contains"), ``reason`` the same in words with the measured
    ``jaccard`` (share of word 5-grams the two texts have in common) and ``containment`` (share of
    the smaller text's 5-grams found in the other).
    """

    article_id: str
    path: str
    title: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    modified: str | None = None
    embedded: bool = False
    relation: str = ""
    reason: str = ""
    jaccard: float | None = None
    containment: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Version:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})

    @property
    def published_day(self) -> str | None:
        return self.published[:10] if self.published else None


@dataclass(frozen=True)
class Story:
    """The story an article belongs to: every version of every text grouped with it.

    ``first_published`` is the earliest version's publication; ``last_updated`` the latest
    publication or modification of any version.  ``versions`` lists the main text's copies
    first, then the other texts'; ``main_id`` is the main text's article id.
    """

    id: int
    main_id: str
    first_published: str | None
    last_updated: str | None
    versions: tuple[Version, ...] = ()

    @property
    def text_ids(self) -> tuple[str, ...]:
        """The story's texts (article ids), the main one first."""
        return tuple(dict.fromkeys(v.article_id for v in self.versions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "main_id": self.main_id,
            "first_published": self.first_published,
            "last_updated": self.last_updated,
            "versions": [v.to_dict() for v in self.versions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Story:
        return cls(
            int(data["id"]),
            str(data["main_id"]),
            data.get("first_published"),
            data.get("last_updated"),
            tuple(Version.from_dict(v) for v in data.get("versions") or ()),
        )


@dataclass(frozen=True)
class Article:
    """One article as extracted from a page.

    ``body`` holds the main text only, paragraphs separated by a blank line, in a small Markdown
    subset that keeps the article's structure (docs/extraction.md, "The stored body"):

    - a subheading of the article (``h2``-``h4``) is a paragraph ``## Heading`` (``##``, ``###``,
      ``####`` by level);
    - a list is a paragraph whose lines each start with ``- `` (``1. ``, ``2. `` ... when
      ordered);
    - a table is a paragraph of lines, one per row, its cells separated by `` | ``;
    - every other paragraph is plain text on one line.  Nothing else is marked or escaped (no
      emphasis, no links).  ``indexer.extraction.structure.plain_text`` removes the markers.

    Dates are ISO 8601 strings (``2015-09-01`` or ``2015-09-01T10:30:00-04:00``) that keep the
    time and offset the page states, so that their first ten characters are the publisher's
    calendar day.  ``path`` is the page's path relative
    to the corpus folder, with ``/`` separators.  ``embedded`` is true for an article found inside
    another page (for example in a "Related Articles" rail) rather than as the page's own article.
    ``provenance`` maps a field name to where its value came from (one of ``PROVENANCE_ORIGINS``).

    Extraction gives one copy; the index keeps one document per distinct text and knows every copy
    of it: ``versions`` (this text as each page printed it, the indexed copy first) and ``story``
    (the story's versions of every text) are filled when an article is read from the index with
    its story (``SearchService.article``), and empty otherwise.
    """

    id: str
    path: str
    title: str
    body: str
    authors: tuple[str, ...] = ()
    source: str | None = None
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    url: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    license: str | None = None
    embedded: bool = False
    provenance: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    versions: tuple[Version, ...] = field(default=(), compare=False, hash=False)
    story: Story | None = field(default=None, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (tuples become lists)."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["authors"] = list(self.authors)
        data["tags"] = list(self.tags)
        data["provenance"] = dict(self.provenance)
        data["versions"] = [v.to_dict() for v in self.versions]
        data["story"] = self.story.to_dict() if self.story is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        """The inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["authors"] = tuple(known.get("authors") or ())
        known["tags"] = tuple(known.get("tags") or ())
        known["provenance"] = dict(known.get("provenance") or {})
        known["versions"] = tuple(Version.from_dict(v) for v in known.get("versions") or ())
        story = known.get("story")
        known["story"] = Story.from_dict(story) if story else None
        return cls(**known)

    @property
    def published_day(self) -> str | None:
        """The publication day (``YYYY-MM-DD``) or None."""
        return self.published[:10] if self.published else None
