"""Building estimators from registry entries."""

from __future__ import annotations

import pytest

from musicbench import ConfigError, DataError, PluginEntry, PluginSource
from musicbench.benchmark.planning.factories import memory_skip_reason, resolve_clusterer_params, resolve_encoder_params

SOURCE = PluginSource("test", "file", "here", "0")


class Clusterer:
    def __init__(self, n_clusters=8, random_state=None, min_size=5):
        self.n_clusters, self.random_state, self.min_size = n_clusters, random_state, min_size


def entry(**meta) -> PluginEntry:
    return PluginEntry("clusterer", "c", Clusterer, SOURCE, defaults={"min_size": 7}, meta=meta)


def test_cluster_count_and_seed_fill_unset_parameters() -> None:
    assert resolve_clusterer_params(entry(), {}, 100, 6, seed=3) == {"min_size": 7, "n_clusters": 6, "random_state": 3}
    assert resolve_clusterer_params(entry(), {"n_clusters": 2}, 100, 6, seed=3)["n_clusters"] == 2


def test_an_unlabelled_dataset_needs_an_explicit_cluster_count() -> None:
    with pytest.raises(DataError, match=r"-C c.n_clusters="):
        resolve_clusterer_params(entry(), {}, 100, 0, seed=0)  # no classes to default to
    assert resolve_clusterer_params(entry(), {"n_clusters": 4}, 100, 0, seed=0)["n_clusters"] == 4


def test_auto_parameters_from_meta() -> None:
    auto = entry(auto_params=lambda n, k: {"min_size": n // (10 * k)})
    assert resolve_clusterer_params(auto, {}, 600, 6, seed=0)["min_size"] == 10


def test_fewer_rows_than_clusters_is_a_data_error() -> None:
    with pytest.raises(DataError, match="Cannot make 6 clusters of 4 rows"):
        resolve_clusterer_params(entry(), {}, 4, 6, seed=0)


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ConfigError, match="has no parameter\\(s\\) n_cluster\\b.*accepts: min_size, n_clusters"):
        resolve_clusterer_params(entry(), {"n_cluster": 3}, 100, 6, seed=0)
    enc = PluginEntry("encoder", "e", Clusterer, SOURCE)
    assert resolve_encoder_params(enc, {}, seed=9)["random_state"] == 9


def test_memory_budget() -> None:
    quadratic = entry(memory_bytes=lambda n, d, p: 8 * n * n)
    assert memory_skip_reason(quadratic, {}, 1000, 10, budget=10**9) is None
    reason = memory_skip_reason(quadratic, {}, 1_000_000, 10, budget=8 * 1024**3)
    assert reason is not None and "7450.6 GiB" in reason and "1,000,000 rows" in reason
    assert memory_skip_reason(entry(), {}, 10**9, 10, budget=1) is None


def test_size_rule_for_encoders_and_clusterers() -> None:
    from musicbench.benchmark.planning.factories import size_skip_reason

    ruled = PluginEntry("encoder", "slow", Clusterer, SOURCE, meta={"max_samples": lambda p: (1000, "it is slow")})
    assert size_skip_reason(ruled, {}, 1000) is None
    assert size_skip_reason(ruled, {}, 1001) == "slow is skipped above 1,000 rows (1,001 given): it is slow"
    assert size_skip_reason(entry(), {}, 10**9) is None
