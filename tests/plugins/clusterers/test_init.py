"""Every registered clusterer: the defaults and the skip rules (the contract: tests/registry/test_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import Registry, build_registry
from musicbench.benchmark.planning.factories import DEFAULT_MEMORY_BUDGET, fitted_params, skip_reason
from musicbench.resolution import resolve_clusterer_params
from musicbench.testing import tiny_dataset

CLUSTERERS = build_registry(entry_points=False, environ={}).names("clusterer")


def test_the_built_ins_are_registered() -> None:
    assert set(CLUSTERERS) >= {"kmeans", "gmm", "agglomerative", "dbscan", "hdbscan"}


def test_kmeans_and_gmm_are_sklearn_classes_unwrapped(registry: Registry) -> None:
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    assert registry.get("clusterer", "kmeans").factory is KMeans
    assert registry.get("clusterer", "gmm").factory is GaussianMixture


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kmeans", {"n_clusters": 6, "n_init": 10, "random_state": 7}),
        ("gmm", {"n_components": 6, "random_state": 7}),
        ("agglomerative", {"n_clusters": 6, "linkage": "ward"}),
        ("hdbscan", {"min_cluster_size": 500, "min_samples": 10}),
    ],
)
def test_cluster_count_and_density_parameters_come_from_the_dataset(
    registry: Registry, name: str, expected: dict
) -> None:
    params = resolve_clusterer_params(registry.get("clusterer", name), {}, 30_000, 6, seed=7)
    assert expected.items() <= params.items()


def test_dbscan_is_not_given_the_seed(registry: Registry) -> None:
    # it has no randomness of its own, so its cells can share labels between seeds
    assert "random_state" not in resolve_clusterer_params(registry.get("clusterer", "dbscan"), {}, 30_000, 6, seed=7)


def test_user_parameters_override_the_automatic_ones(registry: Registry) -> None:
    entry = registry.get("clusterer", "hdbscan")
    assert resolve_clusterer_params(entry, {"min_cluster_size": 40}, 30_000, 6, seed=0)["min_cluster_size"] == 40


def test_clusterers_report_what_they_found(registry: Registry) -> None:
    dataset = tiny_dataset(registry)
    entry = registry.get("clusterer", "dbscan")
    model = entry.factory(**resolve_clusterer_params(entry, {}, dataset.n_tracks, 6, seed=0))
    labels = model.fit_predict(dataset.audio)
    assert {"eps", "min_samples", "eps_rule", "knee_eps", "largest_cluster_share"} == set(fitted_params(model))
    assert fitted_params(registry.get("clusterer", "kmeans").create()) == {}
    assert labels.min() >= -1


@pytest.mark.parametrize(
    ("name", "params", "n_samples", "reason"),
    [
        ("agglomerative", {"linkage": "ward"}, 28_356, None),
        ("agglomerative", {"linkage": "ward"}, 1_000_000, "skipped above 100,000 rows"),
        ("agglomerative", {"linkage": "complete"}, 28_356, None),
        ("agglomerative", {"linkage": "complete"}, 60_000, "over the memory budget"),
        ("hdbscan", {"min_samples": 10}, 100_000, None),
        ("hdbscan", {"min_samples": 10}, 1_000_000, "skipped above 500,000 rows"),
        ("kmeans", {"n_clusters": 6}, 1_000_000, None),
        ("gmm", {"n_components": 6}, 1_000_000, None),
        ("dbscan", {}, 200_000, None),
        ("dbscan", {}, 1_000_000, "skipped above 300,000 rows"),
    ],
)
def test_skip_rules(registry: Registry, name: str, params: dict, n_samples: int, reason: str | None) -> None:
    found = skip_reason(registry.get("clusterer", name), params, n_samples, 10, DEFAULT_MEMORY_BUDGET)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found and name in found


def test_the_memory_budget_is_a_parameter(registry: Registry) -> None:
    entry = registry.get("clusterer", "kmeans")
    assert skip_reason(entry, {"n_clusters": 6}, 1_000_000, 10, budget=10 * 1024**2) is not None
    assert np.isfinite(entry.info.memory_bytes(1_000_000, 10, {"n_clusters": 6}))


def test_hdbscan_marks_noise_and_scores_outliers(registry: Registry) -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, size=(100, 2)), rng.normal(12, 1, size=(100, 2)), [[40.0, -40.0]]])
    entry = registry.get("clusterer", "hdbscan")
    model = entry.factory(**resolve_clusterer_params(entry, {}, X.shape[0], 2, seed=0))
    labels = model.fit_predict(X)
    assert labels[-1] == -1 and np.unique(labels[labels >= 0]).size == 2
    assert model.outlier_scores_.shape == (X.shape[0],)
    assert model.outlier_scores_[-1] == model.outlier_scores_.max()


def test_dbscan_plans_for_one_chunk_of_neighbourhoods(registry: Registry) -> None:
    memory = registry.get("clusterer", "dbscan").info.memory_bytes
    assert memory(10_000, 10, {"memory_budget": 2**30}) - memory(10_000, 10, {"memory_budget": 2**20}) == 2**30 - 2**20
