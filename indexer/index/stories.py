"""Stories: every copy of an article is a *version*, and near-identical versions form one *story*.

The model (docs/stories.md has the measurements behind every number here):

* A **version** is one copy of an article as some page printed it, named by the caller (for the
  index: the file path and the article's place in the file).  Its text is reduced to a
  :class:`Signature`, the sorted distinct 32-bit hashes of its word 5-grams ("shingles") over
  lower-cased ``\\w+`` words, computed by :func:`text_signature` (pure: it runs in the extraction
  workers).
* Versions with the same shingle set share one **text**: twenty papers running the same wire copy
  cost one text, and identical texts are always in one story.
* A **story** is a set of texts with one **representative**, its most central text: the one
  matching most of the story's other texts (then the longest, then the oldest).  Two texts
  *match* when their word 5-gram Jaccard is at least :data:`JACCARD_MIN`, or when at least
  :data:`CONTAINMENT_MIN` of the smaller one's shingles are in the larger one (a shortened
  version; the smaller text must have :data:`MIN_CONTAINED_SHINGLES`).
* A new text joins the story whose representative it matches (the best Jaccard, then
  containment, then the oldest story when several do); when none does it starts a story.  As
  every member must match the representative directly, a series of small overlaps (A~B, B~C,
  C~D) never pulls D into A's story: the bench's rolling chain measures it.  A text that matches
  the representative by containment only must also match at least half of the story's other
  texts (:data:`CONTAINMENT_AGREEMENT`): otherwise a digest page holding two unrelated stories
  would become the representative that both join.
* Each version's **reason** is measured against the representative and can be shown to readers:
  the shared-text share (Jaccard), the containment, and a kind (identical, near-duplicate,
  contained, contains).

Candidates come from an inverted index of *sampled* shingles kept in SQLite: a shingle is sampled
when its hash is divisible by :data:`SAMPLE_MODULUS`, so the same shingle is sampled in every text
that has it, and a text 90 % contained in another shares about 90 % of its samples with it however
different their lengths are.  (MinHash LSH estimates Jaccard, which for a short text inside a long
one is small: docs/stories.md compares datasketch, rensa and gaoya on the same rule.)
Every text also indexes its opening shingle, which finds a teaser too short to have samples.
Candidates are verified exactly on the full shingle sets.

All state is in SQLite tables named ``stor*`` (meant for the manifest's database), so nothing is
loaded up front: a run touches only the rows of the versions it adds or removes.  The grouper never
commits; its caller commits with its own changes, so the index and its grouping move together.

Usage::

    signature = text_signature(article.body)          # pure; runs in an extraction worker
    grouper = StoryGrouper(sqlite3.connect("manifest.sqlite"))
    assignment = grouper.add("0001/a.html#0", signature)
    assignment.story_id, assignment.reason.describe()
    grouper.versions_of(assignment.story_id)
    grouper.remove("0001/a.html#0")

Errors: :class:`StoryStateError` (an :class:`~indexer.errors.IndexerError`) when the stored state
was made with other grouping parameters: rebuild the index to regroup.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from indexer.errors import IndexerError

# Words per shingle: the unit the similarity is defined in (word 5-grams).
SHINGLE_WORDS = 5
# Two texts are versions of one story when they share this much of their text (Jaccard) ...
JACCARD_MIN = 0.8
# ... or when this share of the smaller one's shingles is in the larger one (a shortened version).
CONTAINMENT_MIN = 0.9
# Containment alone groups only a text of at least this many shingles (nine words): a dateline
# or a stock phrase found inside another story is not a version of it.
MIN_CONTAINED_SHINGLES = 5
# A text that matches a story's representative by containment only must also match at least
# this share of the story's other texts (compared ones): see GroupingRule.containment_agreement.
CONTAINMENT_AGREEMENT = 0.5
# How many of a story's texts a new text is compared with besides the representative (the most
# central first), to keep each text's count of matches and so choose the most central one.
MEMBERS_COMPARED = 16
# One shingle in this many is sampled into the candidate index: at 8 the candidate stage kept
# 99.5 % of the target pairs on Reuters-21578 (the rest: texts of a line or two, which the opening
# shingle finds), at 16 97.5 %; at 4 the index is twice as large.
SAMPLE_MODULUS = 8
# A candidate must share at least this share of the smaller text's keys: well below what the
# thresholds above imply (about 0.8), so that sampling noise does not drop a true pair.
CANDIDATE_SHARE = 0.5

_WORD = re.compile(r"\w+")
_DIGEST_BYTES = 16
# Opening shingles are indexed beside the samples, in a key range no 32-bit shingle reaches.
_OPENING_KEY = 1 << 32
# Texts moved because a representative changed may move others in turn; this deep, a text starts
# a story of its own instead (always valid), so every change ends.
_MAX_CASCADE = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS story_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    story_id INTEGER PRIMARY KEY AUTOINCREMENT,
    representative INTEGER NOT NULL          -- story_texts.text_id
);
CREATE TABLE IF NOT EXISTS story_texts (
    text_id INTEGER PRIMARY KEY,
    digest BLOB UNIQUE,                      -- NULL for a text without words (never shared)
    story_id INTEGER NOT NULL,
    shingle_count INTEGER NOT NULL,
    key_count INTEGER NOT NULL,              -- rows in story_keys
    degree INTEGER NOT NULL,                 -- texts of its story it matches (of those compared)
    signature BLOB NOT NULL                  -- Signature.to_bytes()
);
CREATE INDEX IF NOT EXISTS story_texts_by_story ON story_texts (story_id);
CREATE TABLE IF NOT EXISTS story_versions (
    version_id TEXT PRIMARY KEY,
    text_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS story_versions_by_text ON story_versions (text_id);
CREATE TABLE IF NOT EXISTS story_keys (
    key INTEGER NOT NULL,
    text_id INTEGER NOT NULL,
    PRIMARY KEY (key, text_id)
) WITHOUT ROWID;
"""


class StoryStateError(IndexerError):
    """The stored grouping was made with other parameters: rebuild the index to regroup."""


# --------------------------------------------------------------------------------------------
# Signatures: pure, picklable, cheap enough for the extraction workers.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Signature:
    """A text reduced to the sorted distinct 32-bit hashes of its word 5-grams, and the hash of
    its first 5-gram (``opening``).

    A text of fewer than five words has one shingle (all its words); a text without words has
    none and is never grouped with anything.
    """

    shingles: npt.NDArray[np.uint32]
    opening: int = 0

    @property
    def size(self) -> int:
        return int(self.shingles.size)

    @cached_property
    def digest(self) -> bytes | None:
        """Equal for equal shingle sets; None for a text without words."""
        if not self.size:
            return None
        return hashlib.blake2b(self.shingles.tobytes(), digest_size=_DIGEST_BYTES).digest()

    @cached_property
    def index_keys(self) -> list[int]:
        """The candidate-index keys: sampled shingles, and the opening in its own range."""
        if not self.size:
            return []
        sampled = self.shingles[self.shingles % SAMPLE_MODULUS == 0].tolist()
        return [*sampled, _OPENING_KEY + self.opening]

    def to_bytes(self) -> bytes:
        """Opening then shingles, little-endian uint32 (empty for a text without words)."""
        if not self.size:
            return b""
        return np.concatenate(
            [np.array([self.opening], dtype="<u4"), self.shingles.astype("<u4", copy=False)]
        ).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
        if not values.size:
            return cls(values)
        return cls(values[1:], int(values[0]))


# Shingle hashing: each word's CRC-32 (C speed, one call per word), five of them combined
# polynomially in 64 bits and mixed by splitmix64's finaliser (every output bit depends on every
# input bit, so the low bits that sampling reads are as good as the high ones); the top 32 bits
# are the shingle.  Vectorised over the whole text: 0.07 ms for a 140-word Reuters story against
# 0.17 ms for a blake2b call per shingle (same machine, same texts), and the signature is computed
# for every copy of every article in the extraction workers.
_COMBINE = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32))


def _mixed(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, element-wise (uint64 arithmetic wraps, as the hash wants)."""
    values = values ^ (values >> _SHIFTS[0])
    values = values * _MIX_1
    values = values ^ (values >> _SHIFTS[1])
    values = values * _MIX_2
    return values ^ (values >> _SHIFTS[2])


def text_signature(text: str) -> Signature:
    """The :class:`Signature` of a text (pure: safe to call in a worker process)."""
    words = _WORD.findall(text.lower())
    if not words:
        return Signature(np.zeros(0, dtype=np.uint32))
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    span = min(SHINGLE_WORDS, len(hashes))
    count = len(hashes) - span + 1
    grams = hashes[:count].copy()
    for offset in range(1, span):
        grams = grams * _COMBINE + hashes[offset : offset + count]
    shingles = (_mixed(grams) >> _SHIFTS[3]).astype(np.uint32)
    return Signature(np.unique(shingles), int(shingles[0]))


# --------------------------------------------------------------------------------------------
# Exact similarity, the rule, and the reason shown to readers.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    shared: int
    jaccard: float
    containment: float  # share of the smaller text's shingles found in the other
    smaller: int  # shingles of the smaller text


def similarity(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]) -> Similarity:
    """Exact word 5-gram Jaccard and containment of two sorted distinct shingle arrays."""
    smaller = int(min(a.size, b.size))
    if not smaller:
        return Similarity(0, 0.0, 0.0, smaller)
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    return Similarity(shared, shared / (a.size + b.size - shared), shared / smaller, smaller)


Representative = Literal["central", "longest"]


@dataclass(frozen=True)
class GroupingRule:
    """When a text belongs to a story.  The defaults are the module's constants; the bench
    compares other choices (``representative="longest"``, ``agreement`` > 0)."""

    jaccard_min: float = JACCARD_MIN
    containment_min: float = CONTAINMENT_MIN
    min_contained_shingles: int = MIN_CONTAINED_SHINGLES
    representative: Representative = "central"
    # Share of the compared members (besides the representative) a text must also match ...
    agreement: float = 0.0
    # ... and a text matching the representative by containment only (a shortened version, or
    # one that contains the representative): a digest page that contains two unrelated stories
    # must not become the bridge between them.
    containment_agreement: float = CONTAINMENT_AGREEMENT

    def matches(self, sim: Similarity) -> bool:
        """Whether two texts are versions of one story."""
        if sim.jaccard >= self.jaccard_min:
            return True
        return (
            sim.containment >= self.containment_min and sim.smaller >= self.min_contained_shingles
        )

    def parameters(self) -> str:
        """What stored grouping depends on: state made under other values is not reused."""
        return (
            f"shingles={SHINGLE_WORDS}-crc32mix32;jaccard={self.jaccard_min};"
            f"containment={self.containment_min}/{self.min_contained_shingles};"
            f"representative={self.representative}/{MEMBERS_COMPARED};"
            f"agreement={self.agreement}/{self.containment_agreement}"
        )


ReasonKind = Literal["representative", "identical", "near-duplicate", "contained", "contains"]


@dataclass(frozen=True)
class Reason:
    """Why a version is in its story, measured against the story's representative.

    ``jaccard`` is the share of the two texts' distinct word 5-grams that they have in common;
    ``containment`` the share of the smaller text's 5-grams found in the larger one.
    """

    kind: ReasonKind
    jaccard: float
    containment: float

    def describe(self) -> str:
        """One line a page can show."""
        if self.kind == "representative":
            return "the story's main version"
        if self.kind == "identical":
            return "the same text as the story's main version"
        if self.kind == "near-duplicate":
            return f"shares {self.jaccard:.0%} of its text with the story's main version"
        if self.kind == "contained":
            return f"{self.containment:.0%} of its text is in the story's main version"
        return f"contains {self.containment:.0%} of the story's main version"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "jaccard": round(self.jaccard, 3),
            "containment": round(self.containment, 3),
            "text": self.describe(),
        }


def _reason(
    version: npt.NDArray[np.uint32], representative: npt.NDArray[np.uint32], rule: GroupingRule
) -> Reason:
    sim = similarity(version, representative)
    if sim.jaccard >= 1.0:
        kind: ReasonKind = "identical"
    elif sim.jaccard >= rule.jaccard_min:
        kind = "near-duplicate"
    elif version.size <= representative.size:
        kind = "contained"
    else:
        kind = "contains"
    return Reason(kind, sim.jaccard, sim.containment)


# --------------------------------------------------------------------------------------------
# Results.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Where a version belongs: its story, the story's representative version, and why."""

    version_id: str
    story_id: int
    representative: str
    reason: Reason

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version_id,
            "story": self.story_id,
            "representative": self.representative,
            "reason": self.reason.to_dict(),
        }


@dataclass(frozen=True)
class Removal:
    """What removing a version did: its story, whether the story went with it, and the versions
    that left the story because they did not match its new representative."""

    version_id: str
    story_id: int
    story_removed: bool
    moved: tuple[Assignment, ...] = ()


# --------------------------------------------------------------------------------------------
# Candidate search.
# --------------------------------------------------------------------------------------------


class CandidateIndex(Protocol):
    """Finds texts that may match a signature: a superset of the matches, verified after.

    The default, :class:`SampledShingleIndex`, lives in the grouper's SQLite database;
    bench/grouping.py plugs in other libraries' MinHash LSH indexes to compare them.
    """

    def add(self, text_id: int, signature: Signature) -> None: ...

    def remove(self, text_id: int, signature: Signature) -> None: ...

    def query(self, signature: Signature) -> Iterable[int]: ...


class SampledShingleIndex:
    """Texts by their :attr:`Signature.index_keys`, in the ``story_keys`` table."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, text_id: int, signature: Signature) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO story_keys (key, text_id) VALUES (?, ?)",
            [(key, text_id) for key in signature.index_keys],
        )

    def remove(self, text_id: int, signature: Signature) -> None:
        self._db.executemany(
            "DELETE FROM story_keys WHERE key = ? AND text_id = ?",
            [(key, text_id) for key in signature.index_keys],
        )

    def query(self, signature: Signature) -> list[int]:
        keys = signature.index_keys
        if not keys:
            return []
        # Shared keys are counted per text first and the share checked in SQL: returning every
        # text that shares one common sampled shingle cost a third of an add.  (An integer count
        # reaches ceil(share * m) exactly when it reaches share * m.)
        rows = self._db.execute(
            "SELECT g.text_id FROM (SELECT text_id, COUNT(*) AS shared FROM story_keys"
            f" WHERE key IN ({','.join('?' * len(keys))}) GROUP BY text_id) g"
            " JOIN story_texts t ON t.text_id = g.text_id"
            " WHERE g.shared >= ? * MIN(?, t.key_count)",
            [*keys, CANDIDATE_SHARE, len(keys)],
        )
        return [row[0] for row in rows]


# --------------------------------------------------------------------------------------------
# The grouper.
# --------------------------------------------------------------------------------------------


@dataclass
class _Text:
    text_id: int
    story_id: int
    shingles: npt.NDArray[np.uint32]
    degree: int


class StoryTables:
    """Reading the story grouping kept in SQLite tables of ``db`` (made by :class:`StoryGrouper`):
    what the search service uses, on a read-only connection, to show a story's versions."""

    def __init__(self, db: sqlite3.Connection, *, rule: GroupingRule | None = None) -> None:
        self._db = db
        self.rule = rule or GroupingRule()

    def story_of(self, version_id: str) -> Assignment | None:
        """The version's story, the story's representative version and the reason; None when
        the version is unknown."""
        known = self._db.execute(
            "SELECT 1 FROM story_versions WHERE version_id = ?", (version_id,)
        ).fetchone()
        return self._assignment(version_id) if known else None

    def versions_of(self, story_id: int) -> list[str]:
        """The story's versions: the representative's copies first, then by version id."""
        rows = self._db.execute(
            "SELECT v.version_id FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id"
            " JOIN stories s ON s.story_id = t.story_id"
            " WHERE t.story_id = ? ORDER BY t.text_id != s.representative, v.version_id",
            (story_id,),
        )
        return [row[0] for row in rows]

    def stories(self) -> Iterator[tuple[int, list[str]]]:
        """Every story with its versions (by story id, then version id)."""
        rows = self._db.execute(
            "SELECT t.story_id, v.version_id FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id ORDER BY t.story_id, v.version_id"
        )
        story: int | None = None
        versions: list[str] = []
        for story_id, version_id in rows:
            if story_id != story and story is not None:
                yield story, versions
                versions = []
            story = story_id
            versions.append(version_id)
        if story is not None:
            yield story, versions

    def story_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM stories").fetchone()[0])

    def version_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM story_versions").fetchone()[0])

    def _representative_of(self, story_id: int) -> int:
        row = self._db.execute(
            "SELECT representative FROM stories WHERE story_id = ?", (story_id,)
        ).fetchone()
        return int(row[0])

    def _text(self, text_id: int) -> _Text:
        row = self._db.execute(
            "SELECT story_id, signature, degree FROM story_texts WHERE text_id = ?", (text_id,)
        ).fetchone()
        return _Text(text_id, row[0], Signature.from_bytes(row[1]).shingles, row[2])

    def _signature(self, text_id: int) -> Signature:
        row = self._db.execute(
            "SELECT signature FROM story_texts WHERE text_id = ?", (text_id,)
        ).fetchone()
        return Signature.from_bytes(row[0])

    def _assignment(self, version_id: str) -> Assignment:
        text_id, story_id, representative = self._db.execute(
            "SELECT v.text_id, t.story_id, s.representative FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id"
            " JOIN stories s ON s.story_id = t.story_id WHERE v.version_id = ?",
            (version_id,),
        ).fetchone()
        first = self._db.execute(
            "SELECT MIN(version_id) FROM story_versions WHERE text_id = ?", (representative,)
        ).fetchone()[0]
        if text_id == representative:
            kind: ReasonKind = "representative" if version_id == first else "identical"
            reason = Reason(kind, 1.0, 1.0)
        else:
            reason = _reason(
                self._text(text_id).shingles, self._text(representative).shingles, self.rule
            )
        return Assignment(version_id, story_id, str(first), reason)


class StoryGrouper(StoryTables):
    """Story grouping kept incrementally in SQLite tables of ``db`` (created when missing).

    :meth:`add` puts a version in a story (a new one when nothing matches), :meth:`remove`
    takes it out, and the read methods answer from the tables.  Nothing is committed: the caller
    commits with its own changes.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        *,
        rule: GroupingRule | None = None,
        candidates: CandidateIndex | None = None,
    ) -> None:
        super().__init__(db, rule=rule)
        parameters = self.rule.parameters() + (
            f";candidates=sampled/{SAMPLE_MODULUS}/{CANDIDATE_SHARE}"
            if candidates is None
            else f";candidates={type(candidates).__name__}"
        )
        db.executescript(_SCHEMA)
        stored = db.execute("SELECT value FROM story_meta WHERE key = 'parameters'").fetchone()
        if stored is None:
            db.execute(
                "INSERT INTO story_meta (key, value) VALUES ('parameters', ?)", (parameters,)
            )
        elif stored[0] != parameters:
            raise StoryStateError(
                f"the story grouping here was made with {stored[0]!r} and this version groups"
                f" with {parameters!r}: rebuild the index to regroup"
            )
        self._candidates = candidates if candidates is not None else SampledShingleIndex(db)
        self._changed: set[int] = set()

    # -- changes ---------------------------------------------------------------------------

    def add(self, version_id: str, signature: Signature) -> Assignment:
        """Put a version in its story and say which and why.

        A version already present with the same text stays where it is; with another text (an
        edited copy) it is taken out first, and may move to another story.
        """
        self.place(version_id, signature)
        return self._assignment(version_id)

    def place(self, version_id: str, signature: Signature) -> int:
        """:meth:`add` without working out the reason (what a build needs): the story's id."""
        digest = signature.digest
        current = self._db.execute(
            "SELECT t.digest, t.story_id FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id WHERE v.version_id = ?",
            (version_id,),
        ).fetchone()
        if current is not None:
            if digest is not None and current[0] == digest:
                return int(current[1])
            self.remove(version_id)
        found = self._existing_text(digest)
        if found is None:
            text_id = self._new_text(signature, digest)
            story_id = self._story_of_text(text_id)
        else:
            text_id, story_id = found
            self._changed.add(story_id)
        self._db.execute(
            "INSERT INTO story_versions (version_id, text_id) VALUES (?, ?)", (version_id, text_id)
        )
        return story_id

    def remove(self, version_id: str) -> Removal | None:
        """Take a version out; None when it was not there.

        The story keeps its other versions.  When the last copy of a text goes, the texts it
        matched count one match less, and the most central remaining text represents the story;
        a text that does not match a new representative is grouped again (it may join another
        story or start its own).  The story goes when its last version does.
        """
        row = self._db.execute(
            "SELECT v.text_id, t.story_id FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id WHERE v.version_id = ?",
            (version_id,),
        ).fetchone()
        if row is None:
            return None
        text_id, story_id = row
        self._changed.add(story_id)
        self._db.execute("DELETE FROM story_versions WHERE version_id = ?", (version_id,))
        copies = self._db.execute(
            "SELECT COUNT(*) FROM story_versions WHERE text_id = ?", (text_id,)
        ).fetchone()[0]
        if copies:
            return Removal(version_id, story_id, story_removed=False)
        gone = self._text(text_id)
        self._candidates.remove(text_id, self._signature(text_id))
        self._db.execute("DELETE FROM story_texts WHERE text_id = ?", (text_id,))
        members = self._members(story_id)
        if not members:
            self._db.execute("DELETE FROM stories WHERE story_id = ?", (story_id,))
            return Removal(version_id, story_id, story_removed=True)
        for member in members:
            if self.rule.matches(similarity(member.shingles, gone.shingles)):
                self._db.execute(
                    "UPDATE story_texts SET degree = MAX(0, degree - 1) WHERE text_id = ?",
                    (member.text_id,),
                )
        old = self._representative_of(story_id)
        moved: list[Assignment] = []
        if self._choose_representative(story_id) != old:
            moved = self._revalidate(story_id, 0)
        return Removal(version_id, story_id, story_removed=False, moved=tuple(moved))

    def take_changed_stories(self) -> set[int]:
        """The stories whose versions or representative changed since the last call (including
        removed ones): what an index must rewrite after a run."""
        changed, self._changed = self._changed, set()
        return changed

    # -- internals -------------------------------------------------------------------------

    def _existing_text(self, digest: bytes | None) -> tuple[int, int] | None:
        """The text with this digest and its story, or None."""
        if digest is None:
            return None
        row = self._db.execute(
            "SELECT text_id, story_id FROM story_texts WHERE digest = ?", (digest,)
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def _story_of_text(self, text_id: int) -> int:
        row = self._db.execute(
            "SELECT story_id FROM story_texts WHERE text_id = ?", (text_id,)
        ).fetchone()
        return int(row[0])

    def _new_text(self, signature: Signature, digest: bytes | None) -> int:
        cursor = self._db.execute(
            "INSERT INTO story_texts"
            " (digest, story_id, shingle_count, key_count, degree, signature)"
            " VALUES (?, -1, ?, ?, 0, ?)",
            (digest, signature.size, len(signature.index_keys), signature.to_bytes()),
        )
        text_id = int(cursor.lastrowid or 0)
        self._place(_Text(text_id, -1, signature.shingles, 0), signature)
        self._candidates.add(text_id, signature)
        return text_id

    def _place(self, text: _Text, signature: Signature, depth: int = 0) -> int:
        """Put a text (in no story yet) into the story it matches best, or a new story.

        When it changes that story's representative, members that do not match the new one are
        placed again (``depth`` counts such cascades; past :data:`_MAX_CASCADE` a text starts a
        story of its own, which ends any cascade)."""
        best: tuple[float, float, int] | None = None
        matched: list[_Text] = []
        if text.shingles.size and depth <= _MAX_CASCADE:
            for story_id in self._candidate_stories(signature, text.text_id):
                found = self._accepts(story_id, text.shingles)
                if found is None:
                    continue
                (jaccard, containment), members = found
                key = (jaccard, containment, -story_id)
                if best is None or key > best:
                    best, matched = key, members
        if best is None:
            story_id = int(
                self._db.execute(
                    "INSERT INTO stories (representative) VALUES (?)", (text.text_id,)
                ).lastrowid
                or 0
            )
        else:
            story_id = -best[2]
        self._changed.add(story_id)
        self._db.execute(
            "UPDATE story_texts SET story_id = ?, degree = ? WHERE text_id = ?",
            (story_id, len(matched), text.text_id),
        )
        self._db.executemany(
            "UPDATE story_texts SET degree = degree + 1 WHERE text_id = ?",
            [(m.text_id,) for m in matched],
        )
        if matched:
            old = self._representative_of(story_id)
            if self._choose_representative(story_id) != old:
                self._revalidate(story_id, depth)
        return story_id

    def _revalidate(self, story_id: int, depth: int) -> list[Assignment]:
        """Place again the story's texts that do not match its (new) representative, until all
        do: every member of a story matches its representative, so every reason shown holds."""
        moved: list[Assignment] = []
        while True:
            representative = self._text(self._representative_of(story_id))
            leaving = [
                member
                for member in self._members(story_id)
                if member.text_id != representative.text_id
                and not self.rule.matches(similarity(member.shingles, representative.shingles))
            ]
            if not leaving:
                return moved
            for member in leaving:
                moved.extend(self._regroup(member, depth + 1))
            self._choose_representative(story_id)

    def _candidate_stories(self, signature: Signature, exclude: int) -> set[int]:
        text_ids = [t for t in self._candidates.query(signature) if t != exclude]
        if not text_ids:
            return set()
        rows = self._db.execute(
            "SELECT DISTINCT story_id FROM story_texts"
            f" WHERE text_id IN ({','.join('?' * len(text_ids))}) AND story_id >= 0",
            text_ids,
        )
        return {row[0] for row in rows}

    def _accepts(
        self, story_id: int, shingles: npt.NDArray[np.uint32]
    ) -> tuple[tuple[float, float], list[_Text]] | None:
        """When the story takes the text: (Jaccard, containment) against its representative,
        and the compared members the text matches (for their counts of matches)."""
        members = self._members(story_id, limit=MEMBERS_COMPARED + 1)
        if not members:
            return None
        representative = members[0]
        sim = similarity(shingles, representative.shingles)
        if not self.rule.matches(sim):
            return None
        matched = [representative]
        others = members[1:]
        for other in others:
            if self.rule.matches(similarity(shingles, other.shingles)):
                matched.append(other)
        needed = self.rule.agreement
        if sim.jaccard < self.rule.jaccard_min:
            needed = max(needed, self.rule.containment_agreement)
        if others and len(matched) - 1 < needed * len(others):
            return None
        return (sim.jaccard, sim.containment), matched

    def _members(self, story_id: int, limit: int | None = None) -> list[_Text]:
        """The story's texts: the representative first, then the most central and longest."""
        query = (
            "SELECT t.text_id, t.story_id, t.signature, t.degree FROM story_texts t"
            " JOIN stories s ON s.story_id = t.story_id WHERE t.story_id = ?"
            " ORDER BY t.text_id != s.representative, t.degree DESC, t.shingle_count DESC,"
            " t.text_id"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [
            _Text(text_id, sid, Signature.from_bytes(blob).shingles, degree)
            for text_id, sid, blob, degree in self._db.execute(query, (story_id,))
        ]

    def _choose_representative(self, story_id: int) -> int:
        order = (
            "degree DESC, shingle_count DESC, text_id"
            if self.rule.representative == "central"
            else "shingle_count DESC, text_id"
        )
        row = self._db.execute(
            f"SELECT text_id FROM story_texts WHERE story_id = ? ORDER BY {order} LIMIT 1",
            (story_id,),
        ).fetchone()
        self._db.execute(
            "UPDATE stories SET representative = ? WHERE story_id = ?", (row[0], story_id)
        )
        return int(row[0])

    def _regroup(self, member: _Text, depth: int) -> list[Assignment]:
        """Take a text out of its story and place it again (it cannot rejoin that story, whose
        representative it does not match)."""
        old_story = member.story_id
        for other in self._members(old_story):
            if other.text_id != member.text_id and self.rule.matches(
                similarity(other.shingles, member.shingles)
            ):
                self._db.execute(
                    "UPDATE story_texts SET degree = MAX(0, degree - 1) WHERE text_id = ?",
                    (other.text_id,),
                )
        self._db.execute(
            "UPDATE story_texts SET story_id = -1, degree = 0 WHERE text_id = ?", (member.text_id,)
        )
        self._changed.add(old_story)
        self._place(member, self._signature(member.text_id), depth)
        rows = self._db.execute(
            "SELECT version_id FROM story_versions WHERE text_id = ? ORDER BY version_id",
            (member.text_id,),
        ).fetchall()
        return [self._assignment(row[0]) for row in rows]
