"""Typed registration metadata: checked when a plugin registers, read as attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from musicbench import (
    ClustererInfo,
    EncoderInfo,
    MetricInfo,
    PluginEntry,
    PluginError,
    PluginSource,
    build_registry,
)
from musicbench.info import info_keys, make_info

PLUGIN = """
from musicbench import hookimpl

class Enc:
    required_modalities = ("audio",)
    def __init__(self, width=2):
        self.width = width

@hookimpl
def register_encoders(register):
    register("enc", Enc, {extra})
"""


def load(tmp_path: Path, extra: str):
    path = tmp_path / "typo_plugin.py"
    path.write_text(PLUGIN.format(extra=extra))
    return build_registry([path], builtins=(), entry_points=False, environ={})


def test_a_misspelled_key_fails_the_plugin_naming_plugin_source_and_closest_key(tmp_path: Path) -> None:
    registry = load(tmp_path, "max_sample=lambda p: (10, 'slow')")
    assert "enc" not in registry.names("encoder")
    [failure] = registry.failures
    assert failure.plugin == "typo_plugin"
    assert "'max_sample'" in failure.error
    assert "Did you mean 'max_samples'?" in failure.error
    assert str(tmp_path / "typo_plugin.py") in failure.error  # where it came from


def test_known_keys_become_typed_attributes(tmp_path: Path) -> None:
    registry = load(tmp_path, "clusters=True, check_params={'width': 1}")
    entry = registry.get("encoder", "enc")
    assert isinstance(entry.info, EncoderInfo)
    assert entry.info.clusters is True
    assert entry.info.check_params == {"width": 1}
    assert entry.info.max_samples is None


def test_a_rule_that_is_not_a_function_is_refused() -> None:
    with pytest.raises(PluginError, match="max_samples must be a function"):
        make_info("clusterer", "c", {"max_samples": 1000})


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"higher_is_better": True}, "scope="),
        ({"scope": "external"}, "higher_is_better"),
        ({"scope": "external", "higher_is_better": "yes"}, "higher_is_better"),
        ({"scope": "global", "higher_is_better": True}, "scope="),
    ],
)
def test_a_metric_needs_a_valid_scope_and_direction(meta: dict, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        make_info("metric", "m", meta)


def test_every_kind_has_its_own_keys() -> None:
    assert "n_clusters_param" in info_keys("clusterer") and "n_clusters_param" not in info_keys("encoder")
    metric = info_keys("metric")  # more keys may follow (another issue adds some)
    assert metric[:2] == ["scope", "higher_is_better"] and "n_clusters_param" not in metric
    with pytest.raises(PluginError, match="Did you mean 'n_clusters_param'"):
        make_info("clusterer", "c", {"n_cluster_param": "k"})


def test_entries_built_by_hand_are_validated_too() -> None:
    source = PluginSource("p", "file", "p.py", "1")
    entry = PluginEntry("clusterer", "c", dict, source, meta={"n_clusters_param": "k"})
    assert entry.info == ClustererInfo(n_clusters_param="k")
    with pytest.raises(PluginError, match="unknown key 'colour'"):
        PluginEntry("clusterer", "c", dict, source, meta={"colour": "red"})


def test_the_builtins_register_with_typed_info() -> None:
    registry = build_registry(entry_points=False, environ={})
    assert registry.get("encoder", "vade").info.clusters is True
    assert registry.get("clusterer", "gmm").info.n_clusters_param == "n_components"
    assert registry.get("metric", "davies_bouldin").info == MetricInfo("internal", False)
