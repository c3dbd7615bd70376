"""Estimates behind the scheduler's order and the progress ETA."""

from __future__ import annotations

import io

from rich.console import Console

from musicbench.benchmark.running.progress import GUESS_CLUSTER_S, GUESS_ENCODE_S, Estimates, Reporter

ROWS = [
    ("same", "vae", "kmeans", 10.0, 1.0),
    ("same", "vae", "gmm", 12.0, 3.0),
    ("other", "vae", "kmeans", 100.0, 9.0),
    ("other", "umap", "kmeans", 60.0, 5.0),
]


def test_estimates_prefer_this_dataset_then_any_then_this_run():
    estimates = Estimates(ROWS, fingerprint="same")
    assert estimates.encode("vae") == 11.0  # this dataset's rows only
    assert estimates.cluster("kmeans") == 1.0
    assert estimates.encode("umap") == 60.0  # known from another dataset only
    assert (estimates.encode("new"), estimates.cluster("new")) == (GUESS_ENCODE_S, GUESS_CLUSTER_S)
    estimates.observe("encode", "vae", 2.0)
    estimates.observe("encode", "vae", 4.0)
    assert estimates.encode("vae") == 3.0  # this run's own tasks win


def test_a_declared_cost_stands_in_until_the_store_knows_better():
    declared = {"encode:umap": 5.4, "encode:brand-new": 0.2, "cluster:kmeans": 0.1}
    estimates = Estimates(ROWS, fingerprint="same", declared=declared)
    assert estimates.encode("brand-new") == 0.2  # never run: its registered cost
    assert estimates.encode("umap") == 60.0  # stored runs beat the declared cost
    assert estimates.cluster("kmeans") == 1.0
    assert estimates.encode("unknown") == GUESS_ENCODE_S  # nothing declared either


def test_the_eta_spreads_the_work_left_over_the_workers():
    reporter = Reporter(Console(file=io.StringIO()), "nmi[genre]", jobs=2)
    reporter.working([("fitting vae (seed 0)", 0.0)], remaining_s=40.0)
    assert 19.0 < reporter.eta_s() <= 20.0
    reporter.working([], remaining_s=0.0)
    assert reporter.eta_s() == 0.0
