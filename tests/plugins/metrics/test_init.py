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


def _external(func, form) -> PluginEntry:
    source = PluginSource("fake", "file", "fake.py", "0")
    meta = {"scope": "external", "higher_is_better": True, "contingency": form}
    return PluginEntry("metric", "fake", func, source, meta=meta)


def test_the_contract_catches_a_contingency_form_that_disagrees(registry: Registry) -> None:
    from musicbench.plugins.metrics import contingency, external

    assert check_metric(_external(external.purity, contingency.purity), tiny_dataset(registry)) == []
    found = check_metric(_external(external.purity, contingency.accuracy), tiny_dataset(registry))
    assert any("the contingency form gives" in message for message in found), found
    one_score = _external(external.purity, lambda tables: 0.5)
    assert any("returned shape ()" in m for m in check_metric(one_score, tiny_dataset(registry)))


def test_a_contingency_form_is_for_external_metrics_and_a_function(registry: Registry) -> None:
    import pytest

    from musicbench import PluginError

    source = PluginSource("fake", "file", "fake.py", "0")
    with pytest.raises(PluginError, match="for external metrics"):
        PluginEntry(
            "metric", "x", len, source, meta={"scope": "partition", "higher_is_better": None, "contingency": len}
        )
    with pytest.raises(PluginError, match="'package.module:function'"):
        _external(len, 3)
    from musicbench.plugins.metrics.external import purity

    broken = _external(purity, "no_such_module_for_musicbench:form")
    assert any("could not be imported" in m for m in check_metric(broken, tiny_dataset(registry)))
