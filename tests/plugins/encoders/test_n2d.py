"""N2D: autoencoder -> UMAP -> GMM, with its own clusters."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.n2d import N2D, code_size, layout_epochs

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
    with pytest.raises(ConfigError, match="n_epochs"):
        N2D(umap_epochs=0, **QUICK).fit(small_dataset)


def test_the_code_keeps_half_the_features_and_at_least_eight() -> None:
    assert [code_size(n) for n in (3, 10, 16, 17, 57, 71)] == [8, 8, 8, 8, 28, 35]


def test_the_layout_is_shorter_from_ten_thousand_tracks(
    small_dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [layout_epochs(n) for n in (300, 9_999, 10_000, 28_356)] == [100, 100, 50, 50]
    from musicbench.plugins.encoders import n2d

    monkeypatch.setattr(n2d, "LARGE_FROM", small_dataset.n_tracks)  # the fit reads the rule, not a constant
    assert N2D(epochs=2, random_state=0, n_threads=1).fit(small_dataset).umap_.umap_.n_epochs == 50


def test_default_fit_uses_the_rules_and_a_given_value_wins(small_dataset: Dataset) -> None:
    assert N2D().epochs is None and N2D().patience == 10  # the shared step schedule (test_training)
    model = N2D(epochs=2, random_state=0, n_threads=1).fit(small_dataset)
    assert model.autoencoder_.latent_dim == code_size(small_dataset.audio.shape[1])
    assert model.autoencoder_.epochs == 2 and len(model.autoencoder_.history_.train_loss) <= 2
    assert N2D().umap_epochs is None  # layout_epochs(n_tracks)
    assert model.umap_.n_epochs == 100 and model.umap_.umap_.n_epochs == 100
    fixed = N2D(epochs=2, latent_dim=3, umap_epochs=7, random_state=0, n_threads=1).fit(small_dataset)
    assert fixed.autoencoder_.latent_dim == 3 and fixed.transform(small_dataset).shape[1] == small_dataset.n_classes()
    assert fixed.umap_.umap_.n_epochs == 7
