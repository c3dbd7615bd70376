"""The embedding cache: keys that miss whenever an input changes, and safe files."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import build_registry
from musicbench.benchmark.planning.config import RunConfig
from musicbench.benchmark.planning.plan import make_plan
from musicbench.benchmark.results.cache import EmbeddingCache, embedding_key
from tests.benchmark.support import TOY

BASE = dict(
    dataset_fingerprint="f" * 64,
    encoder="vae",
    params={"latent_dim": 8, "beta": 1.0},
    seed=0,
    plugin_version="1.0",
    packages={"numpy": "2.4", "torch": "2.13"},
)


@pytest.mark.parametrize(
    "change",
    [
        {"dataset_fingerprint": "e" * 64},
        {"encoder": "beta-vae"},
        {"params": {"latent_dim": 16, "beta": 1.0}},
        {"params": {"latent_dim": 8, "beta": 1.0, "epochs": 5}},
        {"seed": 1},
        {"plugin_version": "1.1"},
        {"packages": {"numpy": "2.4", "torch": "2.14"}},
    ],
    ids=["dataset", "encoder", "param value", "extra param", "seed", "plugin version", "library version"],
)
def test_any_changed_input_changes_the_key(change):
    assert embedding_key(**{**BASE, **change}) != embedding_key(**BASE)


def test_the_key_ignores_parameter_order_and_tuple_vs_list():
    same = {**BASE, "params": {"beta": 1.0, "latent_dim": 8}}
    assert embedding_key(**same) == embedding_key(**BASE)
    assert embedding_key(**{**BASE, "params": {"dims": (1, 2)}}) == embedding_key(
        **{**BASE, "params": {"dims": [1, 2]}}
    )


def test_plan_keys_follow_the_dataset_the_parameters_and_the_seed():
    registry = build_registry([TOY], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})
    load = lambda **p: registry.get("dataset", "synthetic").create(n_tracks=120, **p).load()  # noqa: E731

    def keys(dataset, n_components):  # type: ignore[no-untyped-def]
        config = RunConfig(
            encoders={"pca-lite": {"n_components": [n_components]}}, clusterers={"kmeans-lite": {}}, seeds=[0, 1]
        )
        return [c.embedding.key for c in make_plan(registry, config, dataset).cells]

    base = keys(load(), 3)
    assert base[0] != base[1]  # seed
    assert keys(load(), 3) == base  # same inputs: a hit
    assert set(keys(load(seed=1), 3)).isdisjoint(base)  # another dataset
    assert set(keys(load(), 4)).isdisjoint(base)  # another parameter


def test_entries_round_trip_without_pickle_and_damage_is_a_miss(tmp_path):
    cache = EmbeddingCache(tmp_path)
    Z = np.arange(12, dtype=np.float32).reshape(4, 3)
    key = embedding_key(**BASE)
    assert cache.get(key) is None
    cache.put(key, Z, np.array([0, 1, 0, 1], dtype=np.int32), {"fit_s": 1.5})
    entry = cache.get(key)
    assert entry is not None and np.array_equal(entry.embedding, Z) and entry.meta["fit_s"] == 1.5
    assert list(entry.own_labels) == [0, 1, 0, 1]
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temporary files
    with pytest.raises(ValueError):
        cache.put(key, np.array([object()] * 4).reshape(4, 1), None, {})  # object arrays need pickle: refused
    (tmp_path / key[:2] / f"{key}.npy").write_bytes(b"not an array")
    assert cache.get(key) is None


def test_a_changed_class_default_misses_the_cache(tmp_path, monkeypatch):
    """A new plugin release that changes a default (not a user parameter) must not
    reuse embeddings computed under the old default (MTEB #5383)."""
    plugin = tmp_path / "versioned.py"
    # The file's bytes (and so its plugin version) stay the same; only the default moves.
    plugin.write_text("""
import os
import numpy as np
from sklearn.base import BaseEstimator
from musicbench import hookimpl

class Scaled(BaseEstimator):
    required_modalities = ("audio",)
    def __init__(self, factor=float(os.environ["SCALED_DEFAULT"]), random_state=None):
        self.factor, self.random_state = factor, random_state
    def fit(self, dataset):
        return self
    def transform(self, dataset):
        return (dataset.audio * self.factor).astype(np.float32)

@hookimpl
def register_encoders(register):
    register("scaled", Scaled)

@hookimpl
def register_clusterers(register):
    from sklearn.cluster import KMeans
    register("km", KMeans)
""")

    def key(factor: float) -> str:
        monkeypatch.setenv("SCALED_DEFAULT", str(factor))
        registry = build_registry([plugin], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})
        dataset = registry.get("dataset", "synthetic").create(n_tracks=60).load()
        config = RunConfig(encoders={"scaled": {}}, clusterers={"km": {}}, seeds=[0])
        return make_plan(registry, config, dataset).cells[0].embedding.key

    assert key(1.0) != key(2.0)


def test_entry_layout_metadata_and_membership(tmp_path):
    import dataclasses
    import json

    cache = EmbeddingCache(tmp_path)
    key = embedding_key(**BASE)
    assert key not in cache
    Z = np.ones((3, 2), dtype=np.float32)
    cache.put(key, Z, None, {"fit_s": 0.5, "encoder": "vae"})
    assert key in cache
    folder = tmp_path / key[:2]
    assert sorted(p.name for p in folder.iterdir()) == [f"{key}.json", f"{key}.npy"]  # no own labels file
    meta = json.loads((folder / f"{key}.json").read_text())
    assert meta == {"fit_s": 0.5, "encoder": "vae", "key": key, "n_tracks": 3, "own_labels": False}
    entry = cache.get(key)
    assert entry.own_labels is None and entry.meta == meta
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.meta = {}  # type: ignore[misc]  # a cached entry is read-only


def test_inconsistent_entries_are_misses(tmp_path):
    import json

    cache = EmbeddingCache(tmp_path)
    key = embedding_key(**BASE)
    cache.put(key, np.ones((4, 2), dtype=np.float32), np.zeros(4, dtype=np.int32), {})
    meta_path = tmp_path / key[:2] / f"{key}.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "n_tracks": 5}))  # rows do not match the metadata
    assert cache.get(key) is None
    meta_path.write_text(json.dumps(meta))
    assert cache.get(key) is not None
    (tmp_path / key[:2] / f"{key}.own.npy").unlink()  # the metadata promises own labels
    assert cache.get(key) is None
    meta_path.write_text("{not json")
    assert cache.get(key) is None and key in cache


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    from musicbench.benchmark.results.cache import _atomic_write

    target = tmp_path / "x.npy"

    def fail(handle):
        handle.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _atomic_write(target, fail)
    assert list(tmp_path.iterdir()) == []
    _atomic_write(target, lambda handle: handle.write(b"whole"))
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]


def test_the_key_defaults_to_the_installed_library_versions():
    from musicbench.hashing import package_versions

    without = {k: v for k, v in BASE.items() if k != "packages"}
    assert embedding_key(**without) == embedding_key(**without, packages=package_versions())
    assert embedding_key(**without) != embedding_key(**without, packages={})
