"""Benchmark: the full metric set for one cell."""

from __future__ import annotations

import math

import pytest
from sklearn.cluster import KMeans

from musicbench import Dataset, Registry
from musicbench.benchmark.running.evaluation import evaluate
from tests.speed.sizes import DATASETS


@pytest.mark.parametrize("data", DATASETS)
def test_all_metrics_for_one_cell(benchmark, request: pytest.FixtureRequest, registry: Registry, data: str) -> None:
    dataset: Dataset = request.getfixturevalue(data)
    labels = KMeans(dataset.n_classes(), n_init=1, random_state=0).fit_predict(dataset.audio)
    embedding = dataset.audio[:, :4]
    benchmark.group = "all metrics, one cell"
    results = benchmark.pedantic(
        evaluate, args=(registry.metrics(), dataset, embedding, labels), rounds=3, iterations=1
    )
    assert not math.isnan(results[f"nmi[{dataset.primary_label}]"].value)
    assert not math.isnan(results["silhouette@reference"].value)
