"""Any CSV: the feature, label, id and text columns are parameters."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from musicbench.plugins.datasets.base import LoaderBase, build_dataset
from musicbench.plugins.datasets.tables import read_table, require_columns, resolve_path, select_features
from musicbench.contracts import Dataset
from musicbench.errors import ConfigError


class CsvDataset(LoaderBase):
    """A CSV file of your own.

    Parameters
    ----------
    path : str
        The CSV file.
    labels : sequence of str
        Label columns; the first is the primary label (the default number of
        clusters and the default ranking). At least one is required.
    features : sequence of str, optional
        Feature columns; default: every numeric column that is not a label or the id.
    drop_features : sequence of str
        Columns to leave out of the default feature set.
    id_column : str, optional
        A column of unique track ids; default: the line number.
    text_columns : sequence of str
        Text columns, exposed as text modalities under their own names (a column
        named ``lyrics`` feeds the multimodal encoders).
    preprocessing, nonfinite
        As for the ``spotify`` dataset.
    name : str, optional
        The dataset's name in the store and leaderboards; default: the file's name
        without its extension.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        labels: Sequence[str] = ("genre",),
        features: Sequence[str] | None = None,
        drop_features: Sequence[str] = (),
        id_column: str | None = None,
        text_columns: Sequence[str] = (),
        preprocessing: str = "standardize",
        nonfinite: str = "drop",
        name: str | None = None,
    ) -> None:
        self.path = path
        self.labels = labels
        self.features = features
        self.drop_features = drop_features
        self.id_column = id_column
        self.text_columns = text_columns
        self.preprocessing = preprocessing
        self.nonfinite = nonfinite
        self.name = name

    def load(self) -> Dataset:
        if self.path is None:
            raise ConfigError("csv: pass the file with --data PATH.")
        labels = [self.labels] if isinstance(self.labels, str) else list(self.labels)
        texts = [self.text_columns] if isinstance(self.text_columns, str) else list(self.text_columns)
        if not labels:
            raise ConfigError("csv: give at least one label column (labels=...).")
        path = resolve_path(self.path, "", "csv")
        frame = read_table(path, "csv")
        non_features = {*labels, *texts, *([self.id_column] if self.id_column else [])}
        require_columns(frame, [*sorted(non_features), *(self.features or [])], path, "csv")
        if self.features is None:
            # A mostly-numeric column is a feature, so a stray bad value in it is
            # reported (column, line) instead of silently dropping the column.
            available = [c for c in frame.columns if c not in non_features and _mostly_numeric(frame[c])]
        else:
            available = [c for c in frame.columns if c not in non_features]
        features = select_features(available, self.features, self.drop_features, "csv")
        return build_dataset(
            name="csv",
            frame=frame,
            path=path,
            feature_columns=features,
            label_columns={c: c for c in labels},
            text_columns={c: c for c in texts},
            id_column=self.id_column,
            primary_label=labels[0],
            preprocessing=self.preprocessing,
            nonfinite=self.nonfinite,
            params={**self.get_params(), "features": features},
        )


def _mostly_numeric(column: pd.Series) -> bool:
    present = column.dropna()
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5
