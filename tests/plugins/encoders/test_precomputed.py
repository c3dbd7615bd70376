"""The precomputed encoder: files keyed by track id, every mismatch a clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicbench import Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.encoders.precomputed import PrecomputedEncoder


def _write_table(path: Path, ids: list[str], vectors: np.ndarray) -> Path:
    lines = ["track_id,z0,z1,z2"] + [f"{t},{a},{b},{c}" for t, (a, b, c) in zip(ids, vectors, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def vectors(small_dataset: Dataset) -> np.ndarray:
    return np.random.default_rng(0).normal(size=(small_dataset.n_tracks, 3))


def test_a_shuffled_csv_is_aligned_by_track_id(small_dataset: Dataset, vectors: np.ndarray, tmp_path: Path) -> None:
    order = np.random.default_rng(1).permutation(small_dataset.n_tracks)
    path = _write_table(tmp_path / "v.csv", list(small_dataset.track_ids[order]), vectors[order])
    Z = PrecomputedEncoder(path=str(path)).fit_transform(small_dataset)
    assert Z.dtype == np.float32 and np.allclose(Z, vectors, atol=1e-6)


def test_npy_with_an_id_file(small_dataset: Dataset, vectors: np.ndarray, tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", vectors)
    (tmp_path / "ids.txt").write_text("\n".join(small_dataset.track_ids) + "\n")
    Z = PrecomputedEncoder(path=str(tmp_path / "v.npy"), ids_path=str(tmp_path / "ids.txt")).fit_transform(
        small_dataset
    )
    assert np.allclose(Z, vectors, atol=1e-6)
    with pytest.raises(ConfigError, match="ids_path"):
        PrecomputedEncoder(path=str(tmp_path / "v.npy")).fit(small_dataset)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda ids: ids[:-1], "has no row for 1 of"),
        (lambda ids: [*ids, "not-a-track"], "not in the dataset"),
        (lambda ids: [*ids[:-1], ids[0]], "repeats 1 track id"),
    ],
)
def test_missing_extra_and_repeated_ids_are_refused(small_dataset: Dataset, tmp_path: Path, edit, message: str) -> None:
    ids = edit(list(small_dataset.track_ids))
    path = _write_table(tmp_path / "v.csv", ids, np.zeros((len(ids), 3)))
    with pytest.raises(DataError, match=message):
        PrecomputedEncoder(path=str(path)).fit(small_dataset)


def test_the_file_hash_is_part_of_the_cache_inputs(small_dataset: Dataset, vectors: np.ndarray, tmp_path: Path) -> None:
    path = _write_table(tmp_path / "v.csv", list(small_dataset.track_ids), vectors)
    before = PrecomputedEncoder(path=str(path)).input_fingerprint()
    _write_table(path, list(small_dataset.track_ids), vectors + 1.0)
    after = PrecomputedEncoder(path=str(path)).input_fingerprint()
    assert set(before) == {"path_sha256"} and before != after
