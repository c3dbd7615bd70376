"""Factories registered by name ("module:Attribute"): imported on first use, checked early."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from musicbench import PluginError, build_registry
from musicbench.plugins.encoders.classic import PCAEncoder

LAZY_PLUGIN = """
from musicbench import hookimpl

@hookimpl
def register_encoders(register):
    register("late", {target!r}, description="registered by name")
"""

SLOW_MODULE = """
import sys
sys.modules["lazy_probe_was_imported"] = sys  # a marker the test can see

class Late:
    '''Imported only when needed.'''
    required_modalities = ("audio",)

    def __init__(self, width=2):
        self.width = width
"""


def _registry(tmp_path: Path, target: str):
    plugin = tmp_path / "lazyplugin.py"
    plugin.write_text(LAZY_PLUGIN.format(target=target))
    return build_registry([plugin], builtins=(), entry_points=False)


def test_a_named_factory_is_imported_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lazy_probe.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazy_probe", raising=False)
    monkeypatch.delitem(sys.modules, "lazy_probe_was_imported", raising=False)
    entry = _registry(tmp_path, "lazy_probe:Late").get("encoder", "late")
    assert not entry.loaded
    assert "lazy_probe_was_imported" not in sys.modules
    assert entry.description == "registered by name"
    assert entry.create().width == 2  # the first use imports it
    assert entry.loaded and "lazy_probe_was_imported" in sys.modules
    assert entry.factory is sys.modules["lazy_probe"].Late


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("lazy_probe.Late", "not a factory name"),
        ("lazy probe:Late", "not a factory name"),
        ("no_such_module_anywhere:Thing", "no module 'no_such_module_anywhere'"),
    ],
)
def test_a_bad_factory_name_fails_the_plugin_at_registration(tmp_path: Path, target: str, message: str) -> None:
    registry = _registry(tmp_path, target)
    assert registry.names("encoder") == []
    (failure,) = registry.failures
    assert failure.plugin == "lazyplugin" and message in failure.error


def test_a_factory_that_fails_to_import_names_the_entry_and_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lazy_broken.py").write_text("raise RuntimeError('the plugin needs a GPU')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = _registry(tmp_path, "lazy_broken:Late").get("encoder", "late")
    with pytest.raises(PluginError, match=r"The encoder 'late'.*lazyplugin.*needs a GPU.*--disable lazyplugin"):
        _ = entry.factory


def test_a_missing_attribute_is_a_plugin_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lazy_probe.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = _registry(tmp_path, "lazy_probe:Early").get("encoder", "late")
    with pytest.raises(PluginError, match="has no attribute 'Early'"):
        entry.create()


def test_builtins_are_registered_by_name_and_resolve_to_their_classes() -> None:
    registry = build_registry(entry_points=False)
    entry = registry.get("encoder", "pca")
    assert entry.target == "musicbench.plugins.encoders.classic:PCAEncoder" and not entry.loaded
    assert entry.factory is PCAEncoder
    assert entry.summary() == PCAEncoder.__doc__.strip().splitlines()[0]
    for kind in ("dataset", "encoder", "clusterer", "metric"):
        for each in registry.entries(kind):
            assert callable(each.factory), (kind, each.name)


def test_listing_the_builtins_imports_no_numeric_library() -> None:
    code = textwrap.dedent(
        """
        import json, sys
        from musicbench import KINDS, build_registry
        registry = build_registry(entry_points=False)
        needs = [e.required_modalities() for e in registry.entries("encoder")]
        heavy = ("torch", "sklearn", "scipy", "umap", "numba", "pandas", "hdbscan")
        print(json.dumps([m for m in heavy if m in sys.modules]))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
