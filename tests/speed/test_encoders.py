"""Benchmarks: each built-in encoder's fit and transform.

One round per case: a neural encoder's fit takes seconds, and its spread across
rounds is small next to the differences between encoders.
"""

from __future__ import annotations

import pytest

from musicbench import Dataset, build_registry
from musicbench.resolution import accepted_params, resolve_encoder_params
from tests.speed.conftest import measuring
from tests.speed.sizes import DATASETS

# `precomputed` reads vectors made elsewhere: there is nothing of its own to time.
ENCODERS = [e for e in build_registry(entry_points=False, environ={}).entries("encoder") if not e.info.needs_user_file]


# Run as a test (benchmarks disabled), each case checks that its benchmark works: two
# passes of training do that as well as the defaults' 2,000 optimiser steps, which on
# the 600 smoke tracks took 60 of the suite's test-seconds. Measured, the defaults.
SMOKE_TRAINING = {"epochs": 2, "pretrain_epochs": 2}


def fit_transform(entry, dataset: Dataset, params: dict):
    encoder = entry.factory(**resolve_encoder_params(entry, params, seed=0))
    return encoder.fit(dataset).transform(dataset)


@pytest.mark.parametrize("entry", ENCODERS, ids=[e.name for e in ENCODERS])
@pytest.mark.parametrize("data", DATASETS)
def test_encoder_fit_transform(benchmark, request: pytest.FixtureRequest, entry, data: str) -> None:
    dataset: Dataset = request.getfixturevalue(data)
    if "lyrics" in getattr(entry.factory, "required_modalities", ()) and "lyrics" not in dataset.modalities:
        pytest.skip(f"{entry.name} needs lyrics")
    benchmark.group = f"encoder fit+transform: {data}"
    accepted = accepted_params(entry.factory)
    params = {} if measuring(request.config) else {k: v for k, v in SMOKE_TRAINING.items() if k in accepted}
    Z = benchmark.pedantic(fit_transform, args=(entry, dataset, params), rounds=1, iterations=1)
    assert Z.shape[0] == dataset.n_tracks
