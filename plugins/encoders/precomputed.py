"""The ``precomputed`` encoder: embeddings computed elsewhere, read from a file.

A large pretrained audio model run on a GPU, or another project's published latent
vectors, enter the benchmark as this encoder's ``path`` parameter, so every
clusterer and metric runs on them. Two layouts are read:

* a ``.npy`` matrix (one row per track) with ``ids_path``, a text file of one track
  id per line in the same order;
* a ``.csv`` or ``.parquet`` table with an ``id_column`` and one numeric column per
  dimension (all other columns, or ``columns``).

The ids must match the dataset's exactly: a missing, an extra or a repeated id is a
:class:`~musicbench.errors.DataError` that names it. The file's sha256 enters the
cache key (:meth:`PrecomputedEncoder.input_fingerprint`), so an edited file is never
answered from the cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.hashing import file_sha256
from musicbench.plugins.encoders.base import EncoderBase

TABLE_SUFFIXES = (".csv", ".parquet")


class PrecomputedEncoder(EncoderBase):
    """Embeddings from a file, aligned to the dataset by track id.

    Parameters
    ----------
    path : str
        A ``.npy`` matrix (with ``ids_path``) or a ``.csv``/``.parquet`` table.
    ids_path : str, optional
        For ``.npy``: a text file with one track id per line, row by row.
    id_column : str
        For tables: the column of track ids.
    columns : sequence of str, optional
        For tables: the embedding columns (default: every column but the id).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_tracks, d), float32
        The file's rows in the dataset's track order.
    modalities_ : list of str
        ``["precomputed"]``: what the vectors were computed from is not known here.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        ids_path: str | os.PathLike[str] | None = None,
        id_column: str = "track_id",
        columns: Sequence[str] | None = None,
    ) -> None:
        self.path = path
        self.ids_path = ids_path
        self.id_column = id_column
        self.columns = columns

    def input_fingerprint(self) -> dict[str, str]:
        """sha256 of the file(s) read, for the embedding cache key."""
        found = {}
        for name in ("path", "ids_path"):
            value = getattr(self, name)
            if value is not None and Path(value).is_file():
                found[f"{name}_sha256"] = file_sha256(Path(value))
        return found

    def fit(self, dataset: Dataset) -> PrecomputedEncoder:
        self._check_input(dataset, fitting=True)
        ids, matrix = self._read()
        self.embedding_ = _align(ids, matrix, dataset, Path(str(self.path)))  # _read() refused a missing path
        self.track_ids_ = np.asarray(dataset.track_ids, dtype=object).copy()
        self.modalities_ = ["precomputed"]
        self.n_features_in_ = int(dataset.audio.shape[1])
        return self

    def transform(self, dataset: Dataset) -> np.ndarray:
        self._check_input(dataset, fitting=False)
        if not np.array_equal(np.asarray(dataset.track_ids, dtype=object), self.track_ids_):
            ids, matrix = self._read()
            return _align(ids, matrix, dataset, Path(str(self.path)))
        return self.embedding_.copy()

    def _read(self) -> tuple[np.ndarray, np.ndarray]:
        if self.path is None:
            raise ConfigError(
                "precomputed: give the embedding file: -e precomputed.path=FILE (.npy with ids_path, .csv or .parquet)."
            )
        path = Path(self.path).expanduser()
        if not path.is_file():
            raise DataError(f"precomputed: the embedding file {path} does not exist.")
        suffix = path.suffix.lower()
        if suffix == ".npy":
            return self._read_npy(path)
        if suffix in TABLE_SUFFIXES:
            return self._read_table(path)
        raise ConfigError(f"precomputed: {path} must end in .npy, .csv or .parquet.")

    def _read_npy(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        if self.ids_path is None:
            raise ConfigError(
                f"precomputed: {path} is a bare matrix; give ids_path, a text file with one track id per line in its row order."
            )
        try:
            matrix = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataError(f"precomputed: {path} is not a readable .npy matrix ({exc}).") from None
        ids_file = Path(self.ids_path).expanduser()
        if not ids_file.is_file():
            raise DataError(f"precomputed: the id file {ids_file} does not exist.")
        ids = np.array(
            [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()], dtype=object
        )
        if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
            raise DataError(
                f"precomputed: {path} holds a {matrix.dtype} array of shape {matrix.shape}; expected a 2-D numeric matrix."
            )
        if len(ids) != matrix.shape[0]:
            raise DataError(
                f"precomputed: {path} has {matrix.shape[0]} rows but {ids_file} lists {len(ids)} ids; they must match line for row."
            )
        return ids, matrix

    def _read_table(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        try:
            frame = (
                pd.read_parquet(path)
                if path.suffix.lower() == ".parquet"
                else pd.read_csv(path, dtype={self.id_column: str})
            )
        except ImportError as exc:
            raise ConfigError(
                f"precomputed: reading {path} needs pyarrow ({exc}); pip install pyarrow, or save the table as CSV."
            ) from None
        except Exception as exc:  # pandas' parser errors: one clear message
            raise DataError(f"precomputed: {path} is not a readable table ({exc}).") from None
        if self.id_column not in frame.columns:
            raise DataError(
                f"precomputed: {path} has no id column {self.id_column!r} (columns: {', '.join(map(str, frame.columns))}); set id_column."
            )
        columns = list(self.columns) if self.columns is not None else [c for c in frame.columns if c != self.id_column]
        unknown = [c for c in columns if c not in frame.columns]
        if unknown or not columns:
            raise DataError(f"precomputed: {path} lacks the embedding column(s) {unknown or columns}.")
        values = frame[columns].apply(pd.to_numeric, errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise DataError(
                f"precomputed: column {columns[col]!r} of {path} must be numeric, but line {row + 2} holds {frame[columns[col]].iloc[row]!r}."
            )
        ids = frame[self.id_column].astype(str).to_numpy(dtype=object)
        return ids, values.to_numpy(dtype=np.float64)


def _align(ids: np.ndarray, matrix: np.ndarray, dataset: Dataset, path: Path) -> np.ndarray:
    """``matrix`` rows reordered to ``dataset``'s track ids, refusing any mismatch by name."""
    position = pd.Index(ids)
    if position.has_duplicates:
        repeated = position[position.duplicated()].unique()
        raise DataError(
            f"precomputed: {path} repeats {len(repeated)} track id(s), e.g. {list(repeated[:3])}; each track needs one row."
        )
    wanted = [str(t) for t in dataset.track_ids]
    missing = [t for t in wanted if t not in position]
    if missing:
        raise DataError(
            f"precomputed: {path} has no row for {len(missing)} of the dataset {dataset.name!r}'s "
            f"{len(wanted)} tracks, e.g. {missing[:3]}. It must hold one row per track of the dataset."
        )
    extra = len(position) - len(wanted)
    if extra:
        known = set(wanted)
        unknown = [t for t in ids if t not in known][:3]
        raise DataError(
            f"precomputed: {path} has {extra} row(s) whose track id is not in the dataset {dataset.name!r}, "
            f"e.g. {unknown} (were rows dropped when it was loaded? see its notes). Remove them from the file."
        )
    aligned = matrix[position.get_indexer(wanted)].astype(np.float32)
    if not np.isfinite(aligned).all():
        row = int(np.flatnonzero(~np.isfinite(aligned).all(axis=1))[0])
        raise DataError(f"precomputed: the row of track {wanted[row]!r} in {path} has missing or infinite values.")
    return aligned
