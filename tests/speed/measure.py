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
    """Run ``command``; return wall seconds, peak memory of the process and all its
    descendants (sampled every ``interval_s``), stdout and the exit code.

    Memory is the proportional set size (PSS) summed over the tree: forked workers
    share pages with their parent, and summing resident sizes would count those
    shared pages once per process. Where PSS is unavailable, resident size is used.
    """
    env = dict(os.environ)
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(_memory(p) for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval_s)
    wall = time.perf_counter() - start
    output = proc.stdout.read() if proc.stdout else ""
    return wall, peak, output, proc.returncode


def _memory(process: psutil.Process) -> int:
    try:
        return int(process.memory_full_info().pss)
    except (AttributeError, psutil.AccessDenied):
        return int(process.memory_info().rss)
