"""The work a worker does for a cell, seen through a real run on real data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from musicbench.benchmark.results.store import ResultStore
from tests.benchmark.support import PLUGIN_DIR, bench, toy_run_args

THREADS = PLUGIN_DIR / "threads.py"


def test_gmm_on_gtzan_raw_features_fits_every_seed(tmp_path: Path, gtzan_path: Path) -> None:
    # In float32 scikit-learn's full-covariance GMM failed here for seed 2 ("ill-defined
    # empirical covariance"); clusterers are handed float64.
    store = tmp_path / "s.sqlite"
    done = bench(
        "run",
        "--dataset",
        "gtzan",
        "--data",
        gtzan_path,
        "--encoders",
        "raw",
        "--clusterers",
        "gmm",
        "--seeds",
        "3",
        "--store",
        store,
        "--top",
        "0",
    )
    assert done.returncode == 0, done.stderr
    results = ResultStore(store)
    statuses = sorted((r.seed, r.status) for r in results.records())
    results.close()
    assert statuses == [(0, "ok"), (1, "ok"), (2, "ok")]


def test_each_task_starts_with_the_runs_thread_count(tmp_path: Path) -> None:
    # One worker (--jobs 1) runs the encode task, which leaves torch at two threads,
    # then the cluster task on its embedding: that task must start at --threads 1 again.
    store = tmp_path / "s.sqlite"
    done = bench(
        *toy_run_args(store, "--plugin", THREADS, "--encoders", "thread-raiser", "--clusterers", "thread-reader"),
        "--seeds", "1", "--jobs", "1", "--top", "0",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = ResultStore(store)
    (cell,) = results.records()
    results.close()
    assert cell.status == "ok", cell.reason
    assert cell.fitted_params == {"torch_threads": 1}


def test_numbas_parallel_code_runs_at_the_workers_thread_count() -> None:
    # umap-learn's parallel numba code ran on every core and, in N2D, through numba's
    # OpenMP layer left torch's OpenMP runtime (the same libgomp) there: 2 threads in
    # every later torch fit of that worker on a 2-core machine. A worker caps numba too.
    script = (
        "import numba, numpy as np, torch\n"
        "from musicbench.benchmark.running.work import limit_threads\n"
        "limit_threads(1)\n"
        "@numba.njit(parallel=True)\n"
        "def total(x):\n"
        "    s = 0.0\n"
        "    for i in numba.prange(x.shape[0]):\n"
        "        s += x[i]\n"
        "    return s\n"
        "total(np.ones(100000))\n"
        "print(numba.get_num_threads(), torch.get_num_threads())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"], done.stdout
