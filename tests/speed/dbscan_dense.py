"""DBSCAN when nearly every point neighbours every other: musicbench's chunked walk
against scikit-learn's DBSCAN, time and peak memory, one subprocess each.

The input imitates a collapsed latent space (a beta-VAE's at the seed's eps of 0.5):
``n`` points in 16 dimensions drawn so that a point has, on average, most of the
others within ``eps``. Both sides get the same float64 matrix, eps and min_samples;
the script checks that their labels are equal.

    python tests/speed/dbscan_dense.py [--n 18454] [--scale 0.1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import pairwise_distances

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

EPS, MIN_SAMPLES, DIMENSIONS = 0.5, 5, 16


def side(which: str, data: str, labels_out: str) -> None:
    """Fit one side on the saved matrix; print its time and peak RSS as JSON."""
    from sklearn.cluster import DBSCAN as SklearnDBSCAN

    from musicbench.plugins.clusterers.dbscan import DBSCAN

    X = np.load(data)
    if which == "musicbench":
        model = DBSCAN(eps=EPS, min_samples=MIN_SAMPLES)
    else:
        model = SklearnDBSCAN(eps=EPS, min_samples=MIN_SAMPLES)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    labels = model.fit(X).labels_
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    np.save(labels_out, labels)
    print(json.dumps({"seconds": seconds, "peak": peak, "before": before}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=18_454)
    parser.add_argument("--scale", type=float, default=0.1, help="standard deviation of each coordinate")
    parser.add_argument("--side", choices=["musicbench", "scikit-learn"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--labels", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(args.side, args.data, args.labels)
        return
    X = np.random.default_rng(0).normal(scale=args.scale, size=(args.n, DIMENSIONS))
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "X.npy")
        np.save(data, X)
        found = {}
        for which in ("musicbench", "scikit-learn"):
            labels = str(Path(tmp) / f"{which}.npy")
            out = subprocess.run(
                [sys.executable, __file__, "--side", which, "--data", data, "--labels", labels],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found[which] = (json.loads(out.splitlines()[-1]), np.load(labels))
    neighbours = (pairwise_distances(X[:1000], X) <= EPS).sum(axis=1)  # 1,000 rows: about 150 MB at the default n
    print(
        f"{args.n:,} x {DIMENSIONS}, eps {EPS}, min_samples {MIN_SAMPLES}: "
        f"a point has about {neighbours.mean():,.0f} neighbours"
    )
    for which, (figures, _) in found.items():
        print(
            f"{which:13} {figures['seconds']:7.1f} s   peak RSS {figures['peak'] / 2**20:7.0f} MiB "
            f"(after imports and data: {figures['before'] / 2**20:.0f} MiB)"
        )
    same = np.array_equal(found["musicbench"][1], found["scikit-learn"][1])
    print(f"labels equal: {same}")


if __name__ == "__main__":
    main()
