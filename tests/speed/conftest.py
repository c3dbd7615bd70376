"""Sizes for the performance suite.

A normal test run passes ``--benchmark-disable`` (see pyproject.toml): each benchmark
then runs once, on small data, as a test that the benchmark itself works. With
``--benchmark-enable`` the suite measures realistic sizes: the 28k TidyTuesday
tracks and 100k synthetic tracks; ``--run-scale`` adds the 1,000,000-track point.
"""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import Dataset, Registry
from tests.speed.sizes import SCALE_TRACKS, SMOKE_TRACKS, SYNTHETIC_TRACKS


def measuring(config: pytest.Config) -> bool:
    return not config.getoption("benchmark_disable")


@pytest.fixture(scope="session")
def tidytuesday(registry: Registry, request: pytest.FixtureRequest, tidytuesday_path) -> Dataset:
    data = registry.get("dataset", "spotify").create(path=str(tidytuesday_path)).load()
    # The file is sorted by playlist: take evenly spaced rows so every genre is there.
    return (
        data if measuring(request.config) else data.subset(np.linspace(0, data.n_tracks - 1, SMOKE_TRACKS).astype(int))
    )


@pytest.fixture(scope="session")
def synthetic_1m(registry: Registry) -> Dataset:
    """The scale point; tests using it are marked ``scale`` (opt in with ``--run-scale``)."""
    return registry.get("dataset", "synthetic").create(n_tracks=SCALE_TRACKS).load()


@pytest.fixture(scope="session")
def synthetic_100k(registry: Registry, request: pytest.FixtureRequest) -> Dataset:
    n = SYNTHETIC_TRACKS if measuring(request.config) else SMOKE_TRACKS
    return registry.get("dataset", "synthetic").create(n_tracks=n).load()
