"""External metrics against hand-computed values, scikit-learn and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn import metrics as skm

from musicbench import MetricUndefined
from musicbench.plugins.metrics.external import accuracy, ami, ari, contingency_table, nmi, purity

TRUTH = np.array(["rock", "rock", "pop", "pop"], dtype=object)
PRED = np.array([0, 0, 0, 1])


def test_hand_computed_small_example() -> None:
    # contingency: rock -> cluster 0 twice; pop -> cluster 0 once, cluster 1 once
    assert contingency_table(TRUTH, PRED).tolist() == [[2, 0], [1, 1]]
    assert purity(TRUTH, PRED) == 0.75  # (2 + 1) / 4
    assert accuracy(TRUTH, PRED) == 0.75  # rock<->0, pop<->1
    # ARI: index sum C(2,2) = 1; expected = (C(2,2)+C(2,2)) * C(3,2) / C(4,2) = 1 -> 0
    assert ari(TRUTH, PRED) == pytest.approx(0.0)
    h_true = math.log(2)
    h_pred = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mutual = 0.5 * math.log(0.5 / (0.5 * 0.75)) + 0.25 * math.log(0.25 / (0.5 * 0.75)) + 0.25 * math.log(2)
    assert nmi(TRUTH, PRED) == pytest.approx(mutual / ((h_true + h_pred) / 2))


def test_perfect_clustering_scores_one_under_any_renaming() -> None:
    truth = np.array(["a", "a", "b", "b", "c", "c"], dtype=object)
    pred = np.array([5, 5, -1, -1, 2, 2])
    for metric in (nmi, ami, ari, purity, accuracy):
        assert metric(truth, pred) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_equal_to_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = np.array(["edm", "rap", "pop", "rock"], dtype=object)[rng.integers(0, 4, size=200)]
    pred = rng.integers(-1, 5, size=200)
    assert nmi(truth, pred) == pytest.approx(skm.normalized_mutual_info_score(truth, pred))
    assert ami(truth, pred) == pytest.approx(skm.adjusted_mutual_info_score(truth, pred))
    assert ari(truth, pred) == pytest.approx(skm.adjusted_rand_score(truth, pred))
    table = skm.cluster.contingency_matrix(truth, pred)
    assert purity(truth, pred) == pytest.approx(table.max(axis=0).sum() / 200)


def brute_force_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    """The best one-to-one matching, by trying every permutation."""
    table = contingency_table(truth, pred)
    size = max(table.shape)
    square = np.zeros((size, size), dtype=int)
    square[: table.shape[0], : table.shape[1]] = table
    best = max(sum(square[i, p[i]] for i in range(size)) for p in itertools.permutations(range(size)))
    return best / len(truth)


@pytest.mark.parametrize(("n_classes", "n_clusters"), [(3, 3), (2, 5), (5, 2), (4, 6), (6, 4)])
@pytest.mark.parametrize("seed", range(3))
def test_hungarian_accuracy_equals_brute_force(n_classes: int, n_clusters: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, size=40)
    pred = (truth + rng.integers(0, 2, size=40)) % n_clusters  # correlated, not perfect
    assert accuracy(truth, pred) == pytest.approx(brute_force_accuracy(truth, pred))


def test_one_cluster_and_all_noise_are_real_low_scores() -> None:
    truth = np.array(["a", "a", "b", "b", "b"], dtype=object)
    for pred in (np.zeros(5, dtype=int), np.full(5, -1)):
        assert nmi(truth, pred) == 0.0
        assert ami(truth, pred) == pytest.approx(0.0)
        assert ari(truth, pred) == 0.0
        assert purity(truth, pred) == pytest.approx(0.6)  # the majority class
        assert accuracy(truth, pred) == pytest.approx(0.6)


def test_one_point_per_cluster() -> None:
    truth = np.array(["a", "a", "b", "b"], dtype=object)
    pred = np.arange(4)
    assert purity(truth, pred) == 1.0  # why purity alone misleads
    assert accuracy(truth, pred) == 0.5  # only two clusters can be matched
    assert ari(truth, pred) == pytest.approx(0.0)


@pytest.mark.parametrize("metric", [nmi, ami, ari, purity, accuracy])
@pytest.mark.parametrize(
    ("truth", "reason"),
    [
        (np.array([], dtype=object), "no rows"),
        (np.array(["a", "a", "a"], dtype=object), "single class"),
        (np.array(["a", "", "b"], dtype=object), "missing"),
        (np.array(["a", None, "b"], dtype=object), "missing"),
        (np.array([1.0, np.nan, 2.0]), "missing"),
    ],
)
def test_undefined_cases_raise_metric_undefined(metric, truth: np.ndarray, reason: str) -> None:
    with pytest.raises(MetricUndefined, match=reason):
        metric(truth, np.arange(len(truth)) % 2)


def test_object_labels_that_are_not_strings_work() -> None:
    # pandas hands a column of mixed or integer codes over as dtype object
    truth = np.array([1, 1, 2, 2, 3, 3], dtype=object)
    pred = np.array([0, 0, 1, 1, 1, 2])
    assert nmi(truth, pred) == pytest.approx(skm.normalized_mutual_info_score(truth.astype(int), pred))
    assert purity(truth, pred) == pytest.approx(5 / 6)
