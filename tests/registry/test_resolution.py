"""Parameter resolution: the order of musicbench.info's "Which defaults win", as code."""

from __future__ import annotations

import pytest

from musicbench import ConfigError, DataError, PluginEntry, PluginSource, info
from musicbench.resolution import check_params, resolve_clusterer_params, resolve_encoder_params

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


def test_the_documented_order_registered_then_derived_then_user_then_seed() -> None:
    """Each step of info.py's list overrides the one before it."""
    registered = PluginEntry(
        "clusterer",
        "c",
        Clusterer,
        SOURCE,
        defaults={"min_size": 7, "n_clusters": 99, "random_state": 5},
        meta={"auto_params": lambda n, k: {"min_size": 11}},
    )
    assert resolve_clusterer_params(registered, {}, 100, 6, seed=3) == {
        "min_size": 11,  # 3. derived beats 2. registered
        "n_clusters": 6,  # 3. the dataset's count beats 2. registered
        "random_state": 3,  # 5. the seed beats a registered default
    }
    assert resolve_clusterer_params(registered, {"min_size": 2, "n_clusters": 4}, 100, 6, seed=3) == {
        "min_size": 2,  # 4. the user beats 3. derived
        "n_clusters": 4,
        "random_state": 3,
    }
    own = PluginEntry("encoder", "e", Clusterer, SOURCE, defaults={"random_state": 5, "min_size": 1})
    assert resolve_encoder_params(own, {"min_size": 3}, seed=9, n_clusters=6) == {
        "min_size": 3,
        "n_clusters": 6,
        "random_state": 9,
    }
    assert "5. the seed" in (info.__doc__ or "")


@pytest.mark.parametrize("kind", ["encoder", "clusterer"])
def test_a_user_random_state_is_refused_pointing_to_the_seeds(kind: str) -> None:
    """A cell records its seed: a user random_state would make every seed the same cell."""
    option = "-E" if kind == "encoder" else "-C"
    with pytest.raises(ConfigError, match=rf"random_state is set by the run.*\({option} e.random_state.*--seeds N"):
        check_params(kind, "e", Clusterer, {"random_state": 1})
    with pytest.raises(ConfigError, match="--seeds"):
        if kind == "encoder":
            resolve_encoder_params(PluginEntry("encoder", "e", Clusterer, SOURCE), {"random_state": 1}, seed=0)
        else:
            resolve_clusterer_params(entry(), {"random_state": 1}, 100, 6, seed=0)
    check_params("dataset", "d", Clusterer, {"random_state": 1})  # a loader's own parameter stays allowed
