"""Seed-style pipeline against musicbench on the same cells: wall time and peak memory.

Both sides run as subprocesses on the same machine, one after the other, on the
same synthetic tracks (18,454 by default: the size of the Kaggle lyrics dataset the
seed used). The cells are the seed's: VAE, multimodal VAE and beta-VAE at the seed's
settings (hidden 256 and 128, latent 16, batch 256, Adam 1e-3, 30 epochs, no early
stopping), each clustered by KMeans, ward agglomerative and DBSCAN (eps 0.5,
min_samples 5), one seed. Peak memory is the largest total resident memory of each
side's process tree, sampled every 50 ms.

    python tests/benchmarks/compare_seed_pipeline.py [--n-tracks 18454] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
SEED_SETTINGS = """
hidden_sizes = [[256, 128]]
latent_dim = 16
epochs = 30
batch_size = 256
learning_rate = 0.001
patience = 30
"""


def config(n_tracks: int) -> str:
    encoders = "".join(f"\n[encoders.{name}]{SEED_SETTINGS}" for name in ("vae", "beta-vae", "multimodal-vae"))
    return (
        f"seeds = [0]\n[dataset]\nname = \"synthetic\"\nparams = {{ n_tracks = {n_tracks} }}\n{encoders}\n"
        "[clusterers.kmeans]\n[clusterers.agglomerative]\n[clusterers.dbscan]\neps = 0.5\nmin_samples = 5\n"
    )


def measure(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes of the whole process tree, and stdout."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with exit code {proc.returncode}")
    return wall, peak, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=18_454)
    parser.add_argument("--jobs", type=int, default=1, help="musicbench worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "seed.toml").write_text(config(args.n_tracks))
        seed_cmd = [sys.executable, str(REPO / "tests/benchmarks/seed_style_pipeline.py"), "--n-tracks", str(args.n_tracks)]
        bench_cmd = [sys.executable, "-m", "benchmark", "run", "--config", "seed.toml", "--store", "s.sqlite",
                     "--jobs", str(args.jobs), "--top", "0"]  # fmt: skip
        seed_wall, seed_peak, seed_out = measure(seed_cmd, work)
        bench_wall, bench_peak, _ = measure(bench_cmd, work)
        seed_cells = [json.loads(line) for line in seed_out.splitlines() if '"encoder"' in line]
        sys.path.insert(0, str(REPO))
        from benchmark.store import ResultStore

        store = ResultStore(work / "s.sqlite")
        rows = store.records()
        store.close()
    ok = [r for r in rows if r.status == "ok"]
    seed_metrics = max(len(c) - 2 for c in seed_cells)
    bench_metrics = max(len(r.metrics) for r in ok) if ok else 0
    print(f"tracks: {args.n_tracks:,}; machine: {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 1024**3:.0f} GiB; musicbench --jobs {args.jobs}")  # fmt: skip
    print(f"{'':12} {'cells':>6} {'metrics/cell':>13} {'wall s':>8} {'peak MiB':>9}")
    print(f"{'seed-style':12} {len(seed_cells):>6} {seed_metrics:>13} {seed_wall:>8.1f} {seed_peak / 2**20:>9.0f}")
    print(f"{'musicbench':12} {len(ok):>6} {bench_metrics:>13} {bench_wall:>8.1f} {bench_peak / 2**20:>9.0f}")
    print(f"ratio seed/musicbench: wall {seed_wall / bench_wall:.2f}x, peak memory {seed_peak / bench_peak:.2f}x")


if __name__ == "__main__":
    main()
