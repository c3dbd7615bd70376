"""One contract test over every registered encoder: built-ins and installed plugins."""

from __future__ import annotations

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
    expected = {"raw", "pca", "umap", "autoencoder", "vae", "beta-vae", "multimodal-vae", "vade"}
    assert expected <= set(ENCODERS)


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_contract(name: str, dataset: Dataset) -> None:
    assert check_encoder(REGISTRY.get("encoder", name), dataset) == []


def test_beta_vae_is_the_vae_class_with_other_defaults() -> None:
    vae, beta = REGISTRY.get("encoder", "vae"), REGISTRY.get("encoder", "beta-vae")
    assert beta.factory is vae.factory
    assert beta.create().beta == 4.0 and vae.create().beta == 1.0
