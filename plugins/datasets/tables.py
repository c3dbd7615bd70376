"""Reading tabular files into datasets, with errors that name file, column and row.

Every check here raises :class:`registry.DataError`, whose message says which file,
which column, which row and what was expected. Row numbers are the file's line
numbers (the header is line 1), so a user can open the file at that line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musicbench.contracts import MISSING_LABEL
from musicbench.errors import ConfigError, DataError

DATA_DIR_ENV = "MUSICBENCH_DATA_DIR"
"""Folder where loaders look for their default file when no path is given."""

NONFINITE_RULES = ("drop", "error")


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


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(source: str, params: Mapping[str, Any]) -> str:
    """sha256 over a source digest and canonical JSON of the parameters."""
    payload = json.dumps({"source": source, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def read_table(path: Path, dataset: str) -> pd.DataFrame:
    """Read a CSV file, refusing a missing, empty or unparsable one clearly."""
    if not path.exists():
        raise DataError(f"{dataset}: the file {path} does not exist.")
    if path.is_dir():
        raise DataError(f"{dataset}: {path} is a folder; expected a CSV file.")
    if path.stat().st_size == 0:
        raise DataError(f"{dataset}: the file {path} is empty; expected a CSV with a header row.")
    try:
        # "NA" and empty fields are missing (TidyTuesday writes NA); "?" is a real title.
        frame = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{dataset}: the file {path} has no header row or no data.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{dataset}: {path} is not a readable CSV file: {exc}") from None
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


def numeric_features(
    frame: pd.DataFrame, columns: Sequence[str], path: Path, dataset: str, nonfinite: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The columns as a float64 matrix, the mask of rows kept, and notes.

    A value that is not a number fails, naming its column, line and value. Missing
    (empty, ``NA``) and infinite values follow ``nonfinite``: ``drop`` removes those
    rows and reports how many; ``error`` fails at the first one.
    """
    if nonfinite not in NONFINITE_RULES:
        raise ConfigError(
            f"{dataset}: nonfinite must be one of {', '.join(NONFINITE_RULES)}, got {nonfinite!r}."
        )
    if not columns:
        raise DataError(f"{dataset}: {path} has no numeric feature columns to use.")
    matrix = np.empty((len(frame), len(columns)), dtype=np.float64)
    bad = np.zeros(matrix.shape, dtype=bool)
    for j, column in enumerate(columns):
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        bad[:, j] = (values.isna() & raw.notna()).to_numpy()
        matrix[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if bad.any():
        row, col = np.argwhere(bad)[0]  # the first bad line, then its first bad column
        bad_columns = [columns[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise DataError(
            f"{dataset}: column {columns[col]!r} of {path} must be numeric, but line {row + 2} "
            f"holds {frame[columns[col]].iloc[row]!r} ({int(bad.sum())} non-numeric value(s) "
            f"in column(s) {', '.join(bad_columns)})."
        )
    finite = np.isfinite(matrix)
    keep = finite.all(axis=1)
    notes: list[str] = []
    if not keep.all():
        first_row, first_col = np.argwhere(~finite)[0]
        where = f"column {columns[first_col]!r}, line {first_row + 2}"
        if nonfinite == "error":
            raise DataError(
                f"{dataset}: {path} has {int((~keep).sum())} row(s) with missing or infinite "
                f"feature values (first: {where}). Fix the file or load it with nonfinite=drop."
            )
        notes.append(
            f"dropped {int((~keep).sum())} row(s) with missing or infinite feature values "
            f"(first: {where})"
        )
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
            f"{dataset}: unknown feature column(s) {', '.join(unknown)}; "
            f"available: {', '.join(available)}."
        )
    result = [c for c in chosen if c not in set(drop)]
    if not result:
        raise ConfigError(f"{dataset}: no feature column is left after dropping {list(drop)}.")
    return result
