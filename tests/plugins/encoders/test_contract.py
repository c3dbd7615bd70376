"""The built-in encoders are registered as documented (the contract over every encoder:
tests/registry/test_contract.py)."""

from __future__ import annotations


from musicbench import build_registry

# Entry points included: an installed encoder plugin is held to the same contract.
REGISTRY = build_registry(environ={})
ENCODERS = REGISTRY.names("encoder")


def test_every_builtin_encoder_is_registered() -> None:
    expected = {"raw", "pca", "umap", "autoencoder", "vae", "beta-vae", "multimodal-vae", "vade"}
    assert expected <= set(ENCODERS)


def test_beta_vae_is_the_vae_class_with_other_defaults() -> None:
    vae, beta = REGISTRY.get("encoder", "vae"), REGISTRY.get("encoder", "beta-vae")
    assert beta.factory is vae.factory
    assert beta.create().beta == 4.0 and vae.create().beta == 1.0
