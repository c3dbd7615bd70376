"""The scale point: ``bench run`` with every encoder and clusterer on large synthetic data.

For each size given, runs ``bench run --all`` (one seed, ``--jobs 1``, no lyrics
beyond the default) into a fresh store, measures the peak resident memory of the
whole process tree, and prints each cell's status, encoder fit time and clusterer
time. With two sizes or more it also prints, per plugin, the growth exponent
``log(t2 / t1) / log(n2 / n1)`` between the two largest sizes where it ran:
about 1 means linear, about 2 quadratic.

    python tests/speed/scale_run.py --n-tracks 100000 1000000 [--timeout 1800]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from musicbench.benchmark.results.store import ResultStore  # noqa: E402
from tests.speed.measure import measure  # noqa: E402


def run_size(n_tracks: int, timeout: float, work: Path, jobs: int = 1) -> tuple[float, int, list]:
    store = work / f"scale-{n_tracks}.sqlite"
    command = [
        sys.executable,
        "-m",
        "musicbench.benchmark",
        "run",
        "--all",
        "--seeds",
        "1",
        "-P",
        f"n_tracks={n_tracks}",
        "--store",
        str(store),
        "--timeout",
        str(timeout),
        "--top",
        "0",
        "--jobs",
        str(jobs),
    ]
    wall, peak, _, code = measure(command, work, interval_s=0.5)
    if code not in (0, 1):
        sys.exit(f"bench run failed at {n_tracks:,} tracks with exit code {code}")
    results = ResultStore(store)
    rows = results.records()
    results.close()
    return wall, peak, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per encoder fit / clusterer cell")
    # bench run now defaults to every core; the recorded figures are --jobs 1 (one
    # worker holding the data), so that is this script's default.
    parser.add_argument("--jobs", type=int, default=1, help="bench run --jobs (default 1, as the recorded figures)")
    args = parser.parse_args()
    fits: dict[str, dict[int, float]] = defaultdict(dict)
    clusters: dict[str, dict[int, float]] = defaultdict(dict)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.n_tracks):
            wall, peak, rows = run_size(n, args.timeout, Path(tmp), args.jobs)
            print(f"\n== {n:,} tracks: bench run --all took {wall:.0f} s, peak memory {peak / 2**30:.2f} GiB")
            print(
                f"{'encoder':16} {'clusterer':14} {'status':8} {'fit s':>8} {'cluster s':>10} {'metrics s':>10}  reason"
            )
            for r in sorted(rows, key=lambda r: (r.encoder, r.clusterer)):
                fit = f"{r.fit_s:.1f}" if r.fit_s is not None else "-"
                cl = f"{r.cluster_s:.1f}" if r.cluster_s is not None else "-"
                me = f"{r.metrics_s:.1f}" if r.metrics_s is not None else "-"
                print(
                    f"{r.encoder:16} {r.clusterer:14} {r.status:8} {fit:>8} {cl:>10} {me:>10}  {(r.reason or '')[:90]}"
                )
                if r.status == "ok":
                    fits[r.encoder][n] = r.fit_s or 0.0
                    clusters[r.clusterer][n] = max(clusters[r.clusterer].get(n, 0.0), r.cluster_s or 0.0)
    if len(args.n_tracks) > 1:
        print("\ngrowth exponent between the two largest sizes where the plugin ran (1 = linear, 2 = quadratic)")
        for kind, table in (("encoder fit", fits), ("clusterer (slowest cell)", clusters)):
            for name, times in sorted(table.items()):
                sizes = sorted(n for n, t in times.items() if t > 0.05)
                if len(sizes) >= 2:
                    n1, n2 = sizes[-2], sizes[-1]
                    exponent = math.log(times[n2] / times[n1]) / math.log(n2 / n1)
                    print(f"  {kind:26} {name:16} {times[n1]:8.1f} s -> {times[n2]:8.1f} s   exponent {exponent:.2f}")


if __name__ == "__main__":
    main()
