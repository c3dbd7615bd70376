"""Every input of every key changes the key, checked where the planner builds it.

A key that misses an input returns a stale embedding or cell (MTEB #5383): after a
local plugin file was edited, a planner that left the plugin's version out of the
embedding key reused the old vectors. Each test changes exactly one input and
compares the plan's keys with those of an unchanged plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.cluster import KMeans

from musicbench import Dataset, Registry, build_registry
from musicbench.benchmark.planning import plan as plan_module
from musicbench.benchmark.planning.config import OWN, RunConfig
from musicbench.benchmark.planning.plan import Plan, make_plan
from musicbench.hashing import TRACKED_PACKAGES, package_versions
from tests.benchmark.support import ISOLATE, TOY

ENCODER_PLUGIN = """
from sklearn.decomposition import PCA
from sklearn.base import BaseEstimator
from musicbench import hookimpl


class Pca(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, n_components=3, whiten=False, random_state=None):
        self.n_components, self.whiten, self.random_state = n_components, whiten, random_state

    def fit(self, dataset):
        self.pca_ = PCA(self.n_components, whiten=self.whiten, random_state=self.random_state).fit(dataset.audio)
        return self

    def transform(self, dataset):
        return self.pca_.transform(dataset.audio)


@hookimpl
def register_encoders(register):
    register("pca-file", Pca)
"""
CLUSTERER_PLUGIN = """
from sklearn.cluster import KMeans
from musicbench import hookimpl


@hookimpl
def register_clusterers(register):
    register("kmeans-file", KMeans, defaults={"n_init": 1})
"""


def _registry(folder: Path, encoder_source: str = ENCODER_PLUGIN, clusterer_source: str = CLUSTERER_PLUGIN) -> Registry:
    (folder / "enc_plugin.py").write_text(encoder_source)
    (folder / "clu_plugin.py").write_text(clusterer_source)
    return build_registry(
        [folder / "enc_plugin.py", folder / "clu_plugin.py"], ISOLATE[1::2], entry_points=False, environ={}
    )


def _dataset(registry: Registry, seed: int = 0) -> Dataset:
    return registry.get("dataset", "synthetic").create(n_tracks=120, lyrics=False, seed=seed).load()


def _config(
    encoder_args: dict | None = None, clusterer_args: dict | None = None, seeds: list[int] | None = None
) -> RunConfig:
    grid = lambda args: {k: [v] for k, v in (args or {}).items()}  # noqa: E731
    return RunConfig(
        dataset="synthetic",
        encoders={"pca-file": grid(encoder_args)},
        clusterers={"kmeans-file": grid(clusterer_args)},
        seeds=seeds or [0],
    )


def _keys(plan: Plan) -> tuple[str, str, str]:
    (cell,) = plan.cells
    return cell.embedding.key, cell.key, cell.config_id


@pytest.fixture()
def base(tmp_path: Path) -> tuple[Registry, Dataset, tuple[str, str, str]]:
    registry = _registry(tmp_path)
    dataset = _dataset(registry)
    return registry, dataset, _keys(make_plan(registry, _config(), dataset))


def test_the_same_inputs_give_the_same_keys(base, tmp_path: Path) -> None:
    registry, dataset, keys = base
    again = tmp_path / "again"
    again.mkdir()
    other = _registry(again)  # a fresh registry from identical files, another folder
    assert _keys(make_plan(other, _config(), _dataset(other))) == keys


def test_the_dataset_fingerprint(base) -> None:
    registry, dataset, (embedding, cell, config) = base
    other = _dataset(registry, seed=1)
    assert other.fingerprint != dataset.fingerprint
    changed = _keys(make_plan(registry, _config(), other))
    assert changed[0] != embedding and changed[1] != cell and changed[2] != config


@pytest.mark.parametrize("args", [{"n_components": 2}, {"whiten": True}])
def test_each_encoder_parameter(base, args: dict) -> None:
    registry, dataset, (embedding, cell, config) = base
    changed = _keys(make_plan(registry, _config(encoder_args=args), dataset))
    assert changed[0] != embedding and changed[1] != cell and changed[2] != config


def test_a_parameter_given_at_its_default_value_is_the_same_cell(base) -> None:
    registry, dataset, keys = base
    assert _keys(make_plan(registry, _config(encoder_args={"n_components": 3}), dataset)) == keys


@pytest.mark.parametrize("args", [{"n_clusters": 3}, {"max_iter": 50}, {"n_init": 2}])
def test_each_clusterer_parameter(base, args: dict) -> None:
    registry, dataset, (embedding, cell, config) = base
    changed = _keys(make_plan(registry, _config(clusterer_args=args), dataset))
    assert changed[0] == embedding  # the embedding is shared whatever clusters it
    assert changed[1] != cell and changed[2] != config


def test_an_encoder_class_default(base, monkeypatch: pytest.MonkeyPatch) -> None:
    registry, dataset, (embedding, cell, config) = base
    factory = registry.get("encoder", "pca-file").factory
    monkeypatch.setattr(factory.__init__, "__defaults__", (3, True, None))  # whiten now defaults to True
    changed = _keys(make_plan(registry, _config(), dataset))
    assert changed[0] != embedding and changed[1] != cell


def test_a_clusterer_class_default(base, monkeypatch: pytest.MonkeyPatch) -> None:
    registry, dataset, (embedding, cell, config) = base
    monkeypatch.setitem(KMeans.__init__.__kwdefaults__, "tol", 0.5)
    changed = _keys(make_plan(registry, _config(), dataset))
    assert changed[0] == embedding and changed[1] != cell


def test_the_seed(base) -> None:
    registry, dataset, (embedding, cell, config) = base
    plan = make_plan(registry, _config(seeds=[0, 1]), dataset)
    first, second = plan.cells
    assert (first.seed, second.seed) == (0, 1)
    assert (first.embedding.key, first.key, first.config_id) == (embedding, cell, config)
    assert second.embedding.key != embedding and second.key != cell and second.config_id != config
    assert second.embedding.params["random_state"] == 1 and second.params["random_state"] == 1


def test_the_encoder_plugin_version(base, tmp_path: Path) -> None:
    registry, dataset, (embedding, cell, config) = base
    edited = tmp_path / "edited"
    edited.mkdir()
    other = _registry(edited, encoder_source=ENCODER_PLUGIN + "\n# fixed a bug\n")
    assert other.plugin_versions()["enc_plugin"] != registry.plugin_versions()["enc_plugin"]
    changed = _keys(make_plan(other, _config(), _dataset(other)))
    assert changed[0] != embedding and changed[1] != cell
    assert changed[2] == config  # the same cell across versions: leaderboards keep the newest


def test_the_clusterer_plugin_version(base, tmp_path: Path) -> None:
    registry, dataset, (embedding, cell, config) = base
    edited = tmp_path / "edited"
    edited.mkdir()
    other = _registry(edited, clusterer_source=CLUSTERER_PLUGIN + "\n# fixed a bug\n")
    changed = _keys(make_plan(other, _config(), _dataset(other)))
    assert changed[0] == embedding and changed[1] != cell and changed[2] == config


@pytest.mark.parametrize("package", ["python", *TRACKED_PACKAGES])
def test_each_library_version(base, monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    registry, dataset, (embedding, cell, config) = base
    versions = {**package_versions(), package: "0.0.0-other"}
    monkeypatch.setattr(plan_module, "package_versions", lambda: versions)
    changed = _keys(make_plan(registry, _config(), dataset))
    assert changed[0] != embedding and changed[1] != cell and changed[2] == config


def test_the_tracked_versions_are_the_installed_ones() -> None:
    import numpy
    import sklearn

    versions = package_versions()
    assert set(versions) == {"python", *TRACKED_PACKAGES}
    assert versions["numpy"] == numpy.__version__ and versions["scikit-learn"] == sklearn.__version__


def test_an_encoders_own_clustering_is_keyed_by_its_version(tmp_path: Path) -> None:
    def own_cells(folder: Path, extra: str) -> list:
        folder.mkdir()
        (folder / "toy.py").write_text(TOY.read_text() + extra)
        registry = build_registry([folder / "toy.py"], ISOLATE[1::2], entry_points=False, environ={})
        config = RunConfig(dataset="synthetic", encoders={"mixture-embed": {}}, clusterers={OWN: {}}, seeds=[0])
        return make_plan(registry, config, _dataset(registry)).cells

    (a,), (b,) = own_cells(tmp_path / "a", ""), own_cells(tmp_path / "b", "\n# edited\n")
    assert a.clusterer == OWN and a.key != b.key and a.config_id == b.config_id
