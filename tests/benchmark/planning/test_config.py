"""Run configurations: grids expand, and every bad key or value fails before work."""

from __future__ import annotations

from pathlib import Path

import pytest

from musicbench import build_registry
from musicbench.benchmark.planning.config import OWN, RunConfig, expand, read_config, select
from musicbench.benchmark.planning.plan import make_plan
from musicbench.errors import ConfigError, DataError, UnknownPluginError
from tests.benchmark.support import TOY


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return build_registry([TOY], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})


@pytest.fixture(scope="module")
def dataset(registry):  # type: ignore[no-untyped-def]
    return registry.get("dataset", "synthetic").create(n_tracks=150, lyrics=False).load()


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_a_config_file_expands_its_grids_into_cells(tmp_path, registry, dataset):
    config = read_config(
        _toml(
            tmp_path,
            "seeds = [3, 7]\ntimeout = 5\n[dataset]\nname = 'synthetic'\n"
            "[encoders.pca-lite]\nn_components = [2, 3]\n"
            "[clusterers.kmeans-lite]\nn_init = [1, 2]\n",
        )
    )
    assert config.seeds == [3, 7] and config.timeout == 5.0
    config.clusterers = select(registry, "clusterer", None, config.clusterers, False)
    plan = make_plan(registry, config, dataset)
    assert len(plan.cells) == 2 * 2 * 2  # n_components x n_init x seeds
    assert len(plan.embeddings()) == 4  # clusterer settings share the embedding
    assert {c.params["n_init"] for c in plan.cells} == {1, 2} and {c.seed for c in plan.cells} == {3, 7}
    assert len({c.key for c in plan.cells}) == 8


def test_an_empty_list_for_a_single_valued_parameter_is_refused_where_its_type_is_known(tmp_path, registry):
    config = read_config(_toml(tmp_path, "[encoders.pca-lite]\nn_components = []\n"))
    with pytest.raises(ConfigError, match="run.toml: encoders.pca-lite.n_components is an empty list"):
        select(registry, "encoder", None, config.encoders, False)


def test_expand_is_a_stable_product():
    assert expand({"b": [1, 2], "a": ["x"]}) == [{"a": "x", "b": 1}, {"a": "x", "b": 2}]
    assert expand({}) == [{}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sedes = 3\n", "unknown key\\(s\\) sedes"),
        ("seeds = 0\n", "at least 1"),
        ("seeds = [1, 1]\n", "repeat"),
        ("timeout = -1\n", "positive"),
        ("[dataset]\nname = 'synthetic'\nparms = {}\n", "unknown key\\(s\\) parms"),
        ("[encoders.pca-lite]\nn_components = { grid = [] }\n", "empty grid"),
        ("[encoders.pca-lite]\nn_components = { values = [2] }\n", "must be \\{ grid"),
        ("[dataset]\nparams = { n_tracks = { grid = 5 } }\n", "must be \\{ grid"),
        ("seeds = \n", "not valid TOML"),
    ],
)
def test_bad_config_files_are_clear_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        read_config(_toml(tmp_path, text))


def test_unknown_plugins_parameters_and_bad_values_fail_before_work(registry, dataset):
    with pytest.raises(UnknownPluginError, match="pca-lite"):
        select(registry, "encoder", ["pca-lit"], {}, False)
    bad_param = RunConfig(encoders={"pca-lite": {"n_comp": [2]}}, clusterers={"kmeans-lite": {}})
    with pytest.raises(ConfigError, match="no parameter\\(s\\) n_comp"):
        make_plan(registry, bad_param, dataset)
    bad_value = RunConfig(encoders={"pca-lite": {}}, clusterers={"kmeans-lite": {"n_init": ["many"]}})
    with pytest.raises(ConfigError, match="kmeans-lite"):
        make_plan(registry, bad_value, dataset)  # scikit-learn's own constraints, checked up front
    too_many = RunConfig(encoders={"pca-lite": {}}, clusterers={"kmeans-lite": {"n_clusters": [500]}})
    with pytest.raises(DataError, match="500 clusters of 150 rows"):
        make_plan(registry, too_many, dataset)


def test_missing_modalities_and_own_clusterings_are_planned(registry, dataset):
    config = RunConfig(
        encoders={"lyrics-pca": {}, "mixture-embed": {}}, clusterers={"kmeans-lite": {}, OWN: {}}, seeds=[0]
    )
    cells = {(c.embedding.encoder, c.clusterer): c for c in make_plan(registry, config, dataset).cells}
    assert set(cells) == {("lyrics-pca", "kmeans-lite"), ("mixture-embed", "kmeans-lite"), ("mixture-embed", OWN)}
    assert "lyrics" in cells["lyrics-pca", "kmeans-lite"].skip_reason
    assert cells["mixture-embed", OWN].skip_reason is None
    assert cells["mixture-embed", OWN].embedding.params["n_clusters"] == dataset.n_classes()
