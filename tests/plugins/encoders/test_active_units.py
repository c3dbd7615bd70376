"""Active latent units (Burda et al. 2016) are counted for the VAE family, and collapse warns."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import Dataset
from musicbench.contracts import fit_diagnostics, fitted_modalities
from musicbench.plugins.encoders.core.estimator import PosteriorCollapseWarning, active_units
from musicbench.plugins.encoders.vae import VAE, AutoEncoder

QUICK = {"epochs": 3, "batch_size": 64, "random_state": 0, "n_threads": 1}


def test_active_units_counts_columns_whose_mean_varies() -> None:
    means = np.column_stack([np.linspace(-1, 1, 100), np.full(100, 3.0), np.linspace(0, 0.05, 100)])
    assert active_units(means) == 1


def test_a_fitted_vae_reports_its_active_units(small_dataset: Dataset) -> None:
    vae = VAE(beta=0.1, **QUICK).fit(small_dataset)
    expected = active_units(vae.transform(small_dataset))
    assert vae.active_units_ == expected
    assert fit_diagnostics(vae)["active_units"][0] == expected
    assert fitted_modalities(vae) == ("audio",)
    assert fit_diagnostics(AutoEncoder(**QUICK).fit(small_dataset)) == {}


def test_a_collapsed_posterior_warns(small_dataset: Dataset) -> None:
    with pytest.warns(PosteriorCollapseWarning, match="latent units are active"):
        vae = VAE(beta=200.0, free_bits=0.0, **QUICK).fit(small_dataset)
    assert vae.active_units_ < vae.latent_dim / 2


@pytest.mark.parametrize("name", ["vae", "beta-vae"])
def test_the_defaults_prevent_collapse(registry, small_dataset: Dataset, name: str) -> None:
    """What collapses without free bits keeps every unit with the registered defaults."""
    entry = registry.get("encoder", name)
    settings = {"epochs": 10, "random_state": 0, "n_threads": 1}
    with pytest.warns(PosteriorCollapseWarning):
        collapsed = entry.create(**settings, beta=8.0, free_bits=0.0).fit(small_dataset)
    assert collapsed.active_units_ < collapsed.latent_dim / 2
    kept = entry.create(**settings, beta=8.0).fit(small_dataset)
    assert kept.active_units_ >= kept.latent_dim / 2
    assert entry.create(**settings).fit(small_dataset).active_units_ == 8


def test_kl_warmup_raises_the_kl_weight_linearly_and_keeps_only_full_objective_epochs(small_dataset: Dataset) -> None:
    from musicbench.plugins.encoders.vae import VAEModule

    module = VAEModule(4, (8,), 2, kl_warmup=4)
    weights = [(module.start_epoch(e), module.kl_weight) for e in range(6)]
    assert weights == [(True, 0.0), (True, 0.25), (True, 0.5), (True, 0.75), (False, 1.0), (False, 1.0)]
    vae = VAE(kl_warmup=5, epochs=8, patience=1, **{k: v for k, v in QUICK.items() if k != "epochs"})
    history = vae.fit(small_dataset).history_
    assert history.best_epoch >= 5  # weights from a warm-up epoch are never the ones kept
