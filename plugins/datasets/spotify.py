"""Spotify songs: the Kaggle lyrics CSV (25 columns) or the TidyTuesday CSV (23)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.datasets.base import LoaderBase, build_dataset
from musicbench.plugins.datasets.tables import read_table, require_columns, resolve_path, select_features

AUDIO_FEATURES = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
)
REQUIRED = ("track_id", "track_name", "playlist_genre", "playlist_subgenre", *AUDIO_FEATURES)
DEFAULT_FILE = "spotify_songs_tidytuesday.csv"
DEDUPE_RULES = ("first", "none")
CONTEXT_COLUMNS = ("release_year", "track_popularity")
"""What ``context`` may name: the album's release year (parsed from
``track_album_release_date``) and Spotify's popularity score (0-100)."""
RELEASE_DATE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")


class SpotifyDataset(LoaderBase):
    """Spotify tracks with 12 audio features, genre labels and, if present, lyrics.

    Parameters
    ----------
    path : str, optional
        The Kaggle "Audio features and lyrics of Spotify songs" CSV (``spotify_songs.csv``,
        with ``lyrics`` and ``language``) or the TidyTuesday 2020-01-21 CSV. Default:
        ``spotify_songs_tidytuesday.csv`` in ``$MUSICBENCH_DATA_DIR``.
    features : sequence of str, optional
        Audio feature columns to use (default: all 12).
    drop_features : sequence of str
        Columns to leave out. ``key`` (a pitch class) and ``mode`` (major/minor) are
        categorical, so treating them as distances hurts: by default they are dropped.
    preprocessing : {"yeo-johnson", "standardize", "none"}
        On TidyTuesday, Yeo-Johnson without key/mode lifts KMeans' NMI from 0.100
        (standardized, all 12) to 0.121.
    dedupe : {"first", "none"}
        A track sits in several playlists and so appears on several rows with the same
        audio features. ``first`` keeps the first row of each ``track_id`` in file
        order, and so its first playlist's genre; ``none`` keeps every row.
    nonfinite : {"drop", "error"}
        What to do with rows whose features are missing or infinite.
    context : sequence of str
        The ``context`` modality (metadata, not audio): any of ``release_year`` (the
        album's, from ``track_album_release_date``, which mixes ``YYYY``, ``YYYY-MM``
        and ``YYYY-MM-DD``) and ``track_popularity``. Only encoders that ask for
        ``context`` read it; ``()`` declares none.
    name : str, optional
        The dataset's name in the store and leaderboards; default: the file's name
        without its extension.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        features: Sequence[str] | None = None,
        drop_features: Sequence[str] = ("key", "mode"),
        preprocessing: str = "yeo-johnson",
        dedupe: str = "first",
        nonfinite: str = "drop",
        context: Sequence[str] = CONTEXT_COLUMNS,
        name: str | None = None,
    ) -> None:
        self.path = path
        self.features = features
        self.drop_features = drop_features
        self.preprocessing = preprocessing
        self.dedupe = dedupe
        self.nonfinite = nonfinite
        self.context = context
        self.name = name

    def load(self) -> Dataset:
        if self.dedupe not in DEDUPE_RULES:
            raise ConfigError(f"spotify: dedupe must be one of {DEDUPE_RULES}, got {self.dedupe!r}.")
        path = resolve_path(self.path, DEFAULT_FILE, "spotify")
        frame = read_table(path, "spotify")
        require_columns(frame, REQUIRED, path, "spotify")
        features = select_features(AUDIO_FEATURES, self.features, self.drop_features, "spotify")
        context = [self.context] if isinstance(self.context, str) else list(self.context)
        unknown = [c for c in context if c not in CONTEXT_COLUMNS]
        if unknown:
            raise ConfigError(
                f"spotify: unknown context column(s) {', '.join(unknown)}; available: {', '.join(CONTEXT_COLUMNS)}."
            )
        if context:
            frame = _with_context(frame, context, path)
        notes = []
        if self.dedupe == "first":
            frame, note = _dedupe_first(frame)
            notes.append(note)
        labels = {"genre": "playlist_genre", "subgenre": "playlist_subgenre"}
        texts = {"title": "track_name"}
        if "language" in frame.columns:
            labels["language"] = "language"
        if "lyrics" in frame.columns:
            texts = {"lyrics": "lyrics", **texts}
        return build_dataset(
            name="spotify",
            frame=frame,
            path=path,
            feature_columns=features,
            label_columns=labels,
            text_columns=texts,
            id_column="track_id" if self.dedupe == "first" else None,
            primary_label="genre",
            preprocessing=self.preprocessing,
            nonfinite=self.nonfinite,
            params={**self.get_params(), "features": features},
            notes=notes,
            context_columns=context,
        )


def _with_context(frame: pd.DataFrame, context: list[str], path: os.PathLike[str]) -> pd.DataFrame:
    """``frame`` with a ``release_year`` column parsed from the album's release date."""
    needed = [c for c in ("track_album_release_date" if c == "release_year" else c for c in context)]
    require_columns(frame, needed, Path(path), "spotify")
    if "release_year" not in context:
        return frame
    dates = frame["track_album_release_date"].astype(str).str.strip()
    parsed = dates.str.extract(RELEASE_DATE)[0]
    if parsed.isna().any():
        first = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise DataError(
            f"spotify: track_album_release_date on line {first + 2} of {path} is "
            f"{frame['track_album_release_date'].iloc[first]!r}; expected YYYY, YYYY-MM or "
            f"YYYY-MM-DD ({int(parsed.isna().sum())} such row(s)). Fix the file or load it "
            "with context=['track_popularity']."
        )
    return frame.assign(release_year=parsed.astype(float))


def _dedupe_first(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    duplicated = frame["track_id"].duplicated(keep="first")
    repeated_ids = frame.loc[duplicated, "track_id"].nunique()
    genres_per_id = frame.groupby("track_id")["playlist_genre"].nunique()
    note = (
        f"kept the first of each track_id: {int(duplicated.sum())} duplicate row(s) of "
        f"{repeated_ids} id(s) removed; {int((genres_per_id > 1).sum())} id(s) sat in more "
        "than one genre and keep their first row's genre"
    )
    return frame.loc[~duplicated], note
