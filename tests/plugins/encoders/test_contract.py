"""One contract test over every registered encoder: built-ins and installed plugins."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from musicbench.benchmark.checks import check_encoder, tiny_dataset
from musicbench import Dataset, build_registry

# Entry points included: an installed encoder plugin is held to the same contract.
REGISTRY = build_registry(environ={})
ENCODERS = REGISTRY.names("encoder")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return tiny_dataset(REGISTRY)


def test_every_builtin_encoder_is_registered() -> None:
    expected = {"raw", "text", "pca", "umap", "autoencoder", "vae", "beta-vae", "multimodal-vae", "vade", "idec", "precomputed"}
    assert expected <= set(ENCODERS)


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_contract(name: str, dataset: Dataset, tmp_path: Path) -> None:
    entry = REGISTRY.get("encoder", name)
    if entry.meta.get("needs_user_file"):  # precomputed: give it a file for this dataset
        table = tmp_path / "vectors.csv"
        vectors = np.random.default_rng(0).normal(size=(dataset.n_tracks, 4))
        lines = ["track_id,a,b,c,d"] + [f"{t}," + ",".join(map(str, row)) for t, row in zip(dataset.track_ids, vectors)]
        table.write_text("\n".join(lines) + "\n")
        entry = dataclasses.replace(entry, meta={**entry.meta, "check_params": {"path": str(table)}})
    assert check_encoder(entry, dataset) == []


def test_beta_vae_is_the_vae_class_with_other_defaults() -> None:
    vae, beta = REGISTRY.get("encoder", "vae"), REGISTRY.get("encoder", "beta-vae")
    assert beta.factory is vae.factory
    assert beta.create().beta == 4.0 and vae.create().beta == 1.0
