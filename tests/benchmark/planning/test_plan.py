"""make_plan: which cells a run has, which are skipped before any work, and what enters their keys."""

from __future__ import annotations

from pathlib import Path

from musicbench import build_registry
from musicbench.benchmark.planning.config import OWN, RunConfig
from musicbench.benchmark.planning.plan import make_plan
from musicbench.benchmark.results.cache import embedding_key
from musicbench.hashing import package_versions
from tests.benchmark.support import ISOLATE, TOY

PLUGIN = """
from sklearn.cluster import KMeans
from musicbench import hookimpl


@hookimpl
def register_clusterers(register):
    register("!first", KMeans, defaults={"n_init": 1})
    # a planned peak of 1000 bytes per feature: only the feature count decides the skip
    register("per-feature", KMeans, defaults={"n_init": 1}, memory_bytes=lambda n, d, params: 1000 * d)
"""


def _plan(tmp_path: Path, clusterers: dict, budget: int | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "plan_plugin.py").write_text(PLUGIN)
    registry = build_registry([TOY, tmp_path / "plan_plugin.py"], ISOLATE[1::2], entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(n_tracks=150, lyrics=False).load()
    config = RunConfig(
        dataset="synthetic", encoders={"mixture-embed": {}}, clusterers=clusterers, seeds=[0], memory_budget=budget
    )
    return make_plan(registry, config, dataset), dataset


def test_any_clusterer_name_is_planned_beside_the_encoders_own(tmp_path: Path) -> None:
    plan, _ = _plan(tmp_path, {"!first": {}, OWN: {}})  # "!" sorts before "(own)"
    assert sorted(c.clusterer for c in plan.cells) == sorted(["!first", OWN])


def test_the_memory_rule_is_given_the_feature_count(tmp_path: Path) -> None:
    _, dataset = _plan(tmp_path, {"!first": {}})
    n_features = dataset.audio.shape[1]
    assert n_features * 1000 < dataset.n_tracks * 1000  # so a row count in its place would differ
    (fits,) = _plan(tmp_path, {"per-feature": {}}, budget=1000 * n_features)[0].cells
    (over,) = _plan(tmp_path, {"per-feature": {}}, budget=1000 * n_features - 1)[0].cells
    assert fits.skip_reason is None
    assert over.skip_reason is not None and "over the memory budget" in over.skip_reason


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
