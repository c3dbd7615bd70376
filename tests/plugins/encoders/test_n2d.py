"""N2D: autoencoder -> UMAP -> GMM, with its own clusters."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.n2d import N2D

QUICK = {"epochs": 5, "random_state": 0, "n_threads": 1}


@pytest.fixture(scope="module")
def fitted(small_dataset: Dataset) -> N2D:
    return N2D(**QUICK).fit(small_dataset)


def test_labels_are_the_mixture_of_the_umap_embedding(fitted: N2D, small_dataset: Dataset) -> None:
    k = small_dataset.n_classes()
    embedding = fitted.transform(small_dataset)
    assert embedding.shape == (small_dataset.n_tracks, k) and embedding.dtype == np.float32  # umap_dim = K
    assert fitted.labels_.shape == (small_dataset.n_tracks,) and set(fitted.labels_.tolist()) <= set(range(k))
    assert np.array_equal(fitted.predict(small_dataset), fitted.labels_)
    assert np.array_equal(fitted.mixture_.predict(embedding), fitted.labels_)
    truth = small_dataset.labels[small_dataset.primary_label]
    assert normalized_mutual_info_score(truth, fitted.labels_) > 0.2  # it finds genre structure
    assert len(set(fitted.labels_.tolist())) >= k - 1


def test_equal_seeds_give_equal_clusters(fitted: N2D, small_dataset: Dataset) -> None:
    again = N2D(**QUICK).fit(small_dataset)
    assert np.array_equal(again.labels_, fitted.labels_)
    assert np.allclose(again.transform(small_dataset), fitted.transform(small_dataset))


def test_bad_cluster_counts_are_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_clusters"):
        N2D(n_clusters=0, **QUICK).fit(small_dataset)
    with pytest.raises(ConfigError, match="umap_dim"):
        N2D(umap_dim=0, **QUICK).fit(small_dataset)
