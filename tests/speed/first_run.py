"""The first ``bench run --all`` on a machine whose numba cache is empty, with and without ``bench warm``.

A fresh machine has none of umap-learn's, pynndescent's and musicbench's compiled numba
code on disk. Each cold case here gets an empty ``NUMBA_CACHE_DIR`` of its own, which
numba then reads and writes instead of the installed caches (and which names another
warm-up record), so nothing on this machine is moved or deleted. Each run starts in an
empty folder (a new store and embedding cache)::

    python tests/speed/first_run.py

Prints the wall time of: a cold ``bench run --all`` without ``bench warm``; a cold
``bench warm`` (what the README's set-up runs) and the ``bench run --all`` after it;
a second run with that cache (a warm run); and ``bench warm`` again (reads its record).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], folder: Path, numba_cache: Path) -> float:
    """Seconds of ``bench ARGS`` run in ``folder`` with numba's cache in ``numba_cache``."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(numba_cache)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "musicbench.benchmark", *args], cwd=folder, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    run = ["run", "--all", "--top", "0"]
    with tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        work = Path(tmp)
        print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
        cold = timed(run, work / "cold", work / "numba-cold")
        print(f"cold, no `bench warm`: bench run --all   {cold:6.1f} s", flush=True)
        warm_up = timed(["warm"], work / "warmed", work / "numba-warmed")
        print(f"cold: bench warm                        {warm_up:6.1f} s", flush=True)
        after = timed(run, work / "warmed", work / "numba-warmed")
        print(f"then bench run --all                    {after:6.1f} s", flush=True)
        again = timed(run, work / "warm", work / "numba-warmed")
        print(f"warm: bench run --all (empty folder)    {again:6.1f} s", flush=True)
        recheck = timed(["warm"], work / "warm", work / "numba-warmed")
        print(f"warm: bench warm again                  {recheck:6.1f} s", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
