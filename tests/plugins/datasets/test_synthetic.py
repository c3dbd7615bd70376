"""The embedded synthetic dataset: deterministic, structured, configurable."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from musicbench import MISSING_LABEL, ConfigError
from musicbench.plugins.datasets.synthetic import SyntheticDataset


def test_same_seed_same_dataset() -> None:
    a, b = SyntheticDataset(n_tracks=500, seed=3).load(), SyntheticDataset(n_tracks=500, seed=3).load()
    np.testing.assert_array_equal(a.audio, b.audio)
    assert (a.texts["lyrics"] == b.texts["lyrics"]).all()
    assert a.fingerprint == b.fingerprint
    c = SyntheticDataset(n_tracks=500, seed=4).load()
    assert c.fingerprint != a.fingerprint
    assert not np.array_equal(a.audio, c.audio)


def test_shape_labels_and_modalities() -> None:
    data = SyntheticDataset(n_tracks=1000, n_genres=8, missing_lyrics=0.1).load()
    assert data.n_tracks == 1000 and data.n_classes() == 8 and data.n_classes("subgenre") == 16
    assert data.modalities == ("audio", "lyrics", "title")
    no_lyrics = data.texts["lyrics"] == MISSING_LABEL
    assert 50 < no_lyrics.sum() < 150
    assert (data.labels["language"][no_lyrics] == MISSING_LABEL).all()
    assert len(data.feature_names) == 10  # Spotify's 12 minus key and mode by default


def test_raw_features_keep_spotify_ranges() -> None:
    data = SyntheticDataset(n_tracks=2000, drop_features=(), preprocessing="none").load()
    column = dict(zip(data.feature_names, data.audio.T, strict=True))
    for bounded in ("danceability", "energy", "speechiness", "acousticness", "valence"):
        assert 0.0 <= column[bounded].min() and column[bounded].max() <= 1.0
    assert set(np.unique(column["mode"])) <= {0.0, 1.0}
    assert set(np.unique(column["key"])) <= set(range(12))
    assert column["loudness"].max() <= 0.0
    assert 60 <= column["tempo"].min() and column["tempo"].max() <= 180


def test_genre_structure_is_there_but_not_trivial() -> None:
    data = SyntheticDataset().load()
    pred = KMeans(6, n_init=4, random_state=0).fit_predict(data.audio)
    nmi = normalized_mutual_info_score(data.labels["genre"], pred)
    assert 0.2 < nmi < 0.9


def test_text_depends_on_language_and_genre() -> None:
    data = SyntheticDataset(n_tracks=2000).load()
    spanish = data.labels["language"] == "es"
    words_es = Counter(" ".join(data.texts["lyrics"][spanish]).split())
    words_en = Counter(" ".join(data.texts["lyrics"][data.labels["language"] == "en"]).split())
    assert words_es["amor"] > 10 * max(words_en["amor"], 1)
    latin = data.labels["genre"] == "latin"
    assert (data.labels["language"][latin] == "es").mean() > 0.5


@pytest.mark.parametrize("params", [{"n_tracks": 0}, {"n_genres": 1}, {"n_genres": 40}, {"missing_lyrics": 1.5}])
def test_bad_parameters_are_config_errors(params: dict) -> None:
    with pytest.raises(ConfigError):
        SyntheticDataset(**params).load()
