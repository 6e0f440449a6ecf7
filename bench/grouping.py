"""Story grouping (issue 14): pairwise precision and recall against exact text similarity, and cost.

For each version set of bench/story_sets.py (Reuters-21578, controlled edits, generated pages):

1. the truth, by brute force: word 5-shingle Jaccard and containment of every pair of texts, from
   a sparse product of the text-by-shingle matrix (row blocks; identical texts counted once with
   their multiplicity), the same shingles as :func:`indexer.index.stories.text_signature`;
2. each grouping method adds the versions one by one (as an incremental build would) and the
   pairs of versions it puts in one story are scored: precision = share of grouped pairs that are
   similar at a level, recall = share of similar pairs grouped, at the target level (Jaccard >= 0.8
   or containment >= 0.9) and lower ones;
3. the cost: ms per version to sign and to add, time to open the stored state and to read every
   version's story, and its size on disk.

Methods (``--methods``; the generated set runs ``--generated-methods``): ``today`` (the article
id, a hash of the first 200 body words: what the index merges now); ``stories``
(indexer.index.stories: sampled-shingle candidates in SQLite, state in a file, with load time and
size); ``churn`` (remove 2% of the versions and add them back: the incremental result against the
straight run); ``sweep`` (the rule at each lower level, scored at that level: the curve);
``oracle`` (edits set: the grouping the edits intend); rule variants ``stories-rep-only``,
``stories-longest``, ``stories-agreement``; and the same rule with candidates from other
libraries' MinHash LSH: ``datasketch``, ``datasketch+lead`` (plus an index of each text's first
40 shingles), ``rensa``, ``gaoya``.  The candidate stage alone is printed for the sampled index at
several sampling rates.

The same run then measures the product with stories against the code before them (``--base``,
a checkout with its own ``.venv``: /work/base), on ``--cost-pages`` generated pages (bench/perf.py's
corpus, seed 1987): a full build with each code (``artsearch index --rebuild`` under GNU time,
alternated ``--rounds`` times), the search p50 of bench/query_mix.py's mix through
``SearchService.search`` in a process of each code (wall and CPU time, median of ``--passes`` per
query; ours with ``group=story``, the default, and ``group=none``), and the 100-page case (stories
counted, every version's outlet filter finding its story).

A full run (all sets, 100,000 generated pages: 211,538 versions) takes about an hour on a loaded
two-core machine; ``--sets reuters,edits`` about fifteen minutes.

Usage::

    .venv/bin/python bench/grouping.py                       # all sets, generated at 100,000 pages
    .venv/bin/python bench/grouping.py --sets reuters,edits --methods today,stories,datasketch
    .venv/bin/python bench/grouping.py --sets reuters --methods today,stories,sweep \
        --cost-pages 10000                                  # the grouping table and the cost

The comparison libraries are in the ``bench`` extra: ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from story_sets import (  # noqa: E402
    GROUPED_KINDS,
    TRAP_KINDS,
    Version,
    edit_versions,
    generated_versions,
    reuters_articles,
    reuters_versions,
)

from indexer.article import article_id  # noqa: E402
from indexer.index import stories  # noqa: E402
from indexer.index.stories import (  # noqa: E402
    GroupingRule,
    Signature,
    StoryGrouper,
    similarity,
    text_signature,
)

# Similarity levels of the printed curve: (Jaccard, containment); a pair is similar at a level
# when either reaches it.  The first is the target.
LEVELS = ((0.8, 0.9), (0.7, 0.8), (0.5, 0.7), (0.3, 0.5), (0.1, 0.3))
TARGET_PRECISION = 0.99
TARGET_RECALL = 0.95
# Rows of the text-by-shingle matrix multiplied at once: bounds the memory of the product when a
# common phrase is in thousands of texts.
PRODUCT_ROWS = 2_000
LSH_PERMUTATIONS = 128
LSH_THRESHOLD = 0.5
LEAD_SHINGLES = 40


def say(message: str = "") -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------------
# The truth.
# --------------------------------------------------------------------------------------------


@dataclass
class Truth:
    """Similar pairs of distinct texts (with their Jaccard and containment) and, per version,
    which distinct text it has."""

    text_of: npt.NDArray[np.int64]  # version -> distinct text
    copies: npt.NDArray[np.int64]  # distinct text -> how many versions have it
    sizes: npt.NDArray[np.int64]  # distinct text -> shingles
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    jaccard: npt.NDArray[np.float64]
    containment: npt.NDArray[np.float64]

    def similar(self, level: tuple[float, float]) -> npt.NDArray[np.bool_]:
        return (self.jaccard >= level[0]) | (self.containment >= level[1])

    def identical_pairs(self) -> int:
        """Pairs of versions with the same (non-empty) text: similar at every level."""
        c = self.copies[self.sizes > 0]
        return int((c * (c - 1) // 2).sum())


def exact_truth(signatures: Sequence[Signature], lowest: tuple[float, float]) -> Truth:
    from scipy import sparse

    digests: dict[bytes, int] = {}
    text_of = np.empty(len(signatures), dtype=np.int64)
    unique: list[Signature] = []
    for i, sig in enumerate(signatures):
        key = sig.digest if sig.digest is not None else f"empty{i}".encode()
        t = digests.setdefault(key, len(unique))
        if t == len(unique):
            unique.append(sig)
        text_of[i] = t
    copies = np.bincount(text_of, minlength=len(unique)).astype(np.int64)
    sizes = np.array([s.size for s in unique], dtype=np.int64)
    columns = np.concatenate([s.shingles for s in unique]) if unique else np.zeros(0, np.uint32)
    _, column_ids = np.unique(columns, return_inverse=True)
    rows = np.repeat(np.arange(len(unique)), sizes)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, column_ids)),
        shape=(len(unique), int(column_ids.max()) + 1 if column_ids.size else 0),
    )
    transposed = matrix.T.tocsr()
    parts: list[tuple[npt.NDArray[np.int64], ...]] = []
    for start in range(0, len(unique), PRODUCT_ROWS):
        block = (matrix[start : start + PRODUCT_ROWS] @ transposed).tocoo()
        r = block.row.astype(np.int64) + start
        c = block.col.astype(np.int64)
        keep = r < c
        r, c, shared = r[keep], c[keep], block.data[keep].astype(np.int64)
        jac = shared / (sizes[r] + sizes[c] - shared)
        con = shared / np.minimum(sizes[r], sizes[c])
        keep = (jac >= lowest[0]) | (con >= lowest[1])
        parts.append((r[keep], c[keep], jac[keep], con[keep]))
        del block
    left, right, jaccard, containment = (np.concatenate(p) for p in zip(*parts, strict=True))
    return Truth(text_of, copies, sizes, left, right, jaccard, containment)


# --------------------------------------------------------------------------------------------
# Scoring a grouping.
# --------------------------------------------------------------------------------------------


@dataclass
class Scores:
    grouped_pairs: int
    stories: int
    rows: list[tuple[str, int, float, float]] = field(default_factory=list)  # level, pairs, P, R


def score(truth: Truth, story_of_version: npt.NDArray[np.int64]) -> Scores:
    """Pairwise precision and recall of a grouping (story per version) at every level."""
    # A distinct text's versions are in one story in every method here; checked, since the
    # counting below relies on it.
    story_of_text = np.full(len(truth.copies), -1, dtype=np.int64)
    story_of_text[truth.text_of] = story_of_version
    assert (story_of_text[truth.text_of] == story_of_version).all(), "a text split over stories"
    story_sizes = np.bincount(story_of_version)
    grouped = int((story_sizes * (story_sizes - 1) // 2).sum())
    same = story_of_text[truth.left] == story_of_text[truth.right]
    weight = truth.copies[truth.left] * truth.copies[truth.right]
    identical = truth.identical_pairs()
    result = Scores(grouped, int((story_sizes > 0).sum()))
    for level in LEVELS:
        similar = truth.similar(level)
        pairs = int(weight[similar].sum()) + identical
        hits = int(weight[similar & same].sum()) + identical
        precision = hits / grouped if grouped else 1.0
        recall = hits / pairs if pairs else 1.0
        result.rows.append((f"J>={level[0]} or C>={level[1]}", pairs, precision, recall))
    return result


# --------------------------------------------------------------------------------------------
# Methods.
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    story_of_version: npt.NDArray[np.int64]
    add_ms: float  # per version
    notes: str = ""
    load: dict[str, float] = field(default_factory=dict)


def run_today(versions: Sequence[Version], _signatures: Sequence[Signature]) -> Run:
    """Today's index: one article per id, the hash of the first 200 body words."""
    started = time.perf_counter()
    ids: dict[str, int] = {}
    story = np.array(
        [ids.setdefault(article_id(v.text), len(ids)) for v in versions], dtype=np.int64
    )
    # Texts without words all hash alike today; as stories they stay apart (never shared).
    return Run("today (article id)", story, (time.perf_counter() - started) / len(versions) * 1e3)


def sweep(
    name: str, truth: Truth, versions: Sequence[Version], signatures: Sequence[Signature]
) -> None:
    """The grouping rule at each lower level, scored at that level: where chaining would start."""
    say("  rule thresholds lowered (grouping at a level, scored at the same level):")
    say(f"    {'level':22} {'true pairs':>10} {'grouped':>9} {'precision':>9} {'recall':>7}")
    for k, level in enumerate(LEVELS):
        rule = GroupingRule(jaccard_min=level[0], containment_min=level[1])
        run = run_grouper(f"rule {level}", versions, signatures, rule=rule)
        scores = score(truth, run.story_of_version)
        label, pairs, precision, recall = scores.rows[k]
        say(f"    {label:22} {pairs:10d} {scores.grouped_pairs:9d} {precision:9.4f} {recall:7.4f}")


CHURN_SHARE = 0.02


def run_churn(
    versions: Sequence[Version], signatures: Sequence[Signature], seed: int
) -> tuple[Run, float]:
    """Incremental runs: group everything, then remove 2% of the versions (seeded) and add them
    back in another order; returns the final grouping and the share of grouped pairs it has in
    common with the straight run (1.0: the same partition)."""
    straight = run_grouper("straight", versions, signatures)
    db = sqlite3.connect(":memory:")
    grouper = StoryGrouper(db)
    for version, signature in zip(versions, signatures, strict=True):
        grouper.add(version.id, signature)
    rng = random.Random(seed)
    churned = rng.sample(range(len(versions)), max(1, int(CHURN_SHARE * len(versions))))
    started = time.perf_counter()
    for i in churned:
        grouper.remove(versions[i].id)
    rng.shuffle(churned)
    for i in churned:
        grouper.add(versions[i].id, signatures[i])
    per_op = (time.perf_counter() - started) / (2 * len(churned)) * 1e3
    position = {v.id: i for i, v in enumerate(versions)}
    story = np.empty(len(versions), dtype=np.int64)
    for story_id, members in grouper.stories():
        for version_id in members:
            story[position[version_id]] = story_id
    return Run(f"after removing and re-adding {CHURN_SHARE:.0%}", story, per_op), agreement(
        straight.story_of_version, story
    )


def agreement(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> float:
    """Pairs grouped by both partitions over pairs grouped by either (1.0: identical)."""

    def pairs(labels: npt.NDArray[np.int64]) -> int:
        sizes = np.unique(labels, return_counts=True)[1]
        return int((sizes * (sizes - 1) // 2).sum())

    both = pairs(a * (int(b.max()) + 1) + b)
    either = pairs(a) + pairs(b) - both
    return both / either if either else 1.0


def run_oracle(versions: Sequence[Version], signatures: Sequence[Signature]) -> Run:
    """The grouping the set intends, scored like the others to show what its truth allows: for
    the edits set every copy meant to join its original with it and each trap alone; for the
    generated pages every version with the article it was rendered from (its provenance)."""
    ids: dict[str, int] = {}
    by_text: dict[bytes, int] = {}  # Reuters has identical stories: one text, one story
    story = np.empty(len(versions), dtype=np.int64)
    for i, (v, s) in enumerate(zip(versions, signatures, strict=True)):
        intended = ids.setdefault(
            v.story if v.kind in ("original", "page", "rail", *GROUPED_KINDS) else v.id, len(ids)
        )
        story[i] = by_text.setdefault(s.digest, intended) if s.digest else intended
    return Run("intended (edits as made / provenance)", story, 0.0)


def run_grouper(
    name: str,
    versions: Sequence[Version],
    signatures: Sequence[Signature],
    *,
    rule: GroupingRule | None = None,
    candidates: Callable[[sqlite3.Connection], stories.CandidateIndex] | None = None,
    database: Path | None = None,
    checkpoints: Sequence[int] = (),
) -> Run:
    db = sqlite3.connect(database or ":memory:", isolation_level="DEFERRED")
    grouper = StoryGrouper(db, rule=rule, candidates=candidates(db) if candidates else None)
    story = np.empty(len(versions), dtype=np.int64)
    load: dict[str, float] = {}
    gc.collect()
    started = time.perf_counter()
    paused = 0.0
    for i, (version, signature) in enumerate(zip(versions, signatures, strict=True)):
        story[i] = grouper.add(version.id, signature).story_id
        if database is not None and i + 1 in checkpoints:
            pause = time.perf_counter()
            db.commit()
            load.update(measure_state(database, i + 1, versions[0].id))
            paused += time.perf_counter() - pause
    db.commit()
    elapsed = time.perf_counter() - started - paused
    if database is not None:
        load.update(measure_state(database, len(versions), versions[0].id))
    db.close()
    return Run(name, story, elapsed / len(versions) * 1e3, load=load)


def measure_state(database: Path, count: int, some_version: str) -> dict[str, float]:
    """Open the stored state as a no-change run would, and read every assignment."""
    opened = time.perf_counter()
    db = sqlite3.connect(database)
    grouper = StoryGrouper(db)
    found = grouper.story_of(some_version)
    open_s = time.perf_counter() - opened
    assert found is not None
    read = time.perf_counter()
    assignments = sum(len(v) for _, v in grouper.stories())
    read_s = time.perf_counter() - read
    db.close()
    assert assignments == count
    return {
        f"open s @{count}": open_s,
        f"read all s @{count}": read_s,
        f"MB @{count}": os.path.getsize(database) / 1e6,
    }


class _SignatureCache:
    """MinHash per text digest, so that a text's add and query compute it once."""

    def __init__(self, make: Callable[[Signature], object]) -> None:
        self._make = make
        self._last: tuple[bytes | None, object] | None = None

    def __call__(self, signature: Signature) -> object:
        digest = signature.digest
        if self._last is None or self._last[0] != digest:
            self._last = (digest, self._make(signature))
        return self._last[1]


class DatasketchLSH:
    """datasketch MinHashLSH over the same shingle hashes (in memory)."""

    def __init__(
        self, threshold: float = LSH_THRESHOLD, lead: dict[bytes, Signature] | None = None
    ):
        from datasketch import MinHash, MinHashLSH

        self._lsh = MinHashLSH(threshold=threshold, num_perm=LSH_PERMUTATIONS)
        self._lead_lsh = MinHashLSH(threshold=threshold, num_perm=LSH_PERMUTATIONS)
        self._lead = lead

        def minhash(shingles: npt.NDArray[np.uint32]) -> object:
            m = MinHash(num_perm=LSH_PERMUTATIONS, seed=1, hashfunc=int)
            m.update_batch(shingles)
            return m

        self._minhash = minhash
        self._full = _SignatureCache(lambda s: minhash(s.shingles))
        self._leads = _SignatureCache(self._lead_minhash)

    def _lead_minhash(self, signature: Signature) -> object | None:
        if self._lead is None or signature.digest is None:
            return None
        return self._minhash(self._lead[signature.digest].shingles)

    def add(self, text_id: int, signature: Signature) -> None:
        self._lsh.insert(text_id, self._full(signature))
        lead = self._leads(signature)
        if lead is not None:
            self._lead_lsh.insert(text_id, lead)

    def remove(self, text_id: int, signature: Signature) -> None:
        self._lsh.remove(text_id)
        if self._lead is not None:
            self._lead_lsh.remove(text_id)

    def query(self, signature: Signature) -> Iterable[int]:
        found = set(self._lsh.query(self._full(signature)))
        lead = self._leads(signature)
        if lead is not None:
            found.update(self._lead_lsh.query(lead))
        return found


class RensaLSH:
    """rensa RMinHashLSH (Rust) over the same shingle hashes (in memory)."""

    def __init__(self, threshold: float = LSH_THRESHOLD, bands: int = 32) -> None:
        import rensa

        self._rensa = rensa
        self._lsh = rensa.RMinHashLSH(
            threshold=threshold, num_perm=LSH_PERMUTATIONS, num_bands=bands
        )
        self._full = _SignatureCache(self._minhash)

    def _minhash(self, signature: Signature) -> object:
        m = self._rensa.RMinHash(num_perm=LSH_PERMUTATIONS, seed=1)
        m.update([x.tobytes() for x in signature.shingles])
        return m

    def add(self, text_id: int, signature: Signature) -> None:
        self._lsh.insert(text_id, self._full(signature))

    def remove(self, text_id: int, signature: Signature) -> None:
        self._lsh.remove(text_id)

    def query(self, signature: Signature) -> Iterable[int]:
        return list(self._lsh.query(self._full(signature)))


class GaoyaLSH:
    """gaoya MinHashStringIndex (Rust): it shingles and hashes the text itself, so the bench hands
    it the text of each signature; its query also filters by estimated Jaccard."""

    def __init__(self, texts: dict[bytes, str], threshold: float = LSH_THRESHOLD) -> None:
        from gaoya.minhash import MinHashStringIndex

        self._texts = texts
        self._index = MinHashStringIndex(
            hash_size=32,
            jaccard_threshold=threshold,
            num_bands=32,
            band_size=4,
            analyzer="word",
            lowercase=True,
            ngram_range=(5, 5),
        )

    def _text(self, signature: Signature) -> str:
        return self._texts[signature.digest] if signature.digest else ""

    def add(self, text_id: int, signature: Signature) -> None:
        self._index.insert_document(text_id, self._text(signature))

    def remove(self, text_id: int, signature: Signature) -> None:
        self._index.remove(text_id)

    def query(self, signature: Signature) -> Iterable[int]:
        return list(self._index.query(self._text(signature)))


def lead_signature(text: str) -> Signature:
    """The shingles of a text's first words: a shortened version keeps the opening."""
    words = stories._WORD.findall(text.lower())[: LEAD_SHINGLES + stories.SHINGLE_WORDS - 1]
    return text_signature(" ".join(words))


# --------------------------------------------------------------------------------------------
# Candidate stage alone: which true pairs each index proposes (before exact verification).
# --------------------------------------------------------------------------------------------


def sampled_candidate_recall(
    truth: Truth, signatures: Sequence[Signature], modulus: int, share: float, opening: bool
) -> tuple[float, int]:
    """Recall of target-level pairs of distinct texts, and the candidate pairs proposed, for the
    sampled-shingle index with ``modulus`` and ``share``, with or without the opening shingle
    (in memory; the SQL of SampledShingleIndex does the same)."""
    first: dict[int, int] = {}
    for i, t in enumerate(truth.text_of):
        first.setdefault(int(t), i)
    postings: dict[int, list[int]] = defaultdict(list)
    proposed: set[tuple[int, int]] = set()
    sample_counts: dict[int, int] = {}
    for t in sorted(first):
        signature = signatures[first[t]]
        shingles = signature.shingles
        samples = shingles[shingles % modulus == 0].tolist()
        if opening and shingles.size:
            samples.append((1 << 32) + signature.opening)
        sample_counts[t] = len(samples)
        shared: Counter[int] = Counter()
        for s in samples:
            shared.update(postings[s])
            postings[s].append(t)
        for other, n in shared.items():
            if n >= max(1, math.ceil(share * min(len(samples), sample_counts[other]))):
                proposed.add((other, t))
    target = truth.similar(LEVELS[0])
    pairs = set(zip(truth.left[target].tolist(), truth.right[target].tolist(), strict=True))
    found = len(pairs & proposed)
    return (found / len(pairs) if pairs else 1.0), len(proposed)


# --------------------------------------------------------------------------------------------
# Reports.
# --------------------------------------------------------------------------------------------


def print_scores(runs: list[tuple[Run, Scores]]) -> None:
    say(
        f"{'method':44} {'level':22} {'true pairs':>10} {'grouped':>9} {'stories':>8}"
        f" {'precision':>9} {'recall':>7} {'add ms':>7}"
    )
    for run, scores in runs:
        for k, (level, pairs, precision, recall) in enumerate(scores.rows):
            first = k == 0
            mark = ""
            if first:
                ok = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
                mark = "  target met" if ok else "  target missed"
            say(
                f"{run.name if first else '':44} {level:22} {pairs:10d}"
                f" {scores.grouped_pairs if first else '':>9} {scores.stories if first else '':>8}"
                f" {precision:9.4f} {recall:7.4f}"
                f" {f'{run.add_ms:.3f}' if first else '':>7}{mark}"
            )


# The first links of a rolling chain are near-duplicates of the original about half the time
# (the truth decides); the far links must stay apart.
MEANT = {"chain1": "either", "chain2": "either"}


def print_kinds(
    versions: Sequence[Version], story: npt.NDArray[np.int64], signatures: Sequence[Signature]
) -> None:
    """For the edits set: per kind, how often the copy is in its original's story."""
    original: dict[str, int] = {}
    for i, v in enumerate(versions):
        if v.kind == "original":
            original[v.story] = i
    by_kind: dict[str, list[tuple[bool, float, float, bool]]] = defaultdict(list)
    for i, v in enumerate(versions):
        if v.kind == "original":
            continue
        o = original[v.story]
        sim = stories.similarity(signatures[i].shingles, signatures[o].shingles)
        target = sim.jaccard >= LEVELS[0][0] or sim.containment >= LEVELS[0][1]
        by_kind[v.kind].append((bool(story[i] == story[o]), sim.jaccard, sim.containment, target))
    say(
        f"  {'kind':16} {'copies':>6} {'at target':>9} {'with original':>13}"
        f" {'median J':>9} {'median C':>9}  meant to"
    )
    for kind in (*GROUPED_KINDS, *TRAP_KINDS):
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        grouped = sum(r[0] for r in rows) / len(rows)
        say(
            f"  {kind:16} {len(rows):6d} {sum(r[3] for r in rows) / len(rows):9.3f}"
            f" {grouped:13.3f}"
            f" {statistics.median(r[1] for r in rows):9.3f}"
            f" {statistics.median(r[2] for r in rows):9.3f}"
            f"  {MEANT.get(kind, 'join' if kind in GROUPED_KINDS else 'stay apart')}"
        )


def sign_costs(versions: Sequence[Version], sample: int) -> None:
    """ms per version to sign, ours against the libraries' MinHash of the same shingles."""
    import datasketch
    import rensa

    texts = [v.text for v in versions[:sample]]
    words = statistics.median(len(stories._WORD.findall(t)) for t in texts)

    def shingle_strings(text: str) -> list[str]:
        w = stories._WORD.findall(text.lower())
        return [" ".join(w[i : i + 5]) for i in range(max(1, len(w) - 4))]

    def ours(text: str) -> object:
        return text_signature(text)

    def with_rensa(text: str) -> object:
        m = rensa.RMinHash(num_perm=LSH_PERMUTATIONS, seed=1)
        m.update(shingle_strings(text))
        return m.digest()

    def with_datasketch(text: str) -> object:
        m = datasketch.MinHash(num_perm=LSH_PERMUTATIONS, seed=1)
        m.update_batch([s.encode() for s in shingle_strings(text)])
        return m.hashvalues

    say(f"  signing {len(texts)} texts (median {words:.0f} words), ms per version, one core:")
    for name, fn in (
        ("text_signature (crc32 words, mixed 5-grams)", ours),
        ("rensa RMinHash, 128 permutations", with_rensa),
        ("datasketch MinHash, 128 permutations (sha1)", with_datasketch),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            for t in texts:
                fn(t)
            times.append((time.perf_counter() - started) / len(texts) * 1e3)
        say(f"    {name:48} {statistics.median(times):.3f}")


# --------------------------------------------------------------------------------------------
# Driver.
# --------------------------------------------------------------------------------------------

ALL_METHODS = (
    "today",
    "oracle",
    "sweep",
    "stories",
    "churn",
    "stories-rep-only",
    "stories-longest",
    "stories-agreement",
    "datasketch",
    "datasketch+lead",
    "rensa",
    "gaoya",
)


def evaluate(
    name: str,
    versions: list[Version],
    methods: Sequence[str],
    state_dir: Path,
    checkpoints: Sequence[int],
) -> None:
    # A page without article text is skipped by extraction: no version.
    versions = [v for v in versions if stories._WORD.search(v.text)]
    say(f"\n== {name}: {len(versions):,} versions with text")
    started = time.perf_counter()
    signatures = [text_signature(v.text) for v in versions]
    sign_ms = (time.perf_counter() - started) / len(versions) * 1e3
    say(f"  signed in {sign_ms:.3f} ms per version (text_signature)")
    started = time.perf_counter()
    truth = exact_truth(signatures, LEVELS[-1])
    say(
        f"  exact truth: {len(truth.copies):,} distinct texts, {len(truth.left):,} similar pairs"
        f" at the lowest level, {time.perf_counter() - started:.1f} s"
    )
    for modulus, opening in ((4, False), (8, False), (16, False), (8, True), (16, True)):
        recall, proposed = sampled_candidate_recall(
            truth, signatures, modulus, stories.CANDIDATE_SHARE, opening
        )
        say(
            f"  candidates, sampled shingles 1/{modulus}{' + opening' if opening else ''}:"
            f" target-pair recall {recall:.4f}, {proposed:,} pairs proposed"
        )
    texts = {s.digest: v.text for v, s in zip(versions, signatures, strict=True) if s.digest}
    runs: list[tuple[Run, Scores]] = []
    for method in methods:
        gc.collect()
        if method == "today":
            run = run_today(versions, signatures)
        elif method == "stories":
            database = state_dir / f"{name}.sqlite"
            database.unlink(missing_ok=True)
            run = run_grouper(
                "stories (sampled shingles, SQLite)",
                versions,
                signatures,
                database=database,
                checkpoints=checkpoints,
            )
        elif method == "stories-longest":
            run = run_grouper(
                "stories, longest text represents",
                versions,
                signatures,
                rule=GroupingRule(representative="longest"),
            )
        elif method == "stories-rep-only":
            run = run_grouper(
                "stories, representative only",
                versions,
                signatures,
                rule=GroupingRule(containment_agreement=0.0),
            )
        elif method == "stories-agreement":
            run = run_grouper(
                "stories, must also match half the members",
                versions,
                signatures,
                rule=GroupingRule(agreement=0.5),
            )
        elif method == "sweep":
            sweep(name, truth, versions, signatures)
            continue
        elif method == "churn":
            run, agreed = run_churn(versions, signatures, 1987)
            run.notes = f"same pairs as the straight run: {agreed:.4f}"
            say(f"  churn: {run.notes}; ms per remove or add {run.add_ms:.3f}")
        elif method == "oracle":
            if name == "reuters":  # one article per version: nothing intended to group
                continue
            run = run_oracle(versions, signatures)
        elif method == "datasketch":
            run = run_grouper(
                f"datasketch MinHashLSH t={LSH_THRESHOLD}",
                versions,
                signatures,
                candidates=lambda db: DatasketchLSH(),
            )
        elif method == "datasketch+lead":
            leads = {
                s.digest: lead_signature(v.text)
                for v, s in zip(versions, signatures, strict=True)
                if s.digest
            }
            run = run_grouper(
                f"datasketch MinHashLSH t={LSH_THRESHOLD} + lead",
                versions,
                signatures,
                candidates=lambda db, leads=leads: DatasketchLSH(lead=leads),
            )
        elif method == "rensa":
            run = run_grouper(
                f"rensa RMinHashLSH t={LSH_THRESHOLD}",
                versions,
                signatures,
                candidates=lambda db: RensaLSH(),
            )
        elif method == "gaoya":
            run = run_grouper(
                f"gaoya MinHashStringIndex t={LSH_THRESHOLD}",
                versions,
                signatures,
                candidates=lambda db: GaoyaLSH(texts),
            )
        else:
            raise SystemExit(f"unknown method {method!r}: choose from {', '.join(ALL_METHODS)}")
        runs.append((run, score(truth, run.story_of_version)))
        if run.load:
            say("  state: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(run.load.items())))
    print_scores(runs)
    if name == "edits":
        for run, _ in runs:
            say(f" {run.name}:")
            print_kinds(versions, run.story_of_version, signatures)


# -- the product with stories against the code before them ------------------------------------

# Run by each code's own Python (cwd: that checkout): times SearchService.search per query.
_SEARCH_TIMER = """
import json, statistics, sys, time
sys.path.insert(0, ".")
from search import SearchService, parse_request
index, queries, passes = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
service = SearchService(index)
service.search(parse_request({"q": "zzqxjv"}))
walls = [[] for _ in queries]
cpus = [[] for _ in queries]
totals = []
for _ in range(passes):
    for i, params in enumerate(queries):
        started, cpu = time.perf_counter(), time.thread_time()
        results = service.search(parse_request(params))
        cpus[i].append((time.thread_time() - cpu) * 1e3)
        walls[i].append((time.perf_counter() - started) * 1e3)
        if len(totals) < len(queries):
            totals.append(results.total)
print(json.dumps({
    "wall": [statistics.median(w) for w in walls],
    "cpu": [statistics.median(c) for c in cpus],
    "totals": totals,
}))
"""


# `artsearch` of the checkout in the working directory, whichever Python runs it.
_ARTSEARCH = "import sys; sys.argv[0] = 'artsearch'; from web.cli import main; main()"


def _python(code: Path, python: Path | None) -> str:
    return str(python or code / ".venv" / "bin" / "python")


def _timed_build(
    code: Path, corpus: Path, index: Path, python: Path | None = None
) -> dict[str, float]:
    """A full build with one checkout's ``artsearch`` under GNU time (its Python: its own
    ``.venv`` unless given).  CPU time is the parent process's and the children it waited for."""
    shutil.rmtree(index, ignore_errors=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        command = [
            "/usr/bin/time", "-o", timing.name, "-f", "%e %U %S %M",
            _python(code, python), "-c", _ARTSEARCH, "index", str(corpus),
            "--index", str(index), "--json", "--rebuild",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, check=True, cwd=code)
        wall, user, system, rss_kb = timing.read().split()[-4:]
    report = json.loads(done.stdout)
    return {
        "wall_s": float(wall),
        "cpu_s": float(user) + float(system),
        "rss_mb": int(rss_kb) / 1024,
        "articles": report["articles"],
        "stories": report.get("stories", 0),
        "versions": report.get("versions", 0),
    }


def _timed_searches(
    code: Path, index: Path, queries: Path, passes: int, python: Path | None = None
) -> dict[str, list[float]]:
    done = subprocess.run(
        [_python(code, python), "-c", _SEARCH_TIMER, str(index), str(queries), str(passes)],
        capture_output=True, check=True, cwd=code, text=True,
    )  # fmt: skip
    found: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def build_and_search_cost(args: argparse.Namespace) -> None:
    """Full build and search p50 with stories against the code before them, same corpus, same
    run, alternated so that both share the machine's load."""
    from perf_corpus import ensure_corpus, truth_path
    from query_mix import build_query_mix

    size = args.cost_pages
    corpus, _ = ensure_corpus(args.out, size, args.seed)
    ours, base = ROOT, args.base.resolve()
    say(f"\n== cost: {size:,} generated pages; before = {base}, after = {ours}")
    say(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    builds: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for label, code in (("before", base), ("after", ours)):
            python = args.base_python if label == "before" else None
            run = _timed_build(code, corpus, args.out / f"index-{label}-{size}", python)
            builds[label].append(run)
            say(
                f"  build {label}: {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s CPU,"
                f" {run['rss_mb']:.0f} MB peak; {run['articles']:,} articles,"
                f" {run['stories']:,} stories, {run['versions']:,} versions"
            )
    mix = build_query_mix(truth_path(args.out, size), args.seed, args.queries)
    per_group = {
        "before": [q.params() for q in mix],
        "after (group=story)": [q.params() | {"group": "story"} for q in mix],
        "after (group=none)": [q.params() | {"group": "none"} for q in mix],
    }
    # One pass of the whole mix per process, the three alternated pass by pass, so that a change
    # of the machine's load falls on all of them; each query's figure is its median over passes.
    passes: dict[str, list[dict[str, list[float]]]] = {label: [] for label in per_group}
    for _ in range(args.passes):
        for label, params in per_group.items():
            listed = args.out / f"queries-{label.split()[0]}-{label[-6:-1]}.json"
            listed.write_text(json.dumps(params))
            code = base if label == "before" else ours
            index = args.out / f"index-{'before' if label == 'before' else 'after'}-{size}"
            python = args.base_python if label == "before" else None
            passes[label].append(_timed_searches(code, index, listed, 1, python))
    timings = {
        label: {
            "wall": [statistics.median(v) for v in zip(*(r["wall"] for r in runs), strict=True)],
            "cpu": [statistics.median(v) for v in zip(*(r["cpu"] for r in runs), strict=True)],
            "totals": runs[0]["totals"],
        }
        for label, runs in passes.items()
    }
    say(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.rounds:  # searches only, on the indexes an earlier run built
        builds = {k: [{"wall_s": math.nan, "cpu_s": math.nan}] for k in builds}
    before_build = statistics.median(r["wall_s"] for r in builds["before"])
    before_cpu = statistics.median(r["cpu_s"] for r in builds["before"])
    say("")
    say(f"| {size:,} pages | full build wall s | CPU s | search p50 ms | CPU p50 ms | p90 ms |")
    say("|---|---|---|---|---|---|")
    base_p50 = statistics.median(timings["before"]["wall"])
    base_cpu = statistics.median(timings["before"]["cpu"])
    for label, found in timings.items():
        built = builds["before" if label == "before" else "after"]
        wall = statistics.median(r["wall_s"] for r in built)
        cpu = statistics.median(r["cpu_s"] for r in built)
        p50 = statistics.median(found["wall"])
        cpu50 = statistics.median(found["cpu"])
        p90 = float(np.percentile(found["wall"], 90))
        say(
            f"| {label} | {wall:.1f} ({wall / before_build:.3f}x) | {cpu:.1f}"
            f" ({cpu / before_cpu:.3f}x) | {p50:.2f} ({p50 / base_p50:.3f}x) |"
            f" {cpu50:.2f} ({cpu50 / base_cpu:.3f}x) | {p90:.2f} |"
        )
    fewer = sum(
        a < b for a, b in zip(timings["after (group=story)"]["totals"], timings["before"]["totals"],
                              strict=True)
    )  # fmt: skip
    say(f"  queries whose total counts fewer results with group=story: {fewer} of {len(mix)}")


def hundred_pages(args: argparse.Namespace) -> None:
    """The issue's 100-page case: stories counted, and every version's outlet filter."""
    from perf_corpus import ensure_corpus, truth_path

    from indexer.build import build_index
    from indexer.index.store import MANIFEST_FILE, IndexStore
    from search import SearchService, parse_request

    corpus, _ = ensure_corpus(args.out, 100, args.seed)
    index = args.out / "index-100"
    shutil.rmtree(index, ignore_errors=True)
    report = build_index(corpus, index, rebuild=True)
    before = _timed_build(args.base.resolve(), corpus, args.out / "index-before-100")
    say("\n== the 100-page case (make_html_corpus.py --scale 100 --seed 1987)")
    say(
        f"  before: {before['articles']} articles; after: {report.articles} texts,"
        f" {report.stories} stories, {report.versions} versions"
    )
    manifest = sqlite3.connect(IndexStore(index).current_generation() / MANIFEST_FILE)
    copies = manifest.execute(
        "SELECT DISTINCT id, source FROM articles WHERE source IS NOT NULL"
    ).fetchall()
    manifest.close()
    service = SearchService(index)
    found = 0
    for text_id, source in copies:
        story = service.article(text_id).story
        texts = set(story.text_ids) if story is not None else {text_id}
        params = {"q": "", "source": [source], "group": "none", "per_page": 100}
        listed = {hit.article.id for hit in service.search(parse_request(params)).hits}
        found += bool(listed & texts)
    say(
        f"  outlet filter finds the story of {found} of {len(copies)} (text, outlet) copies"
        f" ({found / max(len(copies), 1):.1%})"
    )
    total = service.search(parse_request({"q": ""})).total
    say(f"  stories listed by an empty search: {total}")
    service.close()
    _pages_sharing_a_story(index, truth_path(args.out, 100))


def _pages_sharing_a_story(index: Path, truth_file: Path) -> None:
    """Every story holding the own articles of two or more pages, with the measured similarity
    of their texts: where the story count is below the page count, this says whether the pages
    are copies by the target's rule (Jaccard >= 0.8 or containment >= 0.9) or wrongly grouped."""
    from indexer.index.manifest import unpacked_article
    from indexer.index.store import MANIFEST_FILE, IndexStore

    truth = {t["file"]: t for t in map(json.loads, truth_file.open(encoding="utf-8"))}
    with_text = sum(1 for t in truth.values() if t["body"])
    manifest = sqlite3.connect(IndexStore(index).current_generation() / MANIFEST_FILE)
    story_of = dict(
        manifest.execute(
            "SELECT v.version_id, t.story_id FROM story_versions v"
            " JOIN story_texts t ON t.text_id = v.text_id"
        )
    )
    mains: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for path, ordinal, data in manifest.execute(
        "SELECT path, ordinal, data FROM articles WHERE embedded = 0"
    ):
        story = story_of.get(f"{path}#{ordinal}")
        if story is not None:
            mains[story].append((path, unpacked_article(data).body))
    manifest.close()
    say(
        f"  pages whose own text the generator wrote: {with_text}; stories holding one:"
        f" {len(mains)}; own articles found: {sum(map(len, mains.values()))}"
    )
    for members in mains.values():
        for (a, body_a), (b, body_b) in zip(members, members[1:], strict=False):
            found = similarity(text_signature(body_a).shingles, text_signature(body_b).shingles)
            verdict = "copies" if found.jaccard >= 0.8 or found.containment >= 0.9 else "NOT"
            say(
                f"  one story: {a} and {b}: Jaccard {found.jaccard:.3f}, containment"
                f" {found.containment:.3f} ({found.shared} of {found.smaller} shingles): {verdict}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="reuters,edits,generated")
    parser.add_argument("--methods", default=",".join(ALL_METHODS))
    parser.add_argument("--pages", type=int, default=100_000, help="generated pages")
    parser.add_argument("--edit-seeds", type=int, default=2_000, help="stories copied with edits")
    parser.add_argument("--seed", type=int, default=1987, help="as bench/perf.py's corpora")
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-grouping"))
    parser.add_argument(
        "--generated-methods",
        default="today,oracle,stories,churn",
        help="methods run on the generated set (the largest)",
    )
    parser.add_argument(
        "--cost-pages", type=int, default=0, help="pages for build/search cost (0: none)"
    )
    parser.add_argument("--base", type=Path, default=Path("/work/base"), help="code before")
    parser.add_argument(
        "--base-python",
        type=Path,
        default=None,
        help="Python to run --base with (default: its .venv; give ours for a plain checkout)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="full builds per code (0: search the last ones)"
    )
    parser.add_argument("--queries", type=int, default=300, help="queries of the search mix")
    parser.add_argument("--passes", type=int, default=3, help="timed runs per query")
    parser.add_argument("--hundred", action="store_true", help="the 100-page case")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    say(f"bench/grouping.py  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sets = args.sets.split(",")
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory(dir=args.out) as state:
        state_dir = Path(state)
        articles = reuters_articles() if {"reuters", "edits"} & set(sets) else []
        if "reuters" in sets:
            versions = reuters_versions(articles)
            sign_costs(versions, 3000)
            evaluate("reuters", versions, methods, state_dir, (len(versions),))
        if "edits" in sets:
            edits = edit_versions(articles, args.edit_seeds, args.seed)
            # Pages come in path order, not edit by edit: the copies arrive in any order.
            random.Random(args.seed).shuffle(edits)
            evaluate("edits", edits, methods, state_dir, ())
        if "generated" in sets:
            versions = generated_versions(args.pages, args.seed, args.out)
            evaluate(
                "generated",
                versions,
                args.generated_methods.split(","),
                state_dir,
                (21_578, 100_000),
            )
    if args.hundred:
        hundred_pages(args)
    if args.cost_pages:
        build_and_search_cost(args)


if __name__ == "__main__":
    main()
