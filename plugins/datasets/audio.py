"""A folder of audio files: GTZAN's 57 librosa features, labels from the folder layout or a CSV."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from musicbench.contracts import MISSING_LABEL, Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.datasets.audio_extract import Extraction, FeatureCache, extract_folder
from musicbench.plugins.datasets.audio_features import FEATURE_NAMES, SAMPLE_RATE, recipe_params, require_librosa
from musicbench.plugins.datasets.base import LoaderBase
from musicbench.plugins.datasets.preprocessing import preprocess
from musicbench.plugins.datasets.sidecar import sidecar_texts
from musicbench.plugins.datasets.tables import fingerprint, read_table, require_columns, text_column
from musicbench.workers import default_jobs

FOLDER_LABEL = "genre"
"""The dataset's label from the folder layout; the extracted table calls it ``label``, as GTZAN."""


class AudioDataset(LoaderBase):
    """Audio files under a folder, with GTZAN's 57 per-clip features (see ``audio_features``).

    Parameters
    ----------
    path : str
        The folder (``--data DIR``). Every audio file under it is read; other files
        are reported and skipped, ``.txt`` files are lyrics sidecars.
    labels_file : str, optional
        A CSV with a ``filename`` column (the path under the folder, or the bare file
        name when those are unique) and any number of label columns, the first being
        the primary label; a ``lyrics`` column is the lyrics modality. Default: the
        first folder level is the ``genre`` (``DIR/blues/blues.00000.wav``); files
        directly in the folder have no label, and a folder without subfolders is
        unlabelled (only the internal metrics are then defined).
    segment_seconds : float, optional
        Cut each file into windows of this length (3 gives GTZAN's
        ``features_3_sec`` layout, one row per window, a partial last window dropped).
    min_seconds : float
        Without segments, files shorter than this are skipped (3 s: GTZAN's shortest
        window; tempo and the frame statistics mean little on less).
    sample_rate : int
        Every file is resampled to this rate and mixed to mono (22,050 Hz, GTZAN's).
    lyrics : bool
        Read ``.txt`` sidecars (``song.wav`` -> ``song.txt``) as the ``lyrics`` modality.
    jobs : int, optional
        Processes extracting features (default: ``$MUSICBENCH_JOBS``, or every available core,
        as ``bench run --jobs``). The numbers do not depend on it.
    cache_dir : str, optional
        Per-file feature cache (default ``$MUSICBENCH_AUDIO_CACHE`` or
        ``.musicbench/audio-features``). Neither it nor ``jobs`` changes the dataset.
    preprocessing : str
        As for the ``spotify`` dataset. A file whose features are not all finite is
        skipped with the reason, like an undecodable one.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        labels_file: str | os.PathLike[str] | None = None,
        segment_seconds: float | None = None,
        min_seconds: float = 3.0,
        sample_rate: int = SAMPLE_RATE,
        lyrics: bool = True,
        jobs: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        preprocessing: str = "standardize",
    ) -> None:
        self.path = path
        self.labels_file = labels_file
        self.segment_seconds = segment_seconds
        self.min_seconds = min_seconds
        self.sample_rate = sample_rate
        self.lyrics = lyrics
        self.jobs = jobs
        self.cache_dir = cache_dir
        self.preprocessing = preprocessing

    def _check(self) -> Path:
        if self.path is None or str(self.path) == "":
            raise ConfigError("audio: pass the folder of audio files with --data DIR.")
        root = Path(self.path).expanduser()
        if not root.is_dir():
            raise DataError(
                f"audio: {root} is not a folder; pass the folder that holds the audio files with --data DIR."
            )
        for name in ("segment_seconds", "min_seconds"):
            value = getattr(self, name)
            if value is not None and not float(value) > 0:
                raise ConfigError(f"audio: {name} must be a positive number of seconds, got {value!r}.")
        if int(self.sample_rate) < 4000:
            raise ConfigError(f"audio: sample_rate must be at least 4000 Hz, got {self.sample_rate!r}.")
        if self.jobs is not None and int(self.jobs) < 1:
            raise ConfigError(f"audio: jobs must be at least 1, got {self.jobs!r}.")
        return root

    def extract(self) -> tuple[pd.DataFrame, Extraction]:
        """The raw feature table (GTZAN's columns, labels, lyrics) and the extraction report."""
        root = self._check()
        require_librosa()
        params = {**recipe_params(int(self.sample_rate), self.segment_seconds), "min_seconds": float(self.min_seconds)}
        done = extract_folder(root, params, jobs=int(self.jobs or default_jobs()), cache=FeatureCache(self.cache_dir))
        usable = {name: r for name, r in done.results.items() if not r.skipped}
        if not usable:
            raise DataError(
                f"audio: no usable audio file under {root} ({len(done.skipped)} file(s) skipped; the reasons are "
                "listed above). Expected WAV, FLAC, OGG or MP3 files at least "
                f"{self.segment_seconds or self.min_seconds:g} s long."
            )
        window = round(float(self.segment_seconds or 0) * int(self.sample_rate))
        ids, clips, lengths, rows = [], [], [], []
        for name, result in usable.items():
            for i, row in enumerate(result.rows):
                path = PurePosixPath(name)
                ids.append(str(path.with_name(f"{path.stem}.{i}{path.suffix}")) if window else name)
                clips.append(name)
                lengths.append(window or result.length)
                rows.append(row)
        table = pd.DataFrame(rows, columns=list(FEATURE_NAMES))
        table.insert(0, "length", lengths)
        table.insert(0, "filename", ids)
        labels, texts = self._labels(root, list(usable))
        for column, values in {**labels, **texts}.items():
            table[column] = pd.Series(values, index=list(usable)).loc[clips].to_numpy()
        return table, done

    def _labels(self, root: Path, names: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Label columns (table names) and text columns, one value per usable file."""
        texts: dict[str, np.ndarray] = {}
        if self.lyrics:
            lyrics, found = sidecar_texts(root, names, "audio")
            if found:
                texts["lyrics"] = lyrics
        if self.labels_file is None:
            genre = [PurePosixPath(n).parts[0] if len(PurePosixPath(n).parts) > 1 else MISSING_LABEL for n in names]
            return {"label": np.array(genre, dtype=object)}, texts
        path = Path(self.labels_file).expanduser()
        frame = read_table(path, "audio labels_file")
        require_columns(frame, ["filename"], path, "audio labels_file")
        columns = [c for c in frame.columns if c != "filename"]
        if not [c for c in columns if c != "lyrics"]:
            raise DataError(f"audio: the labels_file {path} has no label column besides 'filename' (and 'lyrics').")
        keys = text_column(frame["filename"]).tolist()
        by_key = {k: i for i, k in enumerate(keys)}
        if len(by_key) != len(keys):
            raise DataError(f"audio: the filename column of {path} repeats a name; each file must appear once.")
        bases = [PurePosixPath(n).name for n in names]
        unique_bases = len(set(bases)) == len(bases)
        row_of = [by_key.get(n, by_key.get(b) if unique_bases else None) for n, b in zip(names, bases, strict=True)]
        if all(r is None for r in row_of):
            raise DataError(
                f"audio: no file name in the filename column of {path} matches an audio file under {root} "
                f"(first name in the CSV: {keys[0]!r}; first audio file: {names[0]!r}). Use the path under "
                "the folder, or the bare file name."
            )
        result: dict[str, Any] = {}
        for column in columns:
            values = text_column(frame[column])
            picked = np.array([values[r] if r is not None else MISSING_LABEL for r in row_of], dtype=object)
            (texts if column == "lyrics" else result)[column] = picked
        return result, texts

    def load(self) -> Dataset:
        table, done = self.extract()
        label_columns = [c for c in table.columns[2 + len(FEATURE_NAMES) :] if c != "lyrics"]
        raw = table[list(FEATURE_NAMES)].to_numpy(dtype=np.float64)
        labels = {
            FOLDER_LABEL if c == "label" and self.labels_file is None else c: text_column(table[c])
            for c in label_columns
        }
        texts = {"lyrics": text_column(table["lyrics"])} if "lyrics" in table else {}
        params = {k: v for k, v in self.get_params().items() if k not in ("path", "jobs", "cache_dir")}
        params.update(recipe_params(int(self.sample_rate), self.segment_seconds))
        # The source is what the table was made of: each used file's bytes, its labels and texts.
        source = hashlib.sha256(
            json.dumps(
                {
                    "files": {n: d for n, d in done.digests.items() if n not in done.skipped},
                    "table": pd.util.hash_pandas_object(table, index=False).tolist(),
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()
        notes = [f"{done.extracted} file(s) extracted, {done.cached} from the cache"]
        if done.skipped:
            first = next(iter(done.skipped.items()))
            notes.append(f"skipped {len(done.skipped)} file(s) (first: {first[0]}: {first[1]})")
        primary = next(iter(labels))
        if not np.any(labels[primary] != MISSING_LABEL):
            notes.append("no file has a label: only the internal metrics are defined")
        return Dataset(
            name="audio",
            audio=preprocess(raw, self.preprocessing),
            feature_names=FEATURE_NAMES,
            track_ids=table["filename"].to_numpy(dtype=object),
            labels=labels,
            texts=texts,
            primary_label=primary,
            params={**params, "path": str(self.path)},
            fingerprint=fingerprint(source, params),
            notes=tuple(notes),
        )
