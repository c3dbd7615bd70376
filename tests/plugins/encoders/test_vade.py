"""VaDE: its mixture size, its own clusters, and predict()."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.vade import VaDE

QUICK = {"epochs": 3, "pretrain_epochs": 2, "batch_size": 64, "random_state": 0, "n_threads": 1}


def test_components_default_to_the_number_of_genres(small_dataset: Dataset) -> None:
    vade = VaDE(**QUICK).fit(small_dataset)
    assert vade.n_components_ == small_dataset.n_classes()
    assert vade.module_.prior_mean.shape == (small_dataset.n_classes(), vade.latent_dim)


def test_own_clusters_are_exposed(small_dataset: Dataset) -> None:
    vade = VaDE(n_components=3, **QUICK).fit(small_dataset)
    assert vade.labels_.shape == (small_dataset.n_tracks,)
    assert set(np.unique(vade.labels_)) <= {0, 1, 2}
    assert np.array_equal(vade.predict(small_dataset), vade.labels_)
    assert np.array_equal(VaDE(n_components=3, **QUICK).fit_predict(small_dataset), vade.labels_)


def test_bad_component_count_is_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_components"):
        VaDE(n_components=0, **QUICK).fit(small_dataset)


def test_the_mixture_is_guarded_against_collapse(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="gmm", uniform_weights=False, covariance="diag", **QUICK).fit(small_dataset)
    weights = vade.module_.prior()[0].exp()
    assert float(weights.min()) >= 0.2 / vade.n_components_ * 0.99  # floored GMM weights
    low, high = vade.module_.log_var_bounds.tolist()
    log_var = vade.module_.prior()[2].detach()
    assert float(log_var.min()) >= low - 1e-6 and float(log_var.max()) <= high + 1e-6


def test_kmeans_start_with_uniform_weights_and_tied_variances(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", uniform_weights=True, covariance="tied", **QUICK).fit(small_dataset)
    log_weights, _, log_var = (t.detach() for t in vade.module_.prior())
    k = vade.n_components_
    assert torch.allclose(log_weights.exp(), torch.full((k,), 1.0 / k))  # fixed, never learned
    assert vade.module_.prior_log_var.shape == (1, vade.latent_dim)
    assert log_var.shape == (k, vade.latent_dim) and torch.equal(log_var, log_var[:1].expand(k, -1))


def test_per_component_variances_differ_when_not_tied(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", covariance="diag", **QUICK).fit(small_dataset)
    log_var = vade.module_.prior()[2].detach()
    assert not torch.equal(log_var, log_var[:1].expand_as(log_var))


def test_the_kmeans_start_is_the_pretrained_codes_clusters(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", **{**QUICK, "epochs": 0}).fit(small_dataset)  # prior = its start
    codes = vade.transform(small_dataset)
    nearest = ((codes[:, None, :] - vade.module_.prior_mean.detach().numpy()[None]) ** 2).sum(-1).argmin(1)
    for j in np.unique(nearest):  # a KMeans centre is the mean of its tracks
        assert np.allclose(codes[nearest == j].mean(axis=0), vade.module_.prior_mean[j].detach().numpy(), atol=1e-3)


@pytest.mark.parametrize(("key", "value"), [("mixture_init", "random"), ("covariance", "full")])
def test_bad_mixture_options_are_refused(small_dataset: Dataset, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        VaDE(**{**QUICK, key: value}).fit(small_dataset)
