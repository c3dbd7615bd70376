"""VaDE: its mixture size, its own clusters, and predict()."""

from __future__ import annotations

import numpy as np
import pytest

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
    vade = VaDE(**QUICK).fit(small_dataset)
    weights = vade.module_.prior()[0].exp()
    assert float(weights.min()) >= 0.2 / vade.n_components_ * 0.99  # floored GMM weights
    low, high = vade.module_.log_var_bounds.tolist()
    log_var = vade.module_.prior()[2].detach()
    assert float(log_var.min()) >= low - 1e-6 and float(log_var.max()) <= high + 1e-6
