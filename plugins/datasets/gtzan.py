"""GTZAN precomputed librosa features (``features_30_sec.csv`` or ``features_3_sec.csv``)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from musicbench.contracts import Dataset
from musicbench.plugins.datasets.base import LoaderBase, build_dataset
from musicbench.plugins.datasets.tables import read_table, require_columns, resolve_path, select_features

NON_FEATURES = ("filename", "length", "label")
DEFAULT_FILE = "gtzan_features_30_sec.csv"


class GtzanDataset(LoaderBase):
    """GTZAN clips: 57 librosa features, 10 genres of 100 clips (30 s file).

    ``filename`` is the track id, ``label`` the genre; ``length`` is the clip's
    sample count, not an audio feature, and is never used as one.

    Parameters
    ----------
    path : str, optional
        ``features_30_sec.csv`` or ``features_3_sec.csv`` from the Kaggle GTZAN
        dataset. Default: ``gtzan_features_30_sec.csv`` in ``$MUSICBENCH_DATA_DIR``.
    features, drop_features, preprocessing, nonfinite
        As for the ``spotify`` dataset; all 57 features standardized by default.
    na_values, encoding, sep
        As for the ``csv`` dataset.
    name : str, optional
        The dataset's name in the store and leaderboards; default: the file's name
        without its extension.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        features: Sequence[str] | None = None,
        drop_features: Sequence[str] = (),
        preprocessing: str = "standardize",
        nonfinite: str = "drop",
        na_values: Sequence[str] = (),
        encoding: str | None = None,
        sep: str | None = None,
        name: str | None = None,
    ) -> None:
        self.path = path
        self.features = features
        self.drop_features = drop_features
        self.preprocessing = preprocessing
        self.nonfinite = nonfinite
        self.na_values = na_values
        self.encoding = encoding
        self.sep = sep
        self.name = name

    def load(self) -> Dataset:
        path = resolve_path(self.path, DEFAULT_FILE, "gtzan")
        frame = read_table(path, "gtzan", encoding=self.encoding, sep=self.sep)
        require_columns(frame, ("filename", "label", "chroma_stft_mean", "mfcc1_mean"), path, "gtzan")
        available = [c for c in frame.columns if c not in NON_FEATURES]
        features = select_features(available, self.features, self.drop_features, "gtzan")
        return build_dataset(
            name="gtzan",
            frame=frame,
            path=path,
            feature_columns=features,
            label_columns={"genre": "label"},
            id_column="filename",
            primary_label="genre",
            preprocessing=self.preprocessing,
            nonfinite=self.nonfinite,
            params={**self.get_params(), "features": features},
            na_values=self.na_values,
        )
