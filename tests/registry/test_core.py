"""The registry: built-ins, entry points, local files, isolation, duplicates, disabling."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from musicbench import (
    DEFAULT_PLUGINS,
    DuplicatePluginError,
    PluginError,
    UnknownPluginError,
    build_registry,
)

ENCODER_PLUGIN = """
from musicbench import hookimpl

class ConstantEncoder:
    '''Embeds every track as zeros.'''
    required_modalities = ("audio",)

    def __init__(self, width=2):
        self.width = width

@hookimpl
def register_encoders(register):
    register("{name}", ConstantEncoder, defaults={{"width": 3}})
"""


def write_plugin(folder: Path, stem: str, name: str) -> Path:
    path = folder / f"{stem}.py"
    path.write_text(ENCODER_PLUGIN.format(name=name))
    return path


def make_distribution(site: Path, dist: str, module: str, body: str, version: str = "1.2.3") -> None:
    """A real installed distribution (dist-info + module) advertising an entry point."""
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[musicbench]\n{dist} = {module}\n")


def test_importing_loads_no_plugin() -> None:
    code = (
        "import sys, musicbench, musicbench.benchmark.cli\n"
        f"print(sorted(m for m in {list(DEFAULT_PLUGINS)!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"


def test_builtins_register_through_the_hooks() -> None:
    registry = build_registry(entry_points=False, environ={})
    assert {"synthetic", "spotify", "gtzan", "csv"} <= set(registry.names("dataset"))
    entry = registry.get("dataset", "synthetic")
    assert entry.source.origin == "built-in"
    assert entry.source.plugin == "musicbench.plugins.datasets"
    assert not registry.failures


def test_each_build_is_a_fresh_registry(tmp_path: Path) -> None:
    with_file = build_registry([write_plugin(tmp_path, "extra", "zeros")], entry_points=False, environ={})
    plain = build_registry(entry_points=False, environ={})
    assert "zeros" in with_file.names("encoder")
    assert "zeros" not in plain.names("encoder")


def test_entry_point_plugin_from_a_real_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_distribution(tmp_path, "mb-demo", "mb_demo_plugin", ENCODER_PLUGIN.format(name="demo-enc"))
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = build_registry(environ={})
    entry = registry.get("encoder", "demo-enc")
    assert entry.source.origin == "entry point"
    assert entry.source.version == "1.2.3"
    assert entry.create().width == 3
    assert registry.plugin_versions()["mb-demo"] == "1.2.3"


def test_broken_entry_point_is_reported_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_distribution(tmp_path, "mb-broken", "mb_broken_plugin", "raise ImportError('needs libfoo')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = build_registry(environ={})
    (failure,) = [f for f in registry.failures if f.plugin == "mb-broken"]
    assert failure.origin == "entry point"
    assert "needs libfoo" in failure.error
    assert "synthetic" in registry.names("dataset")


def test_local_file_plugin_and_environment_variable(tmp_path: Path) -> None:
    first = write_plugin(tmp_path, "first", "enc-a")
    second = write_plugin(tmp_path, "second", "enc-b")
    registry = build_registry([second], entry_points=False, environ={"MUSICBENCH_PLUGINS": str(first)})
    assert {"enc-a", "enc-b"} <= set(registry.names("encoder"))
    source = registry.get("encoder", "enc-b").source
    assert source.origin == "file"
    assert source.location == str(second.resolve())
    assert source.version.startswith("sha256:")


@pytest.mark.parametrize(
    "body, message",
    [
        ("raise RuntimeError('boom at import')", "boom at import"),
        (
            "from musicbench import hookimpl\n@hookimpl\ndef register_encoders(register):\n"
            "    register('half', dict)\n    raise ValueError('boom in register')\n",
            "boom in register",
        ),
        (
            "from musicbench import hookimpl\n@hookimpl\ndef register_metrics(register):\n    register('m', len)\n",
            "scope",
        ),
        ("from musicbench import hookimpl\n@hookimpl\ndef register_encoders(wrong):\n    pass\n", "wrong"),
    ],
    ids=["import-error", "register-error", "bad-metric", "bad-signature"],
)
def test_broken_local_plugin_is_isolated(tmp_path: Path, body: str, message: str) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(body)
    good = write_plugin(tmp_path, "good", "fine")
    registry = build_registry([broken, good], entry_points=False, environ={})
    (failure,) = registry.failures
    assert failure.plugin == "broken" and failure.origin == "file"
    assert message in failure.error
    assert "fine" in registry.names("encoder")
    assert "half" not in registry.names("encoder"), "a plugin that failed halfway keeps nothing"


def test_missing_plugin_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="nope.py does not exist"):
        build_registry([tmp_path / "nope.py"], entry_points=False, environ={})


def test_duplicate_names_fail_naming_both_sources(tmp_path: Path) -> None:
    one = write_plugin(tmp_path, "one", "same")
    two = write_plugin(tmp_path, "two", "same")
    with pytest.raises(DuplicatePluginError) as info:
        build_registry([one, two], entry_points=False, environ={})
    assert str(one.resolve()) in str(info.value) and str(two.resolve()) in str(info.value)


def test_duplicate_of_a_builtin_names_it(tmp_path: Path) -> None:
    clash = tmp_path / "clash.py"
    clash.write_text(
        "from musicbench import hookimpl\n@hookimpl\ndef register_datasets(register):\n"
        "    register('synthetic', dict)\n"
    )
    with pytest.raises(DuplicatePluginError, match="musicbench.plugins.datasets"):
        build_registry([clash], entry_points=False, environ={})


def test_disabling_resolves_a_duplicate(tmp_path: Path) -> None:
    one = write_plugin(tmp_path, "one", "same")
    two = write_plugin(tmp_path, "two", "same")
    registry = build_registry([one, two], disabled=["two"], entry_points=False, environ={})
    assert registry.get("encoder", "same").source.plugin == "one"


def test_disable_by_entry_name_and_environment() -> None:
    registry = build_registry(disabled=["gtzan"], entry_points=False, environ={"MUSICBENCH_DISABLE": "csv"})
    assert "gtzan" not in registry.names("dataset")
    assert "csv" not in registry.names("dataset")
    with pytest.raises(UnknownPluginError):
        registry.get("dataset", "gtzan")


def test_unknown_name_suggests_close_ones() -> None:
    registry = build_registry(entry_points=False, environ={})
    with pytest.raises(UnknownPluginError) as info:
        registry.get("dataset", "spotfy")
    assert info.value.suggestions[0] == "spotify"  # the closest first (other datasets may be close too)
    assert "Did you mean 'spotify'" in str(info.value)


def _registering(tmp_path: Path, hook: str, call: str) -> str:
    """The failure a plugin file whose ``hook`` makes ``call`` is recorded with."""
    plugin = tmp_path / "order.py"
    plugin.write_text(
        "from musicbench import hookimpl\nclass MyModel:\n    def __init__(self, k=2):\n        self.k = k\n"
        f"@hookimpl\ndef {hook}(register):\n    {call}\n"
    )
    (failure,) = build_registry([plugin], builtins=(), entry_points=False, environ={}).failures
    return failure.error


def test_register_in_the_old_order_says_the_name_comes_first(tmp_path: Path) -> None:
    error = _registering(tmp_path, "register_encoders", "register(MyModel, 'mine')")
    assert "called register(MyModel, 'mine') for an encoder" in error
    assert "the first argument must be the encoder's name (a string), then its factory" in error
    assert "e.g. register('mine', MyModel)" in error
    assert "without a name" not in error
    clusterer = _registering(tmp_path, "register_clusterers", "register(MyModel, MyModel)")
    assert "for a clusterer: the first argument must be the clusterer's name" in clusterer
    assert "e.g. register('my-clusterer', MyModel)" in clusterer


def test_an_empty_name_is_refused_with_the_right_article(tmp_path: Path) -> None:
    assert "registered an encoder with an empty name" in _registering(
        tmp_path, "register_encoders", "register('', MyModel)"
    )
    assert "registered a metric with an empty name" in _registering(tmp_path, "register_metrics", "register('', len)")
