"""Benchmarks: each built-in encoder's fit and transform.

One round per case: a neural encoder's fit takes seconds, and its spread across
rounds is small next to the differences between encoders.
"""

from __future__ import annotations

import pytest

from musicbench import Dataset, build_registry
from musicbench.resolution import resolve_encoder_params
from tests.speed.sizes import DATASETS

# `precomputed` reads vectors made elsewhere: there is nothing of its own to time.
ENCODERS = [e for e in build_registry(entry_points=False, environ={}).entries("encoder") if not e.info.needs_user_file]


def fit_transform(entry, dataset: Dataset):
    encoder = entry.factory(**resolve_encoder_params(entry, {}, seed=0))
    return encoder.fit(dataset).transform(dataset)


@pytest.mark.parametrize("entry", ENCODERS, ids=[e.name for e in ENCODERS])
@pytest.mark.parametrize("data", DATASETS)
def test_encoder_fit_transform(benchmark, request: pytest.FixtureRequest, entry, data: str) -> None:
    dataset: Dataset = request.getfixturevalue(data)
    if "lyrics" in getattr(entry.factory, "required_modalities", ()) and "lyrics" not in dataset.modalities:
        pytest.skip(f"{entry.name} needs lyrics")
    benchmark.group = f"encoder fit+transform: {data}"
    Z = benchmark.pedantic(fit_transform, args=(entry, dataset), rounds=1, iterations=1)
    assert Z.shape[0] == dataset.n_tracks
