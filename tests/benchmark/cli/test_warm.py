"""``bench warm`` compiles umap-learn's numba code ahead, and says when there is nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _warm(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(home)}
    command = [sys.executable, "-m", "musicbench.benchmark", "warm"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_warm_leaves_a_record_that_the_next_warm_and_run_read(tmp_path: Path) -> None:
    first = _warm(tmp_path)
    assert first.returncode == 0, first.stderr
    # no record on this "machine": the warm-ups run (numba's cache may already hold the code)
    assert "n2d: ready in" in first.stdout and "n2d_warmup" in first.stdout
    assert len(list((tmp_path / "musicbench").glob("numba-umap-*.json"))) == 1
    again = _warm(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "n2d: already compiled" in again.stdout and "umap: already compiled" in again.stdout
    assert "ready in" not in again.stdout
