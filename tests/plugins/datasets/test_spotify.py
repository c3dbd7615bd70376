"""The spotify loader on the real TidyTuesday file and the real lyrics excerpt."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from musicbench import MISSING_LABEL, ConfigError, DataError
from musicbench.plugins.datasets.spotify import SpotifyDataset


@pytest.fixture(scope="module")
def tidytuesday(tidytuesday_path: Path):
    return SpotifyDataset(path=tidytuesday_path).load()


def test_tidytuesday_is_deduplicated_by_first_track_id(tidytuesday) -> None:
    assert tidytuesday.n_tracks == 28_356
    assert len(set(tidytuesday.track_ids)) == 28_356
    assert Counter(tidytuesday.labels["genre"].tolist()) == {
        "rap": 5401,
        "pop": 5132,
        "edm": 4877,
        "r&b": 4504,
        "rock": 4305,
        "latin": 4137,
    }
    assert "4477 duplicate row(s) of 3166 id(s)" in tidytuesday.notes[0]
    assert "1687 id(s) sat in more than one genre" in tidytuesday.notes[0]


def test_tidytuesday_has_titles_and_no_lyrics(tidytuesday) -> None:
    assert tidytuesday.modalities == ("audio", "title", "context")
    assert set(tidytuesday.labels) == {"genre", "subgenre"}
    assert tidytuesday.n_classes("subgenre") == 24
    # 5 rows have NA titles: missing, not the string "nan"; "?" is a real title.
    titles = tidytuesday.texts["title"]
    assert 1 <= int((titles == MISSING_LABEL).sum()) <= 5
    assert "nan" not in set(titles.tolist())
    assert "?" in set(titles.tolist())


def test_default_preprocessing_drops_key_and_mode(tidytuesday) -> None:
    assert "key" not in tidytuesday.feature_names and "mode" not in tidytuesday.feature_names
    assert len(tidytuesday.feature_names) == 10
    assert tidytuesday.audio.dtype == np.float32
    np.testing.assert_allclose(tidytuesday.audio.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(tidytuesday.audio.std(axis=0), 1.0, atol=1e-3)
    assert tidytuesday.params["preprocessing"] == "yeo-johnson"


def test_keeping_every_row(tidytuesday_path: Path) -> None:
    every = SpotifyDataset(path=tidytuesday_path, dedupe="none", drop_features=(), preprocessing="none").load()
    assert every.n_tracks == 32_833
    assert every.audio.shape[1] == 12
    assert every.audio[:, every.feature_names.index("key")].max() == 11


def test_fingerprint_follows_content_and_parameters(tidytuesday_path: Path, tidytuesday) -> None:
    again = SpotifyDataset(path=tidytuesday_path).load()
    other = SpotifyDataset(path=tidytuesday_path, preprocessing="standardize").load()
    assert again.fingerprint == tidytuesday.fingerprint
    assert other.fingerprint != tidytuesday.fingerprint


def test_lyrics_excerpt_has_lyrics_and_languages(lyrics_sample_path: Path) -> None:
    data = SpotifyDataset(path=lyrics_sample_path).load()
    assert data.n_tracks == 1000
    assert data.modalities == ("audio", "lyrics", "title", "context")
    language = data.labels["language"]
    assert int((language == MISSING_LABEL).sum()) == 16
    assert int((data.texts["lyrics"] == MISSING_LABEL).sum()) == 16
    assert Counter(language.tolist())["en"] == 835
    assert Counter(data.labels["genre"].tolist())["pop"] == 228


def test_unknown_feature_and_rule_are_config_errors(tidytuesday_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown feature column"):
        SpotifyDataset(path=tidytuesday_path, features=["danceability", "loudnes"]).load()
    with pytest.raises(ConfigError, match="dedupe"):
        SpotifyDataset(path=tidytuesday_path, dedupe="last").load()


def test_context_is_release_year_and_popularity(tidytuesday) -> None:
    assert tidytuesday.context_names == ("release_year", "track_popularity")
    assert "context" in tidytuesday.modalities
    years, popularity = tidytuesday.context[:, 0], tidytuesday.context[:, 1]
    assert years.min() >= 1950 and years.max() <= 2020 and np.all(years == np.round(years))
    assert popularity.min() >= 0 and popularity.max() <= 100


def test_release_dates_of_every_precision_are_parsed(tmp_path: Path, tidytuesday_path: Path) -> None:
    frame = pd.read_csv(tidytuesday_path, nrows=3)
    frame["track_album_release_date"] = ["1987", "1999-05", "2012-01-31"]
    path = tmp_path / "dates.csv"
    frame.to_csv(path, index=False)
    assert SpotifyDataset(path=path).load().context[:, 0].tolist() == [1987.0, 1999.0, 2012.0]
    frame.loc[1, "track_album_release_date"] = "May 1999"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="line 3 .* expected YYYY, YYYY-MM or YYYY-MM-DD"):
        SpotifyDataset(path=path).load()
    assert SpotifyDataset(path=path, context=["track_popularity"]).load().context_names == ("track_popularity",)
