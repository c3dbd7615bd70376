"""Plans: the worker thread count is part of the keys when it can change the numbers."""

from __future__ import annotations

from musicbench import build_registry
from musicbench.benchmark.cache import embedding_key
from musicbench.benchmark.config import RunConfig
from musicbench.benchmark.hashing import package_versions
from musicbench.benchmark.plan import make_plan
from tests.benchmark.support import TOY


def test_threads_other_than_one_change_every_key_and_one_keeps_the_earlier_keys():
    registry = build_registry([TOY], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(n_tracks=60, lyrics=False).load()
    config = RunConfig(encoders={"torch-ae": {}}, clusterers={"kmeans-lite": {}}, seeds=[0])
    one, two = (make_plan(registry, config, dataset, threads=t).cells[0] for t in (1, 2))
    assert one.embedding.key != two.embedding.key and one.key != two.key
    assert one.config_id == two.config_id  # the same cell of the leaderboard, computed another way
    spec = one.embedding  # threads=1 hashes exactly what keys hashed before --threads was part of them
    version = registry.get("encoder", "torch-ae").source.version
    assert spec.key == embedding_key(dataset.fingerprint, "torch-ae", spec.params, 0, version, package_versions())
