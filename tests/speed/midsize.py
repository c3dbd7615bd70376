"""Issue 14's mid-size grid: ``bench run`` on a 50,000-track synthetic table.

Runs ``bench run`` (every encoder and clusterer by default, or the ones given) into a
fresh store and cache, then prints the run's wall time and, from the store, the task
seconds per plugin: each encoder's fit seconds (once per embedding, i.e. per seed)
and each clusterer's cluster seconds, plus the metrics seconds, summed over cells.
Cell statuses are counted, and DBSCAN's chosen ``eps`` rules are listed.

A cell whose labels were shared with another seed (``benchmark.label_memo``)
records the seconds they took when they were computed, so the per-clusterer sums
count that work once per cell; the saving shows in the wall time, and the
``computed once`` column gives the sum over distinct label sets instead.

    python tests/speed/midsize.py [--n-tracks 50000] [--seeds 3] [--jobs 2]
        [--encoders raw,pca] [--clusterers dbscan,agglomerative] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from musicbench.benchmark.results.store import ResultStore  # noqa: E402


def bench_command(args: argparse.Namespace, store: Path, cache: Path) -> list[str]:
    command = [sys.executable, "-m", "musicbench.benchmark", "run", "--seeds", str(args.seeds)]
    command += ["--jobs", str(args.jobs), "--store", str(store), "--cache", str(cache), "--top", "0"]
    command += ["-P", f"n_tracks={args.n_tracks}", "-P", f"n_genres={args.n_genres}"]
    if args.encoders or args.clusterers:
        command += ["--encoders", args.encoders] if args.encoders else []
        command += ["--clusterers", args.clusterers] if args.clusterers else []
    else:
        command.append("--all")
    if args.timeout:
        command += ["--timeout", str(args.timeout)]
    return command


def report(store: Path, wall: float) -> None:
    results = ResultStore(store)
    rows = results.records()
    results.close()
    fits: dict[str, dict[int, float]] = defaultdict(dict)  # encoder -> seed -> fit seconds
    clusters: dict[str, float] = defaultdict(float)
    distinct: dict[str, dict[tuple, float]] = defaultdict(dict)  # same labels, same seconds: counted once
    metrics_s = 0.0
    statuses: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for row in rows:
        statuses[row.status] += 1
        if row.fit_s is not None:
            fits[row.encoder][row.seed] = row.fit_s + (row.transform_s or 0.0)
        if row.cluster_s is not None:
            clusters[row.clusterer] += row.cluster_s
            distinct[row.clusterer][(row.encoder, row.cluster_s)] = row.cluster_s
        metrics_s += row.metrics_s or 0.0
        if row.clusterer == "dbscan" and row.status == "ok":
            rules[f"{row.fitted_params.get('eps_rule', 'knee')}"] += 1
    print(f"\nwall time: {wall:.1f} s   cells: {dict(statuses)}")
    print(f"\n{'encoder':<16} {'fit s (all seeds)':>18}")
    for name, seeds in sorted(fits.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"{name:<16} {sum(seeds.values()):>18.1f}")
    print(f"\n{'clusterer':<16} {'cluster s':>10} {'computed once':>14}")
    for name, seconds in sorted(clusters.items(), key=lambda kv: -kv[1]):
        print(f"{name:<16} {seconds:>10.1f} {sum(distinct[name].values()):>14.1f}")
    print(f"\nmetrics s: {metrics_s:.1f}")
    total = sum(sum(s.values()) for s in fits.values()) + sum(clusters.values()) + metrics_s
    print(f"task seconds (fits + clusters + metrics): {total:.1f}")
    if rules:
        print(f"dbscan eps rules: {json.dumps(dict(rules))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=50_000)
    parser.add_argument("--n-genres", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--encoders", default="", help="comma-separated (default: every encoder)")
    parser.add_argument("--clusterers", default="", help="comma-separated (default: every clusterer)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per encoder fit / clusterer cell")
    parser.add_argument("--keep", type=Path, default=None, help="write the store and cache here, and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="midsize-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        store, cache = work / "midsize.sqlite", work / "cache"
        if store.exists():
            sys.exit(f"{store} exists: give --keep an empty folder, so the run starts from nothing")
        command = bench_command(args, store, cache)
        print(" ".join(command), flush=True)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1):  # 1: some cell failed, which the report shows
            sys.exit(f"bench run exited with {done.returncode}:\n{done.stderr[-3000:]}")
        report(store, wall)


if __name__ == "__main__":
    main()
