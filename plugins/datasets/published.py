"""The loader of every suite entry: reads a published table and checks its sha256.

An entry of :data:`~musicbench.plugins.datasets.suite.ENTRIES` is read by the loader it
names: ``spotify`` and ``gtzan`` with the entry's parameters (so TidyTuesday, GTZAN and
the lyrics excerpt keep the fingerprints those loaders always gave them), or ``table``:
the ``csv`` loader after the file's own repairs (columns that are not features left out,
repeats removed, mixed units fixed), each recorded in the notes and the fingerprint.

A file whose sha256 is not the published one still loads, and the notes say so with
both hashes. Its fingerprint differs anyway (it hashes the file's bytes), so its cells
never share a key with the published file's.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pandas as pd

from musicbench.contracts import Dataset
from musicbench.errors import DataError
from musicbench.hashing import file_sha256
from musicbench.plugins.datasets.base import LoaderBase
from musicbench.plugins.datasets.suite import DATA_DIR_ENV, SuiteEntry, default_path, entry
from musicbench.plugins.datasets.tables import read_table, require_columns


class PublishedDataset(LoaderBase):
    """A published table of the dataset suite (``bench datasets`` lists them).

    Parameters
    ----------
    entry : str
        The suite entry (``machinehack``, ``turkish-emotion``...): its file, labels,
        preprocessing and expected sha256.
    path : str, optional
        The file; default: the entry's file name in ``$MUSICBENCH_DATA_DIR`` (else
        ``../shared/data``).
    """

    def __init__(self, entry: str = "", path: str | os.PathLike[str] | None = None) -> None:
        self.entry = entry
        self.path = path

    def load(self) -> Dataset:
        spec = entry(self.entry)
        path = Path(self.path).expanduser() if self.path else default_path(spec.name)
        if not path.is_file():
            raise DataError(
                f"{spec.name}: the file {path} is absent. It is {spec.file} ({spec.provenance}); put it in "
                f"${DATA_DIR_ENV} or pass its path with --data."
            )
        dataset = _load(spec, path)
        actual = file_sha256(path)
        if actual == spec.sha256:
            return dataset
        note = (
            f"{path.name} is not the published file: its sha256 is {actual}, the published {spec.file} has "
            f"{spec.sha256}; its results are those of this file, not of {spec.name}"
        )
        return dataclasses.replace(dataset, notes=(note, *dataset.notes))


def _load(spec: SuiteEntry, path: Path) -> Dataset:
    if spec.loader == "spotify":
        from musicbench.plugins.datasets.spotify import SpotifyDataset

        return SpotifyDataset(path=str(path), **spec.params).load()
    if spec.loader == "gtzan":
        from musicbench.plugins.datasets.gtzan import GtzanDataset

        return GtzanDataset(path=str(path), **spec.params).load()
    return _table(spec, path)


def _table(spec: SuiteEntry, path: Path) -> Dataset:
    """A ``table`` entry: the csv loader on the repaired frame."""
    from musicbench.plugins.datasets.csv import CsvDataset

    frame = read_table(path, spec.name)
    require_columns(
        frame, [*spec.labels.values(), *spec.dropped, *([spec.id_column] if spec.id_column else [])], path, spec.name
    )
    notes = []
    extra: dict[str, object] = {"entry": spec.name, "dropped": sorted(spec.dropped)}
    if spec.minutes_below is not None:
        frame, note = _minutes_to_ms(frame, *spec.minutes_below)
        notes.append(note)
        extra["minutes_below"] = list(spec.minutes_below)
    if spec.dedupe:
        frame, note = _dedupe(frame, spec)
        notes.append(note)
        extra["dedupe"] = list(spec.dedupe)
    if spec.dropped:
        shown = "; ".join(f"{column} ({why})" for column, why in spec.dropped.items())
        notes.append(f"not used as features: {shown}")
    frame = frame.drop(columns=list(spec.dropped))
    # The dataset's label names say what they are (genre, mood, emotion), whatever the file calls them.
    frame = frame.rename(columns={column: name for name, column in spec.labels.items()})
    loader = CsvDataset(
        path=str(path),
        labels=tuple(spec.labels),
        id_column=spec.id_column,
        preprocessing=spec.preprocessing,
        nonfinite=spec.nonfinite,
        name=spec.name,
    )
    return loader.from_frame(frame, path, notes, extra)


def _minutes_to_ms(frame: pd.DataFrame, column: str, threshold: float) -> tuple[pd.DataFrame, str]:
    """``frame`` with ``column``'s values below ``threshold`` read as minutes, in milliseconds."""
    values = pd.to_numeric(frame[column], errors="coerce")
    minutes = (values < threshold).to_numpy()
    if not minutes.any():
        return frame, f"{column}: no value below {threshold:g}, so none read as minutes"
    converted = values.where(~minutes, values * 60_000.0)
    note = (
        f"{column} mixes units: {int(minutes.sum()):,} value(s) below {threshold:g} are minutes and were "
        "converted to milliseconds like the rest"
    )
    return frame.assign(**{column: converted}), note


def _dedupe(frame: pd.DataFrame, spec: SuiteEntry) -> tuple[pd.DataFrame, str]:
    """``frame`` with repeats of the entry's key (first kept), and a note on them."""
    labels = list(spec.labels.values())  # the file's columns: this runs before they are renamed
    if spec.dedupe == ("features",):
        others = {*labels, *spec.dropped, spec.id_column}
        keys = [c for c in frame.columns if c not in others]
        what = "feature vector"
    else:
        keys = list(spec.dedupe)
        what = "(" + ", ".join(keys) + ")"
    repeated = frame.duplicated(subset=keys, keep="first").to_numpy()
    if not repeated.any():
        return frame, f"no repeated {what}"
    disagree = frame.groupby(keys, dropna=False)[labels[0]].nunique()
    note = (
        f"kept the first row of each {what}: {int(repeated.sum()):,} repeated row(s) removed "
        f"({int((disagree > 1).sum()):,} repeated {what}(s) carried more than one {spec.primary_label})"
    )
    return frame.loc[~np.asarray(repeated)], note
