"""Runner benchmark: wall times of ``bench run`` against a plain Python loop.

Measures, on the default synthetic dataset (or ``--n-tracks``):

1. ``bench run --all`` (``--jobs 1``) from an empty store and cache;
2. the same command again, with nothing new to compute;
3. a plain Python loop over exactly the same cells (fit, transform, cluster,
   metrics; no store, cache, processes or progress), run as its own process so
   both sides pay the interpreter start and the imports; the runner's overhead is
   ``(1) / (3) - 1``;
4. ``--jobs 2`` against ``--jobs 1`` on the same grid, from empty stores.

Usage (from the repository root)::

    python tests/speed/runner_overhead.py            # built-ins if any, else stand-ins
    python tests/speed/runner_overhead.py --toy      # the stand-in plugins of the tests

With ``--toy`` (the default while no built-in encoder is registered) the built-in
encoders, clusterers and metrics are disabled and ``tests/benchmark/plugins/toy.py``
stands in: PCA, a small torch autoencoder, an encoder that clusters itself, an
encoder that needs lyrics, k-means, NMI and silhouette. Timings depend on the load of
the machine: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOY = REPO / "tests" / "benchmark" / "plugins" / "toy.py"
ISOLATE = [
    "--disable",
    "musicbench.plugins.encoders",
    "--disable",
    "musicbench.plugins.clusterers",
    "--disable",
    "musicbench.plugins.metrics",
]


def plugin_args(toy: bool) -> list[str]:
    return ["--plugin", str(TOY), *ISOLATE] if toy else []


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def bench_run(folder: Path, toy: bool, n_tracks: int | None, *extra: str) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    dataset = ["-P", f"n_tracks={n_tracks}"] if n_tracks else []
    command = [
        sys.executable,
        "-m",
        "musicbench.benchmark",
        "run",
        "--all",
        "--store",
        str(folder / "store.sqlite"),
        "--top",
        "0",
        *plugin_args(toy),
        *dataset,
        *extra,
    ]
    seconds, proc = timed(command)
    if proc.returncode not in (0, 1):
        sys.exit(f"bench run failed ({proc.returncode}):\n{proc.stderr}")
    return seconds


def plain_loop(toy: bool, n_tracks: int | None) -> None:
    """The same cells as ``bench run --all``, computed in a plain loop in this process."""
    sys.path.insert(0, str(REPO))
    from musicbench import build_registry
    from musicbench.benchmark.planning.config import OWN, RunConfig, select
    from musicbench.benchmark.planning.datasets import load_dataset
    from musicbench.benchmark.planning.plan import make_plan
    from musicbench.benchmark.running.evaluation import evaluate
    from musicbench.benchmark.running.work import limit_threads

    limit_threads(1)  # what bench run's workers do by default (--threads 1)
    disabled = ISOLATE[1::2] if toy else []
    registry = build_registry([TOY] if toy else [], disabled)
    config = RunConfig(dataset_params={"n_tracks": n_tracks} if n_tracks else {})
    config.encoders = select(registry, "encoder", None, {}, True)
    config.clusterers = select(registry, "clusterer", None, {}, True)
    dataset = load_dataset(registry, config.dataset, config.dataset_params)
    plan = make_plan(registry, config, dataset)
    metrics = registry.metrics()
    by_embedding: dict[str, list] = {}
    for cell in plan.cells:
        if not cell.skip_reason:
            by_embedding.setdefault(cell.embedding.key, []).append(cell)
    for cells in by_embedding.values():
        spec = cells[0].embedding
        encoder = registry.get("encoder", spec.encoder).factory(**spec.params).fit(dataset)
        Z = encoder.transform(dataset)
        for cell in cells:
            if cell.clusterer == OWN:
                labels = encoder.predict(dataset)
            else:
                labels = registry.get("clusterer", cell.clusterer).factory(**cell.params).fit_predict(Z)
            evaluate(metrics, dataset, Z, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toy", action="store_true", help="use the tests' stand-in plugins")
    parser.add_argument("--n-tracks", type=int, help="synthetic dataset size (default: the dataset's default)")
    parser.add_argument("--plain-loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if not args.toy:
        from musicbench import build_registry

        args.toy = not build_registry().names("encoder")
    if args.plain_loop:
        plain_loop(args.toy, args.n_tracks)
        return
    print(
        f"plugins: {'stand-ins (tests/benchmark/plugins/toy.py)' if args.toy else 'built-ins'}; "
        f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        first = bench_run(root / "a", args.toy, args.n_tracks, "--jobs", "1")
        again = bench_run(root / "a", args.toy, args.n_tracks, "--jobs", "1")
        loop_command = [sys.executable, __file__, "--plain-loop"] + (["--toy"] if args.toy else [])
        loop_command += ["--n-tracks", str(args.n_tracks)] if args.n_tracks else []
        loop, proc = timed(loop_command)
        if proc.returncode:
            sys.exit(f"plain loop failed:\n{proc.stderr}")
        jobs1 = bench_run(root / "b", args.toy, args.n_tracks, "--jobs", "1", "--threads", "1")
        jobs2 = bench_run(root / "c", args.toy, args.n_tracks, "--jobs", "2", "--threads", "1")
    print(f"bench run --all (jobs 1, fresh store):        {first:7.2f} s")
    print(f"second run, nothing new to compute:          {again:7.2f} s")
    print(f"plain Python loop over the same cells:       {loop:7.2f} s")
    print(f"runner overhead vs the plain loop:           {100 * (first / loop - 1):+7.1f} %")
    print(f"--jobs 1 --threads 1:                        {jobs1:7.2f} s")
    print(f"--jobs 2 --threads 1:                        {jobs2:7.2f} s")
    print(f"speed-up of --jobs 2 over --jobs 1:          {jobs1 / jobs2:7.2f} x")
    print(f"load average after: {os.getloadavg()[0]:.2f} (other processes on the machine inflate every figure)")


if __name__ == "__main__":
    main()
