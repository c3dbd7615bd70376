"""Benchmarks: each built-in clusterer on the preprocessed features."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import Dataset, build_registry, clusterer_input
from musicbench.benchmark.planning.factories import DEFAULT_MEMORY_BUDGET, skip_reason
from musicbench.resolution import resolve_clusterer_params
from tests.speed.sizes import DATASETS

CLUSTERERS = build_registry(entry_points=False, environ={}).entries("clusterer")


@pytest.mark.parametrize("entry", CLUSTERERS, ids=[e.name for e in CLUSTERERS])
@pytest.mark.parametrize("data", DATASETS)
def test_clusterer_fit_predict(benchmark, request: pytest.FixtureRequest, entry, data: str) -> None:
    dataset: Dataset = request.getfixturevalue(data)
    X = clusterer_input(dataset.audio)  # what the runner hands a clusterer
    params = resolve_clusterer_params(entry, {}, X.shape[0], dataset.n_classes(), seed=0)
    reason = skip_reason(entry, params, *X.shape, budget=DEFAULT_MEMORY_BUDGET)
    if reason:
        pytest.skip(reason)
    benchmark.group = f"clusterer fit_predict: {data}"
    labels = benchmark.pedantic(lambda: entry.factory(**params).fit_predict(X), rounds=1, iterations=1)
    assert np.asarray(labels).shape == (X.shape[0],)
