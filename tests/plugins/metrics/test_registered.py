"""Each registered metric name computes what its name says: through the registry,
against an independent computation (scikit-learn or a case worked by hand).

A swap of two registrations (``ari`` computing AMI) passes every test of the
functions themselves; only a check by name catches it.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from musicbench import MetricUndefined, Registry

RNG = np.random.default_rng(7)
# Unequal class and cluster sizes, with noise (-1) and more clusters than classes, so
# that no two of the metrics coincide on them.
TRUTH = np.repeat(np.array(["rock", "pop", "jazz"]), [40, 25, 15])
PRED = np.where(RNG.random(80) < 0.7, np.repeat([0, 1, 2], [40, 25, 15]), RNG.integers(-1, 4, 80))
X = np.vstack([RNG.normal(loc=3.0 * c, size=(n, 3)) for c, n in enumerate([40, 25, 15])])
CLUSTERS = np.repeat([0, 1, 2], [40, 25, 15]) * (RNG.random(80) < 0.9)


def _hungarian_accuracy(truth: np.ndarray, pred: np.ndarray) -> float:
    # brute force over every assignment of classes to clusters: independent of the
    # contingency-table code under test
    from itertools import permutations

    classes, clusters = sorted(set(truth)), sorted(set(pred.tolist()))
    best = 0
    for chosen in permutations(clusters, len(classes)) if len(clusters) >= len(classes) else []:
        best = max(best, sum(int(np.sum((truth == c) & (pred == k))) for c, k in zip(classes, chosen, strict=True)))
    return best / len(truth)


EXTERNAL = {
    "nmi": lambda t, p: sk.normalized_mutual_info_score(t, p),
    "ami": lambda t, p: sk.adjusted_mutual_info_score(t, p),
    "ari": lambda t, p: sk.adjusted_rand_score(t, p),
    "purity": lambda t, p: sk.cluster.contingency_matrix(t, p).max(axis=0).sum() / len(t),
    "accuracy": _hungarian_accuracy,
}
INTERNAL = {
    "silhouette": sk.silhouette_score,
    "calinski_harabasz": sk.calinski_harabasz_score,
    "davies_bouldin": sk.davies_bouldin_score,
}
PARTITION = {
    "n_clusters": lambda p: len(set(p.tolist()) - {-1}),
    "noise_fraction": lambda p: float(np.count_nonzero(p == -1)) / len(p),
}


def test_every_registered_metric_is_checked_here(registry: Registry) -> None:
    assert set(registry.names("metric")) == set(EXTERNAL) | set(INTERNAL) | set(PARTITION)


def test_the_reference_values_tell_every_metric_apart() -> None:
    values = [f(TRUTH, PRED) for f in EXTERNAL.values()]
    assert len({round(v, 6) for v in values}) == len(values)
    values = [f(X, CLUSTERS) for f in INTERNAL.values()]
    assert len({round(v, 6) for v in values}) == len(values)


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_external_metric_by_name(registry: Registry, name: str) -> None:
    func = registry.get("metric", name).factory
    assert func(TRUTH, PRED) == pytest.approx(EXTERNAL[name](TRUTH, PRED), abs=1e-12)


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_internal_metric_by_name(registry: Registry, name: str) -> None:
    func = registry.get("metric", name).factory
    assert func(X, CLUSTERS) == pytest.approx(INTERNAL[name](X, CLUSTERS), rel=1e-9)


@pytest.mark.parametrize("name", sorted(PARTITION))
def test_partition_metric_by_name(registry: Registry, name: str) -> None:
    func = registry.get("metric", name).factory
    assert func(PRED) == PARTITION[name](PRED)


def test_hand_computed_case(registry: Registry) -> None:
    # 6 rows, classes a a a b b b, clusters 0 0 1 1 1 -1: the majority of cluster 0 is
    # a (2), of 1 is b (2 of 3), of -1 is b (1): purity 5/6. The best one-to-one
    # matching a->0, b->1 gets 2 + 2 = 4 of 6 right.
    truth = np.array(["a", "a", "a", "b", "b", "b"])
    pred = np.array([0, 0, 1, 1, 1, -1])
    get = lambda name: registry.get("metric", name).factory  # noqa: E731
    assert get("purity")(truth, pred) == pytest.approx(5 / 6)
    assert get("accuracy")(truth, pred) == pytest.approx(4 / 6)
    assert get("n_clusters")(pred) == 2.0
    assert get("noise_fraction")(pred) == pytest.approx(1 / 6)
    perfect = np.array([5, 5, 5, 9, 9, 9])
    for name in ("nmi", "ami", "ari", "purity", "accuracy"):
        assert get(name)(truth, perfect) == pytest.approx(1.0), name


@pytest.mark.parametrize("name", ["nmi", "ami", "ari"])
def test_one_cluster_scores_zero_and_one_class_is_undefined(registry: Registry, name: str) -> None:
    func = registry.get("metric", name).factory
    assert func(TRUTH, np.zeros(80, dtype=int)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(MetricUndefined):
        func(np.full(80, "rock"), PRED)
    with pytest.raises(MetricUndefined):
        func(np.array([], dtype=str), np.array([], dtype=int))
