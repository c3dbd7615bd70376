"""Shared machinery of the file-based dataset loaders (spotify, gtzan, csv)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from musicbench.plugins.datasets.preprocessing import preprocess
from musicbench.plugins.datasets.tables import (
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
) -> Dataset:
    """Validate ``frame`` and turn it into a preprocessed :class:`Dataset`.

    ``label_columns`` and ``text_columns`` map the dataset's names (``genre``,
    ``lyrics``) to the file's column names.
    """
    raw, keep, feature_notes = numeric_features(frame, feature_columns, path, name, nonfinite)
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
        ids = np.array([str(i + 2) for i in np.flatnonzero(keep)], dtype=object)
    recorded = {**params, "path": str(path)}
    return Dataset(
        # A file-based dataset is named after its file unless ``name`` is given, so two
        # files loaded by the same loader keep apart in one store.
        name=str(params.get("name") or path.stem),
        audio=preprocess(raw[keep], preprocessing),
        feature_names=tuple(feature_columns),
        track_ids=ids,
        labels={k: text_column(frame[c]) for k, c in label_columns.items()},
        texts={k: text_column(frame[c]) for k, c in (text_columns or {}).items()},
        primary_label=primary_label,
        params=recorded,
        fingerprint=fingerprint(file_sha256(path), {k: v for k, v in recorded.items() if k not in ("path", "name")}),
        notes=(*notes, *feature_notes),
    )
