"""Wall time of ``bench leaderboard`` and ``bench summary`` on an existing store.

Make a TidyTuesday store first (two fast encoders are enough; ``bench run`` also
caches the best cell's projection and the supervised ceiling), then time the reports::

    MUSICBENCH_DATA_DIR=../shared/data bench run --dataset spotify --encoders raw,pca \\
        --clusterers kmeans,gmm --seeds 2 --store /tmp/tt.sqlite
    python tests/speed/report_timing.py /tmp/tt.sqlite [--dataset tidytuesday]

Each command runs ``--repeat`` times (default 3) in a fresh process, as a user runs
it; the best and median wall times are printed, with the median CPU time (user +
system: what the command needed, whatever else the machine was doing). The first
leaderboard of a store made before projections were cached fits UMAP once and
caches it: run it once before timing (``--warm``, the default) so the figure is the
steady state. ``--compare SITE`` times another installed musicbench too (``pip
install --no-deps --target SITE``), alternating run by run so both see the same load.
The commands only read the store (the leaderboard also writes its board cache,
``.musicbench/boards``, beside it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_speed import timed  # noqa: E402 - a script beside this one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dataset", help="time `bench leaderboard --dataset NAME` (default: every dataset)")
    parser.add_argument("--compare", metavar="SITE", help="another musicbench installed in this folder (pip --target)")
    parser.add_argument("--no-summary", dest="summary", action="store_false", help="time the leaderboard only")
    parser.add_argument("--no-warm", dest="warm", action="store_false")
    options = parser.parse_args()
    bench = [sys.executable, "-m", "musicbench.benchmark"]
    sides = {"this": None, **({"compare": options.compare} if options.compare else {})}
    with tempfile.TemporaryDirectory() as out:
        board = ["leaderboard", "--store", options.store, "--output", out, "--top", "0"]
        commands = {"bench leaderboard": [*bench, *board, *(["--dataset", options.dataset] if options.dataset else [])]}
        if options.summary:
            commands["bench summary"] = [*bench, "summary", "--store", options.store, "--output", out]
        if options.warm:
            for path in sides.values():
                timed(commands["bench leaderboard"], path)
        print(f"cores: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()[0]:.2f}")
        for name, command in commands.items():
            times: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
            for _ in range(options.repeat):
                for side, path in sides.items():  # alternate: both sides see the same load
                    times[side].append(timed(command, path))
            for side, runs in times.items():
                wall = [w for w, _ in runs]
                print(
                    f"{name:18s} {side:8s} best {min(wall):6.2f} s   median {statistics.median(wall):6.2f} s   "
                    f"CPU median {statistics.median(c for _, c in runs):6.2f} s   ({options.repeat} runs)",
                    flush=True,
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
