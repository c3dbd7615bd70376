"""Clusterer and metric timings, with peak memory, on real and synthetic data.

Run from the repository root (not collected by pytest)::

    MUSICBENCH_DATA_DIR=../shared/data python tests/speed/clusterer_speed.py
    python tests/speed/clusterer_speed.py --no-real --n-tracks 1000000

Three sections:

1. every clusterer on the TidyTuesday features (``spotify`` loader, default
   preprocessing: 28,356 tracks x 10 features, 6 genres);
2. every metric for one cell on those 28k rows (``evaluate``, k-means labels,
   a 16-d latent space);
3. every clusterer on ``--n-tracks`` synthetic rows.

Each clusterer runs in its own subprocess, so its peak resident memory (Linux
``VmHWM``, including the interpreter and the input matrix; ``ru_maxrss`` of any
worker processes it starts) is its own. A
clusterer that the size or memory rule skips is not started; one that refuses in
``fit`` (``ResourceLimitError``) is reported as skipped with its reason.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from musicbench import ResourceLimitError, build_registry, clusterer_input  # noqa: E402
from musicbench.benchmark.planning.factories import DEFAULT_MEMORY_BUDGET, fitted_params, skip_reason  # noqa: E402
from musicbench.resolution import resolve_clusterer_params  # noqa: E402

SEED = 0


def peak_rss() -> int:
    """This process's peak resident memory in bytes (``ru_maxrss`` would include the
    parent's, as Linux keeps it across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker(name: str, data: str, n_clusters: int) -> None:
    """Fit one clusterer on the matrix in ``data`` and print one JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    X = np.load(data)
    registry = build_registry(entry_points=False, environ={})
    entry = registry.get("clusterer", name)
    params = resolve_clusterer_params(entry, {}, X.shape[0], n_clusters, SEED)
    before = peak_rss()
    start = time.perf_counter()
    try:
        model = entry.factory(**params)
        labels = np.asarray(model.fit_predict(X))
    except ResourceLimitError as exc:
        print(json.dumps({"status": "skipped", "reason": str(exc), "seconds": time.perf_counter() - start}))
        return
    seconds = time.perf_counter() - start
    peak = max(peak_rss(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
    found = int(np.unique(labels[labels != -1]).size)
    print(
        json.dumps(
            {
                "status": "ok",
                "seconds": seconds,
                "peak_bytes": peak,
                "rss_before_fit": before,
                "n_clusters": found,
                "noise": float(np.mean(labels == -1)),
                "fitted": fitted_params(model),
            }
        )
    )


def run_clusterers(X: np.ndarray, n_clusters: int, title: str, timeout: float, only: list[str]) -> None:
    registry = build_registry(entry_points=False, environ={})
    n, d = X.shape
    print(f"\n## {title}: {n:,} rows x {d} features, {n_clusters} clusters requested")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "X.npy")
        np.save(data, X)
        for name in only or registry.names("clusterer"):
            entry = registry.get("clusterer", name)
            params = resolve_clusterer_params(entry, {}, n, n_clusters, SEED)
            reason = skip_reason(entry, params, n, d, DEFAULT_MEMORY_BUDGET)
            if reason:
                print(f"{name:14s} skipped: {reason}")
                continue
            command = [sys.executable, __file__, "--worker", name, "--data", data, "--k", str(n_clusters)]
            wall = time.perf_counter()
            try:
                out = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)
            except subprocess.TimeoutExpired:
                print(f"{name:14s} timeout after {timeout:.0f} s")
                continue
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode != 0 or not lines:
                print(f"{name:14s} error (rc {out.returncode}): {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(lines[-1])
            if r["status"] == "skipped":
                print(f"{name:14s} skipped in fit after {r['seconds']:.1f} s: {r['reason']}")
                continue
            fitted = f" fitted={r['fitted']}" if r["fitted"] else ""
            print(
                f"{name:14s} fit {r['seconds']:8.2f} s  peak RSS {r['peak_bytes'] / 1024**3:5.2f} GiB "
                f"(before fit {r['rss_before_fit'] / 1024**3:4.2f})  found {r['n_clusters']} clusters, "
                f"noise {r['noise']:.3f}{fitted}  [process {time.perf_counter() - wall:.1f} s]"
            )


def run_metrics(dataset: object, repeats: int = 3) -> None:
    from sklearn.cluster import KMeans

    from musicbench.benchmark.running.evaluation import evaluate

    registry = build_registry(entry_points=False, environ={})
    X = dataset.audio
    labels = KMeans(dataset.n_classes(), n_init=1, random_state=SEED).fit_predict(X)
    latent = (X @ np.random.default_rng(SEED).normal(size=(X.shape[1], 16))).astype(np.float32)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = evaluate(registry.metrics(), dataset, latent, labels)
        times.append(time.perf_counter() - start)
    print(f"\n## all metrics for one cell: {X.shape[0]:,} rows, {len(results)} figures")
    print(f"evaluate: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s of {repeats}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=100_000, help="synthetic rows (section 3)")
    parser.add_argument("--no-real", action="store_true", help="skip sections 1 and 2")
    parser.add_argument("--only", nargs="*", default=[], help="these clusterers only")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per clusterer")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.k)
        return
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    registry = build_registry(entry_points=False, environ={})
    if not args.no_real:
        dataset = registry.get("dataset", "spotify").create().load()
        run_clusterers(
            clusterer_input(dataset.audio), dataset.n_classes(), "TidyTuesday (spotify loader)", args.timeout, args.only
        )
        run_metrics(dataset)
    if args.n_tracks > 0:
        start = time.perf_counter()
        synthetic = registry.get("dataset", "synthetic").create(n_tracks=args.n_tracks, lyrics=False).load()
        print(f"\n(synthetic data generated in {time.perf_counter() - start:.1f} s)")
        run_clusterers(clusterer_input(synthetic.audio), synthetic.n_classes(), "synthetic", args.timeout, args.only)
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
