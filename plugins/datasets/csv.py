"""Any CSV: the feature, label, id and text columns are parameters."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.datasets.base import LoaderBase, build_dataset
from musicbench.plugins.datasets.sidecar import sidecar_texts
from musicbench.plugins.datasets.tables import (
    id_like_columns,
    read_table,
    require_columns,
    resolve_path,
    select_features,
    text_column,
)


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
    lyrics_dir : str, optional
        A folder of lyrics sidecars, ``<lyrics_dir>/<id without extension>.txt`` per
        row (``blues/blues.00000.wav`` -> ``blues/blues.00000.txt``, the layout
        ``bench datasets extract audio`` reads): the ``lyrics`` modality. Needs
        ``id_column``.
    context_columns : sequence of str
        Numeric columns that are metadata, not audio (release year, popularity): the
        ``context`` modality, left out of the features and read only by encoders
        that ask for ``context``. Every kept row needs a number in each.
    preprocessing, nonfinite
        As for the ``spotify`` dataset; ``nonfinite="impute"`` fills missing values
        with the column median (recorded in the notes).
    na_values : sequence of str
        Placeholders read as missing in feature columns (for example ``?`` or ``-``).
    encoding : str, optional
        The file's text encoding (default UTF-8, with or without a BOM).
    sep : str, optional
        The separator; default: sniffed among ``,`` ``;`` tab and ``|`` when the header
        and the first records agree, else ``,``.

    Without ``id_column`` and ``features``, an integer column unique on every row that
    is named like an id or counts rows is left out of the features, with a note.
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
        lyrics_dir: str | os.PathLike[str] | None = None,
        context_columns: Sequence[str] = (),
        preprocessing: str = "standardize",
        nonfinite: str = "drop",
        na_values: Sequence[str] = (),
        encoding: str | None = None,
        sep: str | None = None,
        name: str | None = None,
    ) -> None:
        self.path = path
        self.labels = labels
        self.features = features
        self.drop_features = drop_features
        self.id_column = id_column
        self.text_columns = text_columns
        self.lyrics_dir = lyrics_dir
        self.context_columns = context_columns
        self.preprocessing = preprocessing
        self.nonfinite = nonfinite
        self.na_values = na_values
        self.encoding = encoding
        self.sep = sep
        self.name = name

    def load(self) -> Dataset:
        if self.path is None:
            raise ConfigError("csv: pass the file with --data PATH.")
        if not column_names(self.labels):
            raise ConfigError("csv: give at least one label column (labels=...).")
        path = resolve_path(self.path, "", "csv")
        return self.from_frame(read_table(path, "csv", encoding=self.encoding, sep=self.sep), path)

    def from_frame(
        self, frame: pd.DataFrame, path: Path, notes: Sequence[str] = (), extra: Mapping[str, Any] | None = None
    ) -> Dataset:
        """The dataset of ``frame``, read from ``path``: :meth:`load` after reading.

        A loader that repairs a file first (:mod:`.published`) passes its ``notes`` and,
        in ``extra``, the repair rules, which enter the fingerprint.
        """
        # Column names are text in the file: a name given as a number (-P labels=2019)
        # or as one string must still mean that column, never its characters.
        labels, texts = column_names(self.labels), column_names(self.text_columns)
        context = column_names(self.context_columns)
        wanted = None if self.features is None else column_names(self.features)
        drop = column_names(self.drop_features)
        id_column = None if self.id_column is None else str(self.id_column)
        non_features = {*labels, *texts, *context, *([id_column] if id_column else [])}
        notes = list(notes)
        require_columns(frame, [*sorted(non_features), *(wanted or [])], path, "csv")
        if wanted is None:
            # A mostly-numeric column is a feature, so a stray bad value in it is
            # reported (column, line) instead of silently dropping the column.
            available = [c for c in frame.columns if c not in non_features and _mostly_numeric(frame[c])]
            skipped = [c for c in frame.columns if c not in non_features and c not in available]
            if skipped:  # never silently: a decimal comma or a placeholder would hide a feature
                listing = ", ".join(map(repr, skipped[:12])) + (" ..." if len(skipped) > 12 else "")
                notes += [
                    f"left out {len(skipped)} non-numeric column(s): {listing} (name them with -P features=... to use them)"
                ]
        else:
            available = [c for c in frame.columns if c not in non_features]
        if wanted is None and id_column is None:
            for column in id_like_columns(frame, [c for c in available if c not in set(drop)]):
                available.remove(column)
                notes.append(
                    f"left out column {column!r}: it looks like a track id (unique integers on every row), "
                    f"not a feature; pass -P id_column={column} to use it as the id, or -P features=... to keep it"
                )
        features = select_features(available, wanted, drop, "csv")
        extra = dict(extra or {})
        if self.lyrics_dir is not None:
            frame = _with_sidecar_lyrics(frame, self.lyrics_dir, self.id_column, texts)
            # The fingerprint hashes the CSV only: the sidecars' content must enter it too.
            extra["lyrics_sha256"] = hashlib.sha256("\0".join(frame["lyrics"]).encode()).hexdigest()
        return build_dataset(
            name="csv",
            frame=frame,
            path=path,
            feature_columns=features,
            label_columns={c: c for c in labels},
            text_columns={c: c for c in texts},
            id_column=id_column,
            primary_label=labels[0],
            preprocessing=self.preprocessing,
            nonfinite=self.nonfinite,
            params={**self.get_params(), "features": features, **extra},
            notes=notes,
            na_values=self.na_values,
            context_columns=context,
        )


def column_names(value: object) -> list[str]:
    """A parameter naming columns as a list of names (``None`` -> none, one value -> one name)."""
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    return [str(v) for v in value]  # type: ignore[attr-defined]


def _mostly_numeric(column: pd.Series) -> bool:
    present = column.dropna()
    present = present[present.astype(str).str.strip() != ""]
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5


def _with_sidecar_lyrics(
    frame: pd.DataFrame, folder: str | os.PathLike[str], id_column: str | None, texts: list[str]
) -> pd.DataFrame:
    """``frame`` with a ``lyrics`` column read from one ``.txt`` file per id."""
    if id_column is None or "lyrics" in texts:
        raise ConfigError("csv: lyrics_dir needs id_column (the file names) and no lyrics text column.")
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"csv: lyrics_dir {root} is not a folder.")
    lyrics, _ = sidecar_texts(root, text_column(frame[id_column]).tolist(), "csv")
    texts.append("lyrics")
    return frame.assign(lyrics=lyrics)
