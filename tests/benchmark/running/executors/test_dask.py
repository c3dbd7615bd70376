"""``bench run --scheduler``: a real Dask cluster on loopback gives the serial results."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench.benchmark.results.store import ResultStore
from tests.benchmark.support import FAILING, ISOLATE, SMALL, TOY, bench

distributed = pytest.importorskip("distributed")


def _cells(path):  # type: ignore[no-untyped-def]
    store = ResultStore(path)
    try:
        return {r.key: r for r in store.records(with_labels=True)}
    finally:
        store.close()


def test_dask_results_are_identical_to_a_serial_run(tmp_path):
    args = [
        "--plugin",
        str(TOY),
        "--plugin",
        str(FAILING),
        *ISOLATE,
        *SMALL,
        "--encoders",
        "pca-lite,mixture-embed,broken",
        "--clusterers",
        "kmeans-lite,(own)",
        "--seeds",
        "2",
        "--threads",
        "1",
    ]
    serial = bench("run", "--store", tmp_path / "serial.sqlite", *args)
    assert serial.returncode == 1, serial.stderr  # the broken encoder's rows
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = bench("run", "--store", tmp_path / "dask.sqlite", "--scheduler", cluster.scheduler_address, *args)
    assert on_dask.returncode == 1, on_dask.stderr
    a, b = _cells(tmp_path / "serial.sqlite"), _cells(tmp_path / "dask.sqlite")
    assert set(a) == set(b) and len(a) == 2 * 3 + 2  # 3 encoders x kmeans + mixture's own, x 2 seeds
    for key, row in a.items():
        other = b[key]
        assert (row.status, row.reason, row.metrics) == (other.status, other.reason, other.metrics)
        assert (row.labels is None and other.labels is None) or np.array_equal(row.labels, other.labels)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    proc = bench(
        "run",
        "--store",
        tmp_path / "s.sqlite",
        "--plugin",
        TOY,
        *ISOLATE,
        *SMALL,
        "--encoders",
        "pca-lite",
        "--seeds",
        "1",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert proc.returncode == 2
    assert "Cannot reach the Dask scheduler" in proc.stderr and "Traceback" not in proc.stderr
