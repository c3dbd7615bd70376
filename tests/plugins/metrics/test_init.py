"""Every registered metric: registration facts and the contract."""

from __future__ import annotations

import pytest

from benchmark.checks import check_metric, tiny_dataset
from registry import Registry, build_registry

METRICS = build_registry(entry_points=False, environ={}).names("metric")
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


@pytest.mark.parametrize("name", METRICS)
def test_contract(registry: Registry, name: str) -> None:
    assert check_metric(registry.get("metric", name), tiny_dataset(registry)) == []
