"""Wall time and peak memory of a command's whole process tree (for benchmark scripts)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def measure(command: Sequence[str], cwd: Path, interval_s: float = 0.05) -> tuple[float, int, str, int]:
    """Run ``command``; return wall seconds, peak resident bytes summed over the
    process and all its descendants (sampled every ``interval_s``), stdout and the
    exit code."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval_s)
    wall = time.perf_counter() - start
    output = proc.stdout.read() if proc.stdout else ""
    return wall, peak, output, proc.returncode
