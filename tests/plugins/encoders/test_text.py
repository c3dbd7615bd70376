"""The text encoder: lyrics (else titles) as TF-IDF + SVD, rows of unit length."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from musicbench import MISSING_LABEL, Dataset
from musicbench.errors import DataError
from musicbench.plugins.encoders.text import TextEncoder


def test_lyrics_are_preferred_and_rows_have_unit_length(small_dataset: Dataset) -> None:
    encoder = TextEncoder(n_components=8, random_state=0).fit(small_dataset)
    assert encoder.modalities_ == ["lyrics"]
    Z = encoder.transform(small_dataset)
    assert Z.shape == (small_dataset.n_tracks, 8) and Z.dtype == np.float32
    norms = np.linalg.norm(Z, axis=1)
    has_text = small_dataset.texts["lyrics"] != MISSING_LABEL
    assert np.allclose(norms[has_text], 1.0, atol=1e-5)
    assert np.all(norms[~has_text] == 0.0)  # no lyrics: the origin, not a made-up direction


def test_the_synthetic_lyrics_carry_the_genre(small_dataset: Dataset) -> None:
    Z = TextEncoder(n_components=16, random_state=0).fit_transform(small_dataset)
    labels = KMeans(small_dataset.n_classes(), n_init=10, random_state=0).fit_predict(Z)
    assert normalized_mutual_info_score(small_dataset.labels["genre"], labels) > 0.5


def test_titles_are_used_without_lyrics_and_no_text_is_refused(small_dataset: Dataset) -> None:
    titles_only = replace(small_dataset, texts={"title": small_dataset.texts["title"]})
    assert TextEncoder(n_components=4, random_state=0).fit(titles_only).modalities_ == ["title"]
    empty = replace(small_dataset, texts={})
    with pytest.raises(DataError, match="needs the modality lyrics or title"):
        TextEncoder().fit(empty)
