"""Shared fixtures: the registry, small datasets and the real data in ../shared/data.

Real-data tests find the files through ``MUSICBENCH_DATA_DIR`` (default: the
``shared/data`` folder beside the repository). Without the data they skip, except
in CI (``CI=true``), where a missing file fails the test: CI must test real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from musicbench import Dataset, Registry, build_registry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
TIDYTUESDAY = "spotify_songs_tidytuesday.csv"
LYRICS_SAMPLE = "spotify_songs_lyrics_sample1000.csv"
GTZAN = "gtzan_features_30_sec.csv"


# One local worker per `bench run` unless a test says `--jobs`: pytest-xdist already
# runs a test per core, and every run's second worker process (its imports, its copy
# of the dataset) cost 3.5-4.5 s of CPU that the other test then waited for (a 20-cell
# toy run: 12.4-14.7 s of CPU with two workers, 8.5-9.9 s with one). The tests of
# parallel runs pass --jobs themselves; test_run_options checks the default's source.
os.environ.setdefault("MUSICBENCH_JOBS", "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-scale", action="store_true", help="run the million-row scale benchmarks")


# The end-to-end group (`slow`): whole `bench` runs in subprocesses, the README
# walk-through, fault injection (kill -9, full disks, damaged caches) and the speed
# suite's smoke runs. CI runs them all; `pytest -m "not slow"` leaves them out while
# iterating. Marked here by file, so a new test in one of these files is in the group.
SLOW_FILES = (
    "tests/test_readme.py",
    "tests/benchmark/running/test_faults.py",
    "tests/benchmark/running/test_runner.py",
    "tests/benchmark/running/test_runner_flags.py",
    "tests/benchmark/running/test_worker_checks.py",
    "tests/benchmark/running/executors/test_dask.py",
    "tests/benchmark/running/executors/test_local.py",
    "tests/benchmark/cli/test_warm.py",
    "tests/benchmark/cli/test_hardening.py",
    "tests/benchmark/reports/test_browser.py",
    "tests/benchmark/reports/test_summary.py",
)
SLOW_FOLDERS = ("tests/speed/",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = pytest.mark.slow
    for item in items:
        where = Path(item.path).resolve().relative_to(REPO).as_posix()
        if where in SLOW_FILES or where.startswith(SLOW_FOLDERS):
            item.add_marker(slow)
    if config.getoption("--run-scale"):
        return
    skip = pytest.mark.skip(reason="million-row scale point: opt in with --run-scale")
    for item in items:
        if "scale" in item.keywords:
            item.add_marker(skip)


def data_dir() -> Path:
    return Path(os.environ.get("MUSICBENCH_DATA_DIR", DEFAULT_DATA_DIR))


def shared_file(name: str) -> Path:
    """A file of ../shared/data; skip without it, fail without it in CI."""
    path = data_dir() / name
    if not path.is_file():
        message = f"real data file {path} not found (set MUSICBENCH_DATA_DIR)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The built-in plugins only (no entry points, no environment plugins)."""
    return build_registry(entry_points=False, environ={})


@pytest.fixture(scope="session")
def small_dataset(registry: Registry) -> Dataset:
    """300 synthetic tracks with every modality."""
    return registry.get("dataset", "synthetic").create(n_tracks=300, seed=0).load()


@pytest.fixture(scope="session")
def tidytuesday_path() -> Path:
    return shared_file(TIDYTUESDAY)


@pytest.fixture(scope="session")
def lyrics_sample_path() -> Path:
    return shared_file(LYRICS_SAMPLE)


@pytest.fixture(scope="session")
def gtzan_path() -> Path:
    return shared_file(GTZAN)
