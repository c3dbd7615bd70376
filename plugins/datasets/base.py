"""Shared machinery of the file-based dataset loaders (spotify, gtzan, csv)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from musicbench.plugins.datasets.preprocessing import preprocess
from musicbench.plugins.datasets.reading import line_numbers
from musicbench.plugins.datasets.tables import (
    check_labels,
    check_magnitudes,
    file_sha256,
    fingerprint,
    numeric_features,
    text_column,
)
from musicbench.contracts import Dataset
from musicbench.errors import DataError


class LoaderBase(BaseEstimator):
    """scikit-learn style parameters (``get_params``) for every loader."""

    def load(self) -> Dataset:  # pragma: no cover - abstract
        raise NotImplementedError


def build_dataset(
    *,
    name: str,
    frame: pd.DataFrame,
    path: Path,
    feature_columns: Sequence[str],
    label_columns: Mapping[str, str],
    text_columns: Mapping[str, str] | None = None,
    id_column: str | None = None,
    primary_label: str,
    preprocessing: str,
    nonfinite: str,
    params: Mapping[str, Any],
    notes: Sequence[str] = (),
    na_values: Any = (),
) -> Dataset:
    """Validate ``frame`` and turn it into a preprocessed :class:`Dataset`.

    ``label_columns`` and ``text_columns`` map the dataset's names (``genre``,
    ``lyrics``) to the file's column names.
    """
    raw, keep, feature_notes = numeric_features(frame, feature_columns, path, name, nonfinite, na_values)
    lines = line_numbers(frame)
    check_magnitudes(raw[keep], None, feature_columns, lines[keep], path, name, preprocessing)
    n_read = len(frame)
    frame = frame.loc[keep]
    if id_column is not None:
        ids = text_column(frame[id_column])
        duplicated = pd.Series(ids).duplicated()
        if duplicated.any():
            first = int(np.flatnonzero(duplicated.to_numpy())[0])
            raise DataError(
                f"{name}: the id column {id_column!r} of {path} must be unique, but "
                f"{ids[first]!r} repeats ({int(duplicated.sum())} repeated id(s))."
            )
    else:
        # Line numbers identify rows of a file without an id column.
        ids = np.array([str(line) for line in lines[keep]], dtype=object)
    labels = {k: text_column(frame[c]) for k, c in label_columns.items()}
    label_notes = check_labels(labels, label_columns, primary_label, path, name)
    audio = preprocess(raw[keep], preprocessing)
    check_magnitudes(raw[keep], audio, feature_columns, lines[keep], path, name, preprocessing)
    recorded = {**params, "path": str(path)}
    # Rows read and kept are outcomes, not inputs: recorded beside the parameters
    # (runs and leaderboards report them) but left out of the fingerprint.
    loaded = {"rows_read": n_read, "rows_kept": int(keep.sum())}
    return Dataset(
        name=name,
        audio=audio,
        feature_names=tuple(feature_columns),
        track_ids=ids,
        labels=labels,
        texts={k: text_column(frame[c]) for k, c in (text_columns or {}).items()},
        primary_label=primary_label,
        params={**recorded, **loaded},
        fingerprint=fingerprint(file_sha256(path), {k: v for k, v in recorded.items() if k != "path"}),
        notes=(*notes, *feature_notes, *label_notes),
    )
