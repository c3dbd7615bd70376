"""The skip rules: size and memory (parameter resolution: tests/registry/test_resolution.py)."""

from __future__ import annotations

from musicbench import PluginEntry, PluginSource
from musicbench.benchmark.planning.factories import memory_skip_reason

SOURCE = PluginSource("test", "file", "here", "0")


class Clusterer:
    def __init__(self, n_clusters=8, random_state=None, min_size=5):
        self.n_clusters, self.random_state, self.min_size = n_clusters, random_state, min_size


def entry(**meta) -> PluginEntry:
    return PluginEntry("clusterer", "c", Clusterer, SOURCE, defaults={"min_size": 7}, meta=meta)


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
