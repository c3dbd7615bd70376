"""Wall time of ``bench leaderboard`` and ``bench summary`` on an existing store.

Make a TidyTuesday store first (two fast encoders are enough; ``bench run`` also
caches the best cell's projection and the supervised ceiling), then time the reports::

    MUSICBENCH_DATA_DIR=../shared/data bench run --dataset spotify --encoders raw,pca \\
        --clusterers kmeans,gmm --seeds 2 --store /tmp/tt.sqlite
    python tests/speed/report_timing.py /tmp/tt.sqlite

Each command runs ``--repeat`` times (default 3) in a fresh process, as a user runs
it; the best and median wall times are printed. The first leaderboard of a store
made before projections were cached fits UMAP once and caches it: run it once
before timing (``--warm``, the default) so the figure is the steady state.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def _time(args: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "musicbench.benchmark", *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-warm", dest="warm", action="store_false")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "bench leaderboard": ["leaderboard", "--store", options.store, "--output", out, "--top", "0"],
            "bench summary": ["summary", "--store", options.store, "--output", out],
        }
        if options.warm:
            _time(commands["bench leaderboard"], 1)
        for name, args in commands.items():
            times = _time(args, options.repeat)
            print(
                f"{name:18s} best {min(times):6.2f} s   median {statistics.median(times):6.2f} s   ({options.repeat} runs)"
            )


if __name__ == "__main__":
    main()
