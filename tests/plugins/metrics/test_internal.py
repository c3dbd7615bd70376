"""Internal metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from musicbench import MetricUndefined
from musicbench.plugins.metrics import internal
from musicbench.plugins.metrics.internal import calinski_harabasz, davies_bouldin, silhouette

X = np.array([[0.0], [1.0], [4.0], [5.0]])
LABELS = np.array([0, 0, 1, 1])


def test_hand_computed_small_example() -> None:
    # points 0 and 5: a = 1, b = 4.5; points 1 and 4: a = 1, b = 3.5
    assert silhouette(X, LABELS) == pytest.approx((3.5 / 4.5 + 2.5 / 3.5) / 2)
    # centres 0.5 and 4.5 around 2.5: between = 4 * 2^2 = 16 over 1 dof; within = 4 * 0.25 = 1 over 2
    assert calinski_harabasz(X, LABELS) == pytest.approx(32.0)
    # spreads 0.5 and 0.5, centres 4 apart
    assert davies_bouldin(X, LABELS) == pytest.approx(0.25)


@pytest.mark.parametrize("seed", range(4))
def test_equal_to_sklearn(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(300, 5))
    labels = rng.integers(0, 4, size=300)
    labels[:3] = 9  # a small cluster
    labels[3] = 11  # a singleton, whose silhouette is 0
    monkeypatch.setattr(internal, "CHUNK_BYTES", 8 * 300 * 7)  # several blocks of 7 rows
    assert silhouette(points, labels) == pytest.approx(skm.silhouette_score(points, labels), abs=1e-10)
    # scikit-learn keeps float32 input in float32; we compute in float64
    as32 = points.astype(np.float32)
    assert silhouette(as32, labels) == pytest.approx(skm.silhouette_score(as32, labels), abs=1e-6)
    assert calinski_harabasz(points, labels) == pytest.approx(skm.calinski_harabasz_score(points, labels))
    assert davies_bouldin(points, labels) == pytest.approx(skm.davies_bouldin_score(points, labels))


def test_duplicated_points_give_a_finite_silhouette() -> None:
    points = np.array([[0.0], [0.0], [3.0], [3.0], [3.0]])
    labels = np.array([0, 0, 1, 1, 1])
    assert silhouette(points, labels) == pytest.approx(skm.silhouette_score(points, labels))


@pytest.mark.parametrize("metric", [silhouette, calinski_harabasz, davies_bouldin])
@pytest.mark.parametrize(
    ("points", "labels", "reason"),
    [
        (X, np.zeros(4, dtype=int), "fewer than 2 clusters"),
        (X[:0], LABELS[:0], "all are noise"),
        (X, np.arange(4), "as many clusters as points"),
        (np.array([[0.0], [np.nan], [4.0], [5.0]]), LABELS, "non-finite"),
    ],
)
def test_undefined_cases_raise_metric_undefined(metric, points, labels, reason: str) -> None:
    with pytest.raises(MetricUndefined, match=reason):
        metric(points, labels)


def test_remembered_distances_give_bit_identical_silhouettes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    points = rng.normal(size=(400, 6))
    partitions = [rng.integers(0, k, size=400) for k in (2, 3, 7)]
    monkeypatch.setattr(internal, "_memo", internal.OrderedDict())
    monkeypatch.setattr(internal, "MEMO_BYTES", 0)  # nothing remembered: each call computes its distances
    fresh = [silhouette(points, labels) for labels in partitions]
    assert not internal._memo
    monkeypatch.setattr(internal, "MEMO_BYTES", 64 * 1024**2)
    remembered = [silhouette(points, labels) for labels in partitions]
    assert len(internal._memo) == 1  # one set of points, computed once
    assert remembered == fresh  # exactly, not approximately


def test_the_memory_of_distances_stays_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internal, "_memo", internal.OrderedDict())
    monkeypatch.setattr(internal, "MEMO_BYTES", 3 * 8 * 100 * 100)  # room for three 100-point matrices
    rng = np.random.default_rng(6)
    sets = [rng.normal(size=(100, 3)) for _ in range(5)]
    for points in sets:
        silhouette(points, np.arange(100) % 3)
    assert len(internal._memo) == 3
    kept = sum(b.nbytes for blocks in internal._memo.values() for b in blocks)
    assert kept <= internal.MEMO_BYTES
    big = rng.normal(size=(200, 3))  # its matrix is over half the budget: never kept
    silhouette(big, np.arange(200) % 3)
    assert len(internal._memo) == 3
