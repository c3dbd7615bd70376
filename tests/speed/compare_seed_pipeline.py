"""Seed-style pipeline against musicbench on the same cells: wall time and peak memory.

All sides run as subprocesses on the same machine, one after the other, on the
same synthetic tracks (18,454 by default: the size of the Kaggle lyrics dataset the
seed used). The cells are the seed's: VAE, multimodal VAE and beta-VAE, each
clustered by KMeans, ward agglomerative and DBSCAN, one seed.

* **seed-style**: ``seed_style_pipeline.py`` at the seed's settings (hidden 256 and
  128, latent 16, batch 256, Adam 1e-3, 30 epochs, DBSCAN eps 0.5 and min_samples 5),
  four figures per cell with silhouette on the full data.
* **musicbench**: ``bench run`` on those cells at musicbench's defaults, what a user
  types: ``--encoders vae,beta-vae,multimodal-vae --clusterers
  kmeans,agglomerative,dbscan``.
* **musicbench, seed's settings**: the same cells with every seed setting given
  through a run configuration, so the two differ only in how the work is done.

Peak memory is the largest total memory (PSS) of each side's process tree, sampled
every 50 ms. Every side uses both cores: the seed-style script through torch's and
BLAS's own threads, musicbench through ``--jobs 2`` (one thread per worker), as a
user of each would run it. ARI against the genre (the one external figure the seed
reports) is printed per cell, so speed is not bought with quality.

    python tests/speed/compare_seed_pipeline.py [--n-tracks 18454] [--jobs 2]
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
from tests.speed.measure import REPO, measure  # noqa: E402

SEED_SETTINGS = """
hidden_sizes = [[256, 128]]
latent_dim = 16
epochs = 30
batch_size = 256
learning_rate = 0.001
patience = 30
"""


ENCODERS = ("vae", "beta-vae", "multimodal-vae")
CLUSTERERS = ("kmeans", "agglomerative", "dbscan")


def seed_config(n_tracks: int) -> str:
    """A run configuration with the seed's settings for every cell."""
    encoders = "".join(f"\n[encoders.{name}]{SEED_SETTINGS}" for name in ENCODERS)
    return (
        f'seeds = [0]\n[dataset]\nname = "synthetic"\nparams = {{ n_tracks = {n_tracks} }}\n{encoders}\n'
        "[clusterers.kmeans]\n[clusterers.agglomerative]\n[clusterers.dbscan]\neps = 0.5\nmin_samples = 5\n"
    )


def bench(store: str, jobs: int, *selection: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "musicbench.benchmark",
        "run",
        "--store",
        store,
        "--jobs",
        str(jobs),
        "--top",
        "0",
        *selection,
    ]


def stored_cells(path: Path) -> list[dict[str, object]]:
    """Each ok cell of a store as ``{"encoder", "clusterer", "ari", "n_metrics"}``."""
    from musicbench.benchmark.results.store import ResultStore

    store = ResultStore(path)
    rows = [r for r in store.records() if r.status == "ok"]
    store.close()
    return [
        {"encoder": r.encoder, "clusterer": r.clusterer, "ari": r.value("ari[genre]"), "n_metrics": len(r.metrics)}
        for r in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=18_454)
    parser.add_argument("--jobs", type=int, default=2, help="musicbench worker processes")
    args = parser.parse_args()
    sides: dict[str, tuple[float, int, list[dict[str, object]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "seed.toml").write_text(seed_config(args.n_tracks))
        seed_cmd = [
            sys.executable,
            str(REPO / "tests/speed/seed_style_pipeline.py"),
            "--n-tracks",
            str(args.n_tracks),
        ]
        wall, peak, out, code = measure(seed_cmd, work)
        if code:
            sys.exit(f"the seed-style script failed with exit {code}")
        cells = [json.loads(line) for line in out.splitlines() if '"encoder"' in line]
        sides["seed-style"] = (wall, peak, [c | {"n_metrics": len(c) - 2} for c in cells])
        runs = {
            "musicbench": bench(
                "defaults.sqlite",
                args.jobs,
                "--seeds",
                "1",
                "-P",
                f"n_tracks={args.n_tracks}",
                "--encoders",
                ",".join(ENCODERS),
                "--clusterers",
                ",".join(CLUSTERERS),
            ),
            "musicbench, seed's settings": bench("seed.sqlite", args.jobs, "--config", "seed.toml"),
        }
        for side, command in runs.items():
            wall, peak, _, code = measure(command, work)
            if code:
                sys.exit(f"{side} failed with exit {code}")
            store = command[command.index("--store") + 1]
            sides[side] = (wall, peak, stored_cells(work / store))
    report(args, sides)


def report(args: argparse.Namespace, sides: dict[str, tuple[float, int, list[dict[str, object]]]]) -> None:
    print(
        f"tracks: {args.n_tracks:,}; machine: {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 1024**3:.0f} GiB; musicbench --jobs {args.jobs}"
    )
    seed_wall, seed_peak, _ = sides["seed-style"]
    print(
        f"{'':30} {'cells':>6} {'metrics/cell':>13} {'wall s':>8} {'peak MiB':>9} {'seed/this wall':>15} {'memory':>7}"
    )
    for side, (wall, peak, cells) in sides.items():
        n_metrics = max(int(c["n_metrics"]) for c in cells)  # type: ignore[call-overload]
        print(
            f"{side:30} {len(cells):>6} {n_metrics:>13} {wall:>8.1f} {peak / 2**20:>9.0f} "
            f"{seed_wall / wall:>14.2f}x {seed_peak / peak:>6.2f}x"
        )
    print("\nARI against genre per cell")
    print(f"{'encoder':16} {'clusterer':14} " + " ".join(f"{side[:28]:>28}" for side in sides))
    for encoder in ENCODERS:
        for clusterer in CLUSTERERS:
            values = []
            for _, _, cells in sides.values():
                found = [c["ari"] for c in cells if c["encoder"] == encoder and c["clusterer"] == clusterer]
                values.append(f"{float(found[0]):>28.3f}" if found else f"{'-':>28}")  # type: ignore[arg-type]
            print(f"{encoder:16} {clusterer:14} " + " ".join(values))


if __name__ == "__main__":
    main()
