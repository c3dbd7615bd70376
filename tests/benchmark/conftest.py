"""Fixtures of the runner tests; the helpers are in ``tests/benchmark/support.py``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.benchmark.support import bench, toy_run_args


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One real run over every kind of outcome: ok, error, timeout, skipped, (own)."""
    store = tmp_path_factory.mktemp("toy") / "results.sqlite"
    args = toy_run_args(
        store,
        "--encoders",
        "pca-lite,lyrics-pca,mixture-embed,broken,sleepy",
        "--clusterers",
        "kmeans-lite,(own)",
        "--seeds",
        "2",
        "--timeout",
        "3",
        "--jobs",
        "2",
    )
    return store, bench(*args)
