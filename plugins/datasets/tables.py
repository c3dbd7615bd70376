"""Reading tabular files into datasets, with errors that name file, column and row.

Every check here raises :class:`registry.DataError`, whose message says which file,
which column, which row and what was expected. Row numbers are the file's line
numbers (the header is line 1), so a user can open the file at that line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musicbench.contracts import MISSING_LABEL
from musicbench.errors import ConfigError, DataError
from musicbench.hashing import digest
from musicbench.plugins.datasets.reading import line_numbers, read_csv_text

DATA_DIR_ENV = "MUSICBENCH_DATA_DIR"
"""Folder where loaders look for their default file when no path is given."""

NONFINITE_RULES = ("drop", "impute", "error")


def resolve_path(path: str | os.PathLike[str] | None, default_name: str, dataset: str) -> Path:
    """``path`` itself, or ``default_name`` inside ``$MUSICBENCH_DATA_DIR``."""
    if path is None or str(path) == "":
        data_dir = os.environ.get(DATA_DIR_ENV)
        if not data_dir:
            raise DataError(
                f"The {dataset!r} dataset needs a file: pass --data PATH (for example "
                f"{default_name}) or set {DATA_DIR_ENV} to the folder that holds it."
            )
        return Path(data_dir).expanduser() / default_name
    return Path(path).expanduser()


def fingerprint(source: str, params: Mapping[str, Any]) -> str:
    """A dataset's fingerprint: the digest of what it was made from and how.

    ``source`` names the data (a file's :func:`~musicbench.hashing.file_sha256`, a
    generator's version); ``params`` are the loader parameters that change the
    result. Keyed like every other key (:func:`musicbench.hashing.digest`).
    """
    return digest({"source": source, "params": dict(params)})


def read_table(path: Path, dataset: str, *, encoding: str | None = None, sep: str | None = None) -> pd.DataFrame:
    """Read a CSV file, refusing a missing, empty, damaged or ambiguous one clearly.

    See :func:`~musicbench.plugins.datasets.reading.read_csv_text` for what is
    checked (compression, encoding, separator, duplicate column names).
    """
    if not path.exists():
        raise DataError(f"{dataset}: the file {path} does not exist.")
    if path.is_dir():
        raise DataError(f"{dataset}: {path} is a folder; expected a CSV file.")
    if path.stat().st_size == 0:
        raise DataError(f"{dataset}: the file {path} is empty; expected a CSV with a header row.")
    try:
        # "NA" and empty fields are missing (TidyTuesday writes NA); "?" is a real title,
        # so other placeholders are only read as missing in feature columns (na_values).
        frame = read_csv_text(path, dataset, encoding=encoding, sep=sep)
    except PermissionError:
        raise DataError(f"{dataset}: the file {path} cannot be read (permission denied).") from None
    if frame.empty:
        raise DataError(f"{dataset}: the file {path} has a header but no data rows.")
    return frame


def require_columns(frame: pd.DataFrame, required: Sequence[str], path: Path, dataset: str) -> None:
    """Fail, listing what is missing and what was expected, if a column is absent."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"{dataset}: {path} lacks the column(s) {', '.join(missing)}. Expected columns: "
            f"{', '.join(required)}. Found: {', '.join(map(str, frame.columns))}."
        )


def _placeholders(na_values: Any) -> list[str]:
    if na_values is None:
        return []
    values = [na_values] if isinstance(na_values, (str, int, float)) else list(na_values)
    return [str(v).strip() for v in values]


def numeric_features(
    frame: pd.DataFrame,
    columns: Sequence[str],
    path: Path,
    dataset: str,
    nonfinite: str,
    na_values: Any = (),
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The columns as a float64 matrix, the mask of rows kept, and notes.

    A value that is not a number fails, naming its column, line and value and the
    parameters that fix it. Missing values (empty, ``NA``, or one of ``na_values``
    such as ``?``) and infinite ones follow ``nonfinite``: ``drop`` removes those
    rows and reports how many and which share; ``impute`` replaces them with the
    column's median (the medians are in the notes); ``error`` fails at the first one.
    """
    if nonfinite not in NONFINITE_RULES:
        raise ConfigError(f"{dataset}: nonfinite must be one of {', '.join(NONFINITE_RULES)}, got {nonfinite!r}.")
    if not columns:
        raise DataError(f"{dataset}: {path} has no numeric feature columns to use.")
    placeholders = set(_placeholders(na_values))
    lines = line_numbers(frame)
    matrix = np.empty((len(frame), len(columns)), dtype=np.float64)
    bad = np.zeros(matrix.shape, dtype=bool)
    for j, column in enumerate(columns):
        raw = frame[column]
        if placeholders:
            raw = raw.where(~raw.astype(str).str.strip().isin(placeholders))
        values = pd.to_numeric(raw, errors="coerce")
        bad[:, j] = (values.isna() & raw.notna()).to_numpy()
        matrix[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])  # the first bad line, then its first bad column
        bad_columns = [columns[int(j)] for j in np.flatnonzero(bad.any(axis=0))]
        value = frame[columns[col]].iloc[row]
        raise DataError(
            f"{dataset}: column {columns[col]!r} of {path} must be numeric, but line {lines[row]} "
            f"holds {value!r} ({int(bad.sum())} non-numeric value(s) in column(s) "
            f"{', '.join(bad_columns)}). If {value!r} stands for a missing value, pass "
            f"-P na_values={str(value).strip()} (then nonfinite=drop|impute|error decides); if the column "
            f"is not a feature, leave it out with -P drop_features={columns[col]} or name the features "
            "with -P features=...; if the file uses decimal commas or another separator, pass -P sep=..."
        )
    finite = np.isfinite(matrix)
    keep: np.ndarray = np.asarray(finite.all(axis=1))
    notes: list[str] = []
    if not keep.all():
        first_row, first_col = np.argwhere(~finite)[0]
        where = f"column {columns[first_col]!r}, line {lines[first_row]}"
        n_bad = int((~keep).sum())
        share = f"{n_bad} of {len(keep)} row(s), {100 * n_bad / len(keep):.1f} %"
        if nonfinite == "error":
            raise DataError(
                f"{dataset}: {path} has {n_bad} row(s) with missing or infinite feature values "
                f"(first: {where}). Fix the file or load it with nonfinite=drop or nonfinite=impute."
            )
        if nonfinite == "impute":
            medians = {}
            for j in map(int, np.flatnonzero(~finite.all(axis=0))):
                present = matrix[finite[:, j], j]
                if present.size == 0:
                    raise DataError(
                        f"{dataset}: column {columns[j]!r} of {path} has no finite value to take a median "
                        f"of; leave it out with -P drop_features={columns[j]}."
                    )
                medians[columns[j]] = float(np.median(present))
                matrix[~finite[:, j], j] = medians[columns[j]]
            shown = ", ".join(f"{c}={m:.6g}" for c, m in medians.items())
            notes.append(
                f"imputed {int((~finite).sum())} missing or infinite value(s) in {share} with the "
                f"column median ({shown}; first: {where})"
            )
            return matrix, np.ones(len(frame), dtype=bool), notes
        notes.append(f"dropped {share} with missing or infinite feature values (first: {where})")
    if not keep.any():
        raise DataError(f"{dataset}: no row of {path} has finite values in every feature column.")
    return matrix, keep, notes


def text_column(series: pd.Series) -> np.ndarray:
    """A column as an object array of ``str``; missing values become ``""``."""
    return series.astype(object).where(series.notna(), MISSING_LABEL).astype(str).to_numpy(dtype=object)


def select_features(
    available: Sequence[str], features: Sequence[str] | None, drop: Sequence[str], dataset: str
) -> list[str]:
    """The feature columns to use: ``features`` (default all) minus ``drop``."""
    chosen = list(available if features is None else features)
    unknown = [c for c in [*chosen, *drop] if c not in available]
    if unknown:
        raise ConfigError(
            f"{dataset}: unknown feature column(s) {', '.join(unknown)}; available: {', '.join(available)}."
        )
    result = [c for c in chosen if c not in set(drop)]
    if not result:
        raise ConfigError(f"{dataset}: no feature column is left after dropping {list(drop)}.")
    return result


# Beyond these magnitudes preprocessing overflows: standardizing squares the values
# (float64 ends near 1.8e308, so |x| above ~1e154 gives an infinite variance and a
# column of zeros or NaN), and every loader hands float32 (max ~3.4e38) to encoders.
_LIMITS = {"standardize": 1e150, "yeo-johnson": 1e150, "none": float(np.finfo(np.float32).max)}


def check_magnitudes(
    raw: np.ndarray,
    processed: np.ndarray | None,
    columns: Sequence[str],
    lines: np.ndarray,
    path: Path,
    dataset: str,
    preprocessing: str,
) -> None:
    """Refuse a value that would overflow in ``preprocessing`` (before or after it ran).

    Naming the column, the line and the value: an overflow otherwise poisons the
    whole column silently (zeros or NaN) and every cell fails later for a reason that
    points elsewhere.
    """
    limit = _LIMITS.get(preprocessing, 1e150)
    too_big = np.abs(raw) > limit
    if processed is not None:
        for j in np.flatnonzero(~np.isfinite(processed).all(axis=0)):
            too_big[np.argmax(np.abs(raw[:, j])), j] = True  # the largest value is the likely culprit
    if not too_big.any():
        return
    row, col = np.argwhere(too_big)[0]
    raise DataError(
        f"{dataset}: column {columns[col]!r} of {path} holds {float(raw[row, col])!r} on line {lines[row]}, which "
        f"overflows in preprocessing={preprocessing} (values up to about {limit:.1e} can be used). Check "
        f"that value, rescale the column, or leave it out with -P drop_features={columns[col]}."
    )


MIN_ROWS_FOR_ID_CHECK = 10
"""A few rows with distinct labels are a plausible toy table, not a sign of an id."""


def check_labels(
    labels: Mapping[str, np.ndarray], columns: Mapping[str, str], primary: str, path: Path, dataset: str
) -> list[str]:
    """Refuse a primary label that cannot score a clustering; notes for the others.

    An empty label column, or one with a different label on every track (an id, not
    a class), makes every external metric meaningless: NMI is then undefined or
    trivially 1.0. Such a primary label is an error; a secondary one gets a note.
    """
    notes: list[str] = []
    for name, values in labels.items():
        known = values[values != MISSING_LABEL]
        distinct = len(set(known.tolist()))
        problem = None
        if known.size == 0:
            problem = f"the label column {columns[name]!r} of {path} is empty on every row kept"
        elif distinct == known.size and known.size >= MIN_ROWS_FOR_ID_CHECK:
            problem = (
                f"the label column {columns[name]!r} of {path} has a different value on every one of its "
                f"{known.size} labelled rows: it identifies tracks, it does not group them"
            )
        elif distinct == 1 and name == primary:
            notes.append(f"the label column {columns[name]!r} has a single class: external metrics are 0 or undefined")
        if problem is None:
            continue
        if name == primary:
            raise DataError(
                f"{dataset}: {problem}, so clustering against it is not a benchmark (NMI would be undefined or "
                "1.0 for any partition). Choose a label column with -P labels=COLUMN (an id belongs in "
                "-P id_column=COLUMN)."
            )
        notes.append(f"{problem}; its metrics mean nothing")
    return notes


_ID_NAME = re.compile(r"(^|[_\s.-])(id|ids|index|idx|key|no|num|number|row)$|^unnamed: ?0$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")


def id_like_columns(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """Candidate feature columns that look like row identifiers, not measurements.

    An integer column that is unique on every row and either is named like an id
    (``track_id``, ``index``, ``Unnamed: 0``) or counts consecutive numbers (a row
    number) would silently become a feature that dominates every distance.
    """
    found = []
    for column in candidates:
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any() or len(values) < 2:
            continue
        array = values.to_numpy(dtype=np.float64)
        if not (np.all(np.abs(array) < 2**53) and np.all(array == np.round(array))):
            continue
        if len(np.unique(array)) != len(array):
            continue
        consecutive = len(array) >= 20 and array.max() - array.min() == len(array) - 1
        name = str(column).strip()
        if consecutive or _ID_NAME.search(name) or _CAMEL_ID.search(name):
            found.append(column)
    return found
