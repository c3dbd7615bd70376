"""The README's plugin examples work as written: as a local file and as a package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from musicbench.benchmark.checks import run_check, tiny_dataset
from musicbench import build_registry

README = Path(__file__).resolve().parents[1] / "README.md"


def example(name: str) -> str:
    """The fenced block right after ``<!-- example:NAME -->``."""
    match = re.search(rf"<!-- example:{name} -->\n```\w*\n(.*?)```", README.read_text(), re.S)
    assert match, f"README.md has no example block {name!r}"
    return match.group(1)


def test_readme_plugin_file_passes_the_contract(tmp_path: Path) -> None:
    plugin = tmp_path / "my_ica.py"
    plugin.write_text(example("plugin-file"))
    registry = build_registry([plugin], entry_points=False, environ={})
    assert not registry.failures
    result = run_check(registry.get("encoder", "ica"), tiny_dataset(registry))
    assert result.status == "pass", result.detail


def test_readme_plugin_package_installs_with_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "musicbench-ica"
    package.mkdir()
    (package / "pyproject.toml").write_text(example("plugin-package"))
    (package / "my_ica.py").write_text(example("plugin-file"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(package)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    monkeypatch.syspath_prepend(str(target))
    registry = build_registry(environ={})
    entry = registry.get("encoder", "ica")
    assert entry.source.origin == "entry point"
    assert entry.source.version == "0.1.0"
    assert registry.plugin_versions()["ica"] == "0.1.0"
