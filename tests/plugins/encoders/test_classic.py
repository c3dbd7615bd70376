"""raw, pca and umap."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.classic import PCAEncoder, RawEncoder


def test_raw_returns_the_features(small_dataset: Dataset) -> None:
    Z = RawEncoder().fit(small_dataset).transform(small_dataset)
    assert np.array_equal(Z, small_dataset.audio) and Z is not small_dataset.audio


def test_pca_components(small_dataset: Dataset) -> None:
    assert PCAEncoder(n_components=3).fit(small_dataset).transform(small_dataset).shape == (small_dataset.n_tracks, 3)
    kept = PCAEncoder(n_components=0.5).fit(small_dataset).pca_.explained_variance_ratio_
    assert kept.sum() >= 0.5 and kept[:-1].sum() < 0.5
    with pytest.raises(ConfigError, match="n_components"):
        PCAEncoder(n_components=99).fit(small_dataset)
