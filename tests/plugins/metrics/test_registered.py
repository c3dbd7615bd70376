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


def _probe_predictions(X: np.ndarray, truth: np.ndarray) -> np.ndarray:
    # an independent out-of-fold logistic regression (5 stratified folds)
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = StratifiedKFold(5, shuffle=True, random_state=20_240_601)
    return cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)), X, truth, cv=folds)


EMBEDDING = {
    "probe_accuracy": lambda X, t: float(np.mean(_probe_predictions(X, t) == t)),
    "probe_nmi": lambda X, t: sk.normalized_mutual_info_score(t, _probe_predictions(X, t)),
}


def test_every_registered_metric_is_checked_here(registry: Registry) -> None:
    assert set(registry.names("metric")) == set(EXTERNAL) | set(INTERNAL) | set(PARTITION) | set(EMBEDDING)


@pytest.mark.parametrize("name", sorted(EMBEDDING))
def test_embedding_metric_by_name(registry: Registry, name: str) -> None:
    func = registry.get("metric", name).factory
    assert func(X, TRUTH) == pytest.approx(EMBEDDING[name](X, TRUTH), abs=1e-12)


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


# The metrics the leaderboard's bootstrap can recompute (AMI's expected value is too slow).
CONTINGENCY = ("nmi", "ari", "purity", "accuracy")


def _weighted_table(truth: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Counts of (class, cluster) with each row counted ``weights`` times, every cluster kept."""
    classes, clusters = np.unique(truth, return_inverse=True)[1], np.unique(pred, return_inverse=True)[1]
    table = np.zeros((classes.max() + 1, clusters.max() + 1))
    np.add.at(table, (classes, clusters), weights)
    return table


def test_the_metrics_with_a_contingency_form(registry: Registry) -> None:
    declared = {e.name for e in registry.entries("metric") if e.contingency_form() is not None}
    assert declared == set(CONTINGENCY)


@pytest.mark.parametrize("name", CONTINGENCY)
def test_contingency_form_by_name(registry: Registry, name: str) -> None:
    form = registry.get("metric", name).contingency_form()
    assert form is not None
    # scikit-learn builds the table: independent of the code under test
    table = sk.cluster.contingency_matrix(TRUTH, PRED)
    assert form(table[None])[0] == pytest.approx(EXTERNAL[name](TRUTH, PRED), abs=1e-12)
    # a bootstrap replicate counts a row drawn twice twice: the same as repeating the row,
    # and a cluster left empty (a zero column) changes nothing
    draws = RNG.integers(0, 3, TRUTH.size)
    drawn = np.repeat(np.arange(TRUTH.size), draws)
    stack = np.stack([_weighted_table(TRUTH, PRED, np.ones(TRUTH.size)), _weighted_table(TRUTH, PRED, draws)])
    expected = [EXTERNAL[name](TRUTH, PRED), EXTERNAL[name](TRUTH[drawn], PRED[drawn])]
    np.testing.assert_allclose(form(stack), expected, rtol=0, atol=1e-12)


ONE_PER_ROW = np.arange(80)
EDGE_CASES = {  # what each metric gives, from scikit-learn or by hand (TRUTH is 40 / 25 / 15 rows)
    "one cluster": (np.zeros(80, dtype=int), {"nmi": 0.0, "ari": 0.0, "purity": 40 / 80, "accuracy": 40 / 80}),
    "one per row": (
        ONE_PER_ROW,
        {
            "nmi": sk.normalized_mutual_info_score(TRUTH, ONE_PER_ROW),
            "ari": sk.adjusted_rand_score(TRUTH, ONE_PER_ROW),
            "purity": 1.0,
            "accuracy": 3 / 80,  # one row per class can be matched
        },
    ),
    "perfect": (np.repeat([7, 3, 5], [40, 25, 15]), dict.fromkeys(CONTINGENCY, 1.0)),
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
@pytest.mark.parametrize("name", CONTINGENCY)
def test_the_label_function_and_the_form_agree_on_edge_cases(registry: Registry, name: str, case: str) -> None:
    entry = registry.get("metric", name)
    form = entry.contingency_form()
    assert form is not None
    pred, expected = EDGE_CASES[case]
    table = sk.cluster.contingency_matrix(TRUTH, pred)
    assert form(table[None])[0] == pytest.approx(expected[name], abs=1e-12)
    assert entry.factory(TRUTH, pred) == pytest.approx(expected[name], abs=1e-12)
