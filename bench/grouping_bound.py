#!/usr/bin/env python3
"""How much recall any grouping can reach at the issue's precision (issue 14): an upper bound.

Pairwise precision and recall score a partition of the versions against pairs that are similar
(Jaccard >= 0.8 or containment >= 0.9, as bench/grouping.py computes them).  When that truth is
not transitive (a short text inside two texts that are not similar to each other), no partition
has every similar pair and no dissimilar one; this script bounds the best one exactly enough to
say whether the target (precision >= 0.99 with recall >= 0.95) is reachable at all.

The bound.  Let TP and FP be the similar and dissimilar pairs a partition groups.  Precision
>= p means FP <= TP (1 - p) / p.  For any lam >= 0, every partition meeting it has
TP <= TP + lam (TP (1 - p) / p - FP), so the best TP under the constraint is at most
max over all partitions of that expression, and the smallest such maximum over lam is the bound.
The expression is a sum over pairs, so it is maximised component by component of the graph of
similar pairs (joining two components adds only dissimilar pairs, which cost).  Per component
it is a correlation-clustering problem, solved as a linear programme over pair variables with
the triangle inequalities (scipy's HiGHS): the linear relaxation's optimum is at least the best
partition's, so it stays an upper bound, and on small components it is exact (integral).

    .venv/bin/python bench/grouping_bound.py --sets edits,reuters
    .venv/bin/python bench/grouping_bound.py --sets generated --pages 100000
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grouping import LEVELS, TARGET_PRECISION, Truth, exact_truth  # noqa: E402
from story_sets import (  # noqa: E402
    edit_versions,
    generated_versions,
    reuters_articles,
    reuters_versions,
)

from indexer.index import stories  # noqa: E402
from indexer.index.stories import text_signature  # noqa: E402

# Components with more distinct texts than this get the trivial bound (every similar pair
# grouped, no dissimilar one): the triangle inequalities grow with the cube of the size.
LP_MAX_TEXTS = 40


def component_optimum(
    texts: npt.NDArray[np.int64],
    similar: dict[tuple[int, int], bool],
    weight_of: npt.NDArray[np.int64],
    gain: float,
    cost: float,
) -> float:
    """Max over partitions of the component's versions (relaxed to the triangle-inequality
    polytope) of the sum over grouped pairs of gain (similar or identical texts) or -cost.
    A component of more than LP_MAX_TEXTS versions is solved over its texts instead, each
    text's copies kept together (as the product keeps them), weighted by their pairs."""
    from scipy.optimize import linprog

    # One node per version, not per text: a partition may put two copies of one text in
    # different stories (the product never does), and the bound must hold for those too.
    nodes = np.repeat(texts, weight_of[texts])
    weight = np.ones(len(nodes))
    if len(nodes) > LP_MAX_TEXTS:  # too many versions: texts, each with its copies together
        nodes, weight = texts, weight_of[texts].astype(float)
    n = len(nodes)
    pairs = list(itertools.combinations(range(n), 2))
    index = {pair: k for k, pair in enumerate(pairs)}
    values = np.empty(len(pairs))
    for k, (i, j) in enumerate(pairs):
        a, b = int(nodes[i]), int(nodes[j])
        alike = a == b or similar.get((min(a, b), max(a, b)), False)
        values[k] = (gain if alike else -cost) * weight[i] * weight[j]
    if (values >= 0).all():
        return float(values.sum())
    rows, cols, data = [], [], []
    row = 0
    for i, j, k in itertools.combinations(range(n), 3):
        ij, jk, ik = index[(i, j)], index[(j, k)], index[(i, k)]
        for plus_a, plus_b, minus in ((ij, jk, ik), (ij, ik, jk), (ik, jk, ij)):
            rows += [row, row, row]
            cols += [plus_a, plus_b, minus]
            data += [1.0, 1.0, -1.0]
            row += 1
    from scipy.sparse import csr_matrix

    constraints = csr_matrix((data, (rows, cols)), shape=(row, len(pairs)))
    found = linprog(
        -values,
        A_ub=constraints,
        b_ub=np.ones(row),
        bounds=(0, 1),
        method="highs",
    )
    if found.status != 0:
        raise RuntimeError(f"linprog failed: {found.message}")
    return float(-found.fun)


def bound(truth: Truth, precision: float, lams: Sequence[float]) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    level = LEVELS[0]
    similar_mask = truth.similar(level)
    left, right = truth.left[similar_mask], truth.right[similar_mask]
    weights = truth.copies
    identical = truth.identical_pairs()
    target = int((weights[left] * weights[right]).sum()) + identical
    n = len(truth.copies)
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    sizes = np.bincount(label, minlength=count)
    similar = {(int(a), int(b)): True for a, b in zip(left, right, strict=True)}
    ratio = (1 - precision) / precision
    multi = np.flatnonzero(sizes > 1)
    members: dict[int, list[int]] = {int(c): [] for c in multi}
    for text in np.flatnonzero(sizes[label] > 1):
        members[int(label[text])].append(int(text))
    print(
        f"  {n:,} distinct texts, {len(left):,} similar pairs of texts, {target:,} target pairs of"
        f" versions ({identical:,} between identical texts); components with two or more texts:"
        f" {len(multi):,}, largest {int(sizes.max()):,} texts;"
        f" {int((sizes[multi] > LP_MAX_TEXTS).sum())} above {LP_MAX_TEXTS} (trivial bound)",
        flush=True,
    )
    # Pairs inside components that are not similar: what a component can not group for free.
    best: tuple[float, float] | None = None
    for lam in lams:
        gain, cost = 1 + lam * ratio, lam
        # Identical copies of a text alone in its component: grouped together at no cost.
        alone = weights[sizes[label] == 1]
        total = float((alone * (alone - 1) // 2).sum()) * gain
        started = time.perf_counter()
        for component, texts in members.items():
            array = np.array(texts, dtype=np.int64)
            if len(texts) > LP_MAX_TEXTS:
                inside = [(a, b) for a, b in similar if label[a] == component]
                copies = weights[array]
                same = int((copies * (copies - 1) // 2).sum())
                total += gain * (same + sum(int(weights[a] * weights[b]) for a, b in inside))
            else:
                total += component_optimum(array, similar, weights, gain, cost)
                if int(weights[array].sum()) > LP_MAX_TEXTS:  # texts as nodes: their copies
                    copies = weights[array]
                    total += gain * int((copies * (copies - 1) // 2).sum())
        tp_bound = total  # TP + lam (TP ratio - FP) >= TP for every feasible partition
        recall = min(1.0, tp_bound / target)
        print(
            f"  lambda {lam:>7g}: recall at precision >= {precision} is at most {recall:.4f}"
            f" ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        if best is None or recall < best[1]:
            best = (lam, recall)
    assert best is not None
    print(f"  bound: recall <= {best[1]:.4f} (lambda {best[0]:g}); the target asks 0.95")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="edits,reuters")
    parser.add_argument("--edit-seeds", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/artsearch-grouping"))
    parser.add_argument("--lambdas", default="0,1,3,10,30,100,300,1000")
    args = parser.parse_args()
    lams = [float(x) for x in args.lambdas.split(",")]
    articles = reuters_articles() if {"edits", "reuters"} & set(args.sets.split(",")) else []
    for name in args.sets.split(","):
        if name == "edits":
            versions = edit_versions(articles, args.edit_seeds, args.seed)
        elif name == "reuters":
            versions = reuters_versions(articles)
        elif name == "generated":
            versions = generated_versions(args.pages, args.seed, args.out)
        else:
            sys.exit(f"unknown set {name!r}: edits, reuters or generated")
        versions = [v for v in versions if stories._WORD.search(v.text)]
        print(f"\n== {name}: {len(versions):,} versions with text", flush=True)
        truth = exact_truth([text_signature(v.text) for v in versions], LEVELS[0])
        bound(truth, TARGET_PRECISION, lams)


if __name__ == "__main__":
    main()
