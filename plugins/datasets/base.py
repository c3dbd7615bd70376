"""Shared machinery of the file-based dataset loaders (spotify, gtzan, csv)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from musicbench.contracts import Dataset
from musicbench.errors import DataError
from musicbench.hashing import file_sha256
from musicbench.plugins.datasets.preprocessing import preprocess
from musicbench.plugins.datasets.reading import line_numbers
from musicbench.plugins.datasets.tables import (
    check_labels,
    check_magnitudes,
    fingerprint,
    numeric_features,
    text_column,
)


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
    context_columns: Sequence[str] = (),
) -> Dataset:
    """Validate ``frame`` and turn it into a preprocessed :class:`Dataset`.

    ``label_columns`` and ``text_columns`` map the dataset's names (``genre``,
    ``lyrics``) to the file's column names. ``context_columns`` are numeric columns
    kept apart from the audio features as the ``context`` modality (unscaled); a
    missing value there is an error, since no encoder could tell it from a number.
    """
    raw, keep, feature_notes = numeric_features(frame, feature_columns, path, name, nonfinite, na_values)
    lines = line_numbers(frame)
    check_magnitudes(raw[keep], None, feature_columns, lines[keep], path, name, preprocessing)
    n_read = len(frame)
    frame = frame.loc[keep]
    context = _context(frame, context_columns, lines[keep], path, name) if context_columns else None
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
        # A file-based dataset is named after its file unless ``name`` is given, so two
        # files loaded by the same loader keep apart in one store.
        name=str(params.get("name") or path.stem),
        audio=audio,
        feature_names=tuple(feature_columns),
        track_ids=ids,
        labels=labels,
        texts={k: text_column(frame[c]) for k, c in (text_columns or {}).items()},
        primary_label=primary_label,
        params={**recorded, **loaded},
        fingerprint=fingerprint(file_sha256(path), {k: v for k, v in recorded.items() if k not in ("path", "name")}),
        notes=(*notes, *feature_notes, *label_notes),
        context=context,
        context_names=tuple(context_columns),
    )


def _context(frame: pd.DataFrame, columns: Sequence[str], lines: np.ndarray, path: Path, name: str) -> np.ndarray:
    """The context columns as float32; a non-number or a missing value names its line."""
    matrix = np.empty((len(frame), len(columns)), dtype=np.float32)
    for j, column in enumerate(columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            line = int(lines[first])  # the file's own line, blank lines and quoted newlines counted
            raise DataError(
                f"{name}: context column {column!r} of {path} must hold a finite number on every "
                f"kept row, but line {line} holds {frame[column].iloc[first]!r} ({int(bad.sum())} such "
                f"row(s)). Fill or drop those rows, or leave {column!r} out of the context columns."
            )
        matrix[:, j] = values.to_numpy(dtype=np.float32)
    return matrix
