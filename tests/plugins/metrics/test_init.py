"""Every registered metric: registration facts, and the contract catching bad metrics
(the contract over every metric: tests/registry/test_contract.py)."""

from __future__ import annotations

import numpy as np

from musicbench import PluginEntry, PluginSource, Registry
from musicbench.testing import check_metric, run_check, tiny_dataset

EXPECTED = {
    "nmi": ("external", True),
    "ami": ("external", True),
    "ari": ("external", True),
    "purity": ("external", True),
    "accuracy": ("external", True),
    "silhouette": ("internal", True),
    "calinski_harabasz": ("internal", True),
    "davies_bouldin": ("internal", False),
    "n_clusters": ("partition", None),
    "noise_fraction": ("partition", None),
}


def test_scope_and_direction(registry: Registry) -> None:
    specs = {spec.name: spec for spec in registry.metrics()}
    assert {name: (specs[name].scope, specs[name].higher_is_better) for name in EXPECTED} == EXPECTED
    assert specs["nmi"].needs_labels and not specs["silhouette"].needs_labels
    assert specs["silhouette"].spaces == ("latent", "reference")


def _entry(func, scope: str) -> PluginEntry:
    source = PluginSource("fake", "file", "fake.py", "0")
    return PluginEntry("metric", "fake", func, source, meta={"scope": scope, "higher_is_better": True})


def test_the_contract_catches_a_metric_that_depends_on_cluster_ids(registry: Registry) -> None:
    entry = _entry(lambda labels: float(np.mean(labels)), "partition")
    assert "renaming the clusters changed the value" in check_metric(entry, tiny_dataset(registry))[0]


def test_the_contract_fails_a_metric_that_raises_on_one_cluster(registry: Registry) -> None:
    def fragile(X, labels):
        if len(set(labels.tolist())) < 2:
            raise ZeroDivisionError("one cluster")
        return 0.5

    assert run_check(_entry(fragile, "internal"), tiny_dataset(registry)).status == "fail"
