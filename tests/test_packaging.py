"""Installing musicbench puts one import package, ``musicbench``, into site-packages.

The repository's folders (``registry/``, ``plugins/``, ``benchmark/``) are mapped onto
``musicbench`` and its subpackages by pyproject's ``package-dir``; ``packages`` lists
them explicitly, so a new subpackage folder must be added there or it is left out of
the wheel. Both mistakes fail here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def package_folders() -> dict[str, Path]:
    """Every folder with an ``__init__.py`` under the mapped roots, by its package name."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root)
            found[".".join([package, *relative.parts])] = init.parent
    return found


def test_every_package_folder_is_listed_in_pyproject() -> None:
    folders = package_folders()
    missing = sorted(set(folders) - set(SETUPTOOLS["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    stale = sorted(set(SETUPTOOLS["packages"]) - set(folders))
    assert not stale, f"listed in pyproject.toml but no folder with __init__.py: {stale}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-build-isolation: the running environment's setuptools, no download
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [built] = out.glob("musicbench-*.whl")
    return built


def test_the_wheel_has_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert len(dist_info) == 1 and top - dist_info == {"musicbench"}, sorted(top)
    listed = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    assert listed == set(SETUPTOOLS["packages"])
    assert "musicbench/py.typed" in names and "musicbench/testing.py" in names


def test_the_installed_wheel_imports_as_musicbench_only(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    installed = {p.name for p in site.iterdir() if p.name not in ("__pycache__", "_virtualenv.py", "_virtualenv.pth")}
    assert {n for n in installed if not n.endswith(".dist-info")} == {"musicbench"}, sorted(installed)
    # Dependencies from this environment's site-packages (not its .pth files, so not
    # this checkout's editable musicbench); run outside the repository.
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    code = (
        "import importlib.util, musicbench, musicbench.benchmark.cli, musicbench.plugins, musicbench.testing\n"
        "print(musicbench.__file__)\n"
        "print([n for n in ('registry', 'plugins', 'benchmark') if importlib.util.find_spec(n)])"
    )
    done = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    where, others = done.stdout.strip().splitlines()
    assert Path(where).is_relative_to(site)
    assert others == "[]"
