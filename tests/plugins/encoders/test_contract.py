"""The built-in encoders are registered as documented (the contract over every encoder:
tests/registry/test_contract.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from musicbench import build_registry
from musicbench.testing import run_check, tiny_dataset

# Entry points included: an installed encoder plugin is held to the same contract.
REGISTRY = build_registry(environ={})
ENCODERS = REGISTRY.names("encoder")


def test_every_builtin_encoder_is_registered() -> None:
    expected = {
        "raw",
        "text",
        "pca",
        "umap",
        "autoencoder",
        "vae",
        "beta-vae",
        "multimodal-vae",
        "vade",
        "idec",
        "n2d",
        "precomputed",
    }
    assert expected <= set(ENCODERS)


def test_precomputed_meets_the_contract_given_a_file(tmp_path: Path) -> None:
    """The generic contract test skips ``precomputed`` (it reads a file of the user's): here it gets one."""
    dataset = tiny_dataset(REGISTRY)
    table = tmp_path / "vectors.csv"
    vectors = np.random.default_rng(0).normal(size=(dataset.n_tracks, 4))
    rows = [f"{t}," + ",".join(map(str, row)) for t, row in zip(dataset.track_ids, vectors, strict=True)]
    table.write_text("\n".join(["track_id,a,b,c,d", *rows]) + "\n")
    entry = REGISTRY.get("encoder", "precomputed")
    given = dataclasses.replace(entry, meta={**entry.meta, "check_params": {"path": str(table)}}, info=None)
    result = run_check(given, dataset)
    assert result.status == "pass", result.detail
    assert run_check(entry, dataset).status == "skip"  # without a file: skipped, not failed


def test_beta_vae_is_the_vae_class_with_other_defaults() -> None:
    vae, beta = REGISTRY.get("encoder", "vae"), REGISTRY.get("encoder", "beta-vae")
    assert beta.factory is vae.factory
    assert beta.create().beta == 4.0 and vae.create().beta == 1.0
