"""``bench new``: the package it writes (installing it is followed in tests/test_readme.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tests.benchmark.support import bench_here


@pytest.mark.parametrize("kind", ["encoder", "clusterer", "metric"])
def test_new_writes_a_plugin_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = bench_here(capsys, "new", kind, "my-thing")
    assert code == 0, err
    folder = tmp_path / "musicbench-my-thing"
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["musicbench"] == {"my-thing": "musicbench_my_thing"}
    assert project["tool"]["setuptools"]["py-modules"] == ["musicbench_my_thing"]
    assert f"register_{kind}s" in (folder / "musicbench_my_thing.py").read_text()
    test = (folder / "tests" / "test_my_thing.py").read_text()
    assert 'parametrize_with_checks(["my-thing"])' in test and len(test.strip().splitlines()) <= 5
    assert "pip install -e" in (folder / "README.md").read_text() and "pip install -e" in out


@pytest.mark.parametrize(
    ("args", "message"), [(["encoder", "My Enc"], "cannot be used"), (["encoder", "ok", "."], "already exists")]
)
def test_new_refuses_bad_names_and_used_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "something").write_text("")
    code, _, err = bench_here(capsys, "new", *args)
    assert code == 2 and message in err
