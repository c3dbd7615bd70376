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
        vae = VAE(beta=200.0, **QUICK).fit(small_dataset)
    assert vae.active_units_ < vae.latent_dim / 2
