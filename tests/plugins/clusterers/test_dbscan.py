"""DBSCAN's automatic eps, its record, its chunking and its time guard."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SklearnDBSCAN
from sklearn.neighbors import NearestNeighbors

from musicbench.errors import ConfigError, ResourceLimitError
from musicbench.plugins.clusterers import dbscan
from musicbench.plugins.clusterers.dbscan import BYTES_PER_PAIR, DBSCAN, knee


def blobs(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, size=n)
    X = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0]])[truth] + rng.normal(size=(n, 2))
    return np.vstack([X, rng.uniform(-30, 40, size=(15, 2))])  # a few scattered outliers


def test_knee_of_a_flat_then_steep_curve() -> None:
    # 90 values rising slowly from 1.0 to 1.09, then 10 rising steeply to 10..100.
    values = np.concatenate([1.0 + 0.001 * np.arange(90), 10.0 * np.arange(1, 11)])
    assert knee(np.random.default_rng(0).permutation(values)) == pytest.approx(1.089)


def test_knee_of_a_flat_curve_is_its_value() -> None:
    assert knee(np.full(50, 2.5)) == 2.5
    assert knee(np.array([1.0, 3.0])) == 3.0


def test_auto_eps_is_the_knee_of_the_k_distances_and_recorded() -> None:
    X = blobs()
    model = DBSCAN().fit(X)
    min_samples = 2 * X.shape[1]
    k_distances = NearestNeighbors(n_neighbors=min_samples).fit(X).kneighbors(X)[0][:, -1]
    assert model.min_samples_ == min_samples
    assert model.eps_ == pytest.approx(knee(k_distances))
    assert model.fitted_params_ == {
        "eps": model.eps_,
        "min_samples": min_samples,
        "eps_rule": "knee",
        "knee_eps": model.eps_,
        "largest_cluster_share": pytest.approx(
            np.bincount(model.labels_[model.labels_ >= 0]).max() / (model.labels_ >= 0).sum()
        ),
    }
    # the three blobs are found and the scattered points are noise
    assert np.unique(model.labels_[model.labels_ >= 0]).size == 3
    assert (model.labels_[-15:] == -1).sum() >= 10


def test_labels_equal_sklearn_with_the_same_eps() -> None:
    X = blobs(seed=1)
    model = DBSCAN().fit(X)
    reference = SklearnDBSCAN(eps=model.eps_, min_samples=model.min_samples_).fit(X)
    np.testing.assert_array_equal(model.labels_, reference.labels_)


def test_given_eps_is_used() -> None:
    model = DBSCAN(eps=0.7, min_samples=5).fit(blobs())
    assert model.fitted_params_ == {"eps": 0.7, "min_samples": 5}


def test_the_knee_sample_does_not_depend_on_the_seed() -> None:
    # DBSCAN has no randomness of its own: it takes no random_state, and its knee
    # sample is drawn the same way every time, so equal inputs give equal labels.
    X = blobs(600)
    assert "random_state" not in DBSCAN().get_params()
    first = DBSCAN(knee_sample=50).fit(X)
    again = DBSCAN(knee_sample=50).fit(X)
    assert first.eps_ == again.eps_
    np.testing.assert_array_equal(first.labels_, again.labels_)


def overlapping(n: int = 2_000, seed: int = 0) -> np.ndarray:
    """Three Gaussian clusters close enough that the knee's eps chains them into one."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [2.5, 0.0], [0.0, 2.5]])
    return centres[rng.integers(0, 3, size=n)] + rng.normal(size=(n, 2))


def test_a_trivial_knee_falls_back_to_a_lower_quantile() -> None:
    X = overlapping()
    min_samples = 2 * X.shape[1]
    knee_only = SklearnDBSCAN(eps=DBSCAN().fit(X).fitted_params_["knee_eps"], min_samples=min_samples).fit(X)
    found = knee_only.labels_[knee_only.labels_ >= 0]
    assert np.bincount(found).max() / found.size >= dbscan.TRIVIAL_SHARE  # the knee's answer is trivial
    model = DBSCAN().fit(X)
    k_distances = NearestNeighbors(n_neighbors=min_samples).fit(X).kneighbors(X)[0][:, -1]
    record = model.fitted_params_
    assert record["eps_rule"].startswith("quantile ")
    quantile = float(record["eps_rule"].split()[1])
    assert model.eps_ == pytest.approx(np.quantile(k_distances, quantile))
    assert model.eps_ < record["knee_eps"]
    assert record["largest_cluster_share"] < dbscan.TRIVIAL_SHARE
    # the labels are still scikit-learn's for the eps chosen
    reference = SklearnDBSCAN(eps=model.eps_, min_samples=min_samples).fit(X)
    np.testing.assert_array_equal(model.labels_, reference.labels_)


def test_when_every_candidate_is_trivial_the_knee_stands_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    X = overlapping(600)
    monkeypatch.setattr(dbscan, "TRIVIAL_SHARE", 0.0)  # every partition counts as trivial
    model = DBSCAN().fit(X)
    record = model.fitted_params_
    assert record["eps_rule"] == "knee"
    assert model.eps_ == record["knee_eps"]
    found = model.labels_[model.labels_ >= 0]
    assert record["largest_cluster_share"] == pytest.approx(np.bincount(found).max() / found.size)


def test_a_giant_neighbourhood_is_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    # the knee's eps predicted to give each point most rows as neighbours: never fitted
    X = overlapping(600)
    walked: list[float] = []
    real = DBSCAN._labels

    def spy(self, X, neighbours, eps, min_samples, rows_per_chunk):  # type: ignore[no-untyped-def]
        walked.append(eps)
        return real(self, X, neighbours, eps, min_samples, rows_per_chunk)

    monkeypatch.setattr(DBSCAN, "_labels", spy)
    monkeypatch.setattr(dbscan, "GIANT_NEIGHBOURHOOD", 0.0)  # every neighbourhood counts as giant
    model = DBSCAN().fit(X)
    assert model.fitted_params_["eps_rule"] == "quantile 0.25"  # the last candidate, fitted to measure it
    assert walked == [model.eps_]


def test_a_radius_covering_everything_runs_in_small_chunks() -> None:
    # every point neighbours every other: one cluster, walked a few rows at a time
    X = blobs()
    model = DBSCAN(eps=100.0, min_samples=5, memory_budget=BYTES_PER_PAIR * X.shape[0] * 7).fit(X)
    np.testing.assert_array_equal(model.labels_, np.zeros(X.shape[0], dtype=int))


def test_the_chunked_walk_and_scikit_learns_dbscan_agree() -> None:
    # a budget too small for every neighbourhood at once switches to the chunked walk
    X = blobs(seed=2)
    whole = DBSCAN(eps=1.5, min_samples=6).fit(X)
    chunked = DBSCAN(eps=1.5, min_samples=6, memory_budget=BYTES_PER_PAIR * 2_000).fit(X)
    np.testing.assert_array_equal(whole.labels_, chunked.labels_)
    np.testing.assert_array_equal(whole.core_sample_indices_, chunked.core_sample_indices_)


def test_too_many_neighbour_pairs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbscan, "MAX_NEIGHBOUR_PAIRS", 10_000)
    with pytest.raises(ResourceLimitError, match=r"neighbour pairs, more than the 10,000"):
        DBSCAN(eps=100.0).fit(blobs())


@pytest.mark.parametrize(
    "params", [{"eps": -1.0}, {"eps": "big"}, {"min_samples": 0}, {"knee_sample": 1}, {"memory_budget": 0}]
)
def test_bad_parameters_are_config_errors(params: dict) -> None:
    with pytest.raises(ConfigError, match="dbscan"):
        DBSCAN(**params).fit(blobs())
