"""Seed-style pipeline against musicbench on the same cells: wall time and peak memory.

Both sides run as subprocesses on the same machine, one after the other, on the
same synthetic tracks (18,454 by default: the size of the Kaggle lyrics dataset the
seed used). The cells are the seed's: VAE, multimodal VAE and beta-VAE at the seed's
settings (hidden 256 and 128, latent 16, batch 256, Adam 1e-3, 30 epochs, no early
stopping), each clustered by KMeans, ward agglomerative and DBSCAN (eps 0.5,
min_samples 5), one seed. Peak memory is the largest total memory (PSS) of each
side's process tree, sampled every 50 ms. Both sides use both cores: the seed-style
script through torch's and BLAS's own threads, musicbench through ``--jobs 2``
(one thread per worker), as a user of each would run it.

    python tests/benchmarks/compare_seed_pipeline.py [--n-tracks 18454] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks.measure import REPO, measure  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=18_454)
    parser.add_argument("--jobs", type=int, default=2, help="musicbench worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "seed.toml").write_text(config(args.n_tracks))
        seed_cmd = [sys.executable, str(REPO / "tests/benchmarks/seed_style_pipeline.py"), "--n-tracks", str(args.n_tracks)]
        bench_cmd = [sys.executable, "-m", "benchmark", "run", "--config", "seed.toml", "--store", "s.sqlite",
                     "--jobs", str(args.jobs), "--top", "0"]  # fmt: skip
        seed_wall, seed_peak, seed_out, seed_code = measure(seed_cmd, work)
        bench_wall, bench_peak, _, bench_code = measure(bench_cmd, work)
        if seed_code or bench_code:
            sys.exit(f"a side failed: seed-style exit {seed_code}, musicbench exit {bench_code}")
        seed_cells = [json.loads(line) for line in seed_out.splitlines() if '"encoder"' in line]
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
