"""Exporting one cell: its embedding and cluster labels, keyed by track id.

The labels and track ids come from the store, the embedding from the cache (by the
key the store recorded). ``.npy`` files hold one structured array (``track_id``,
``cluster``, ``z``) saved without pickle; CSV files have ``track_id``, ``cluster``
and one ``z0``, ``z1``... column per latent dimension.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from musicbench.benchmark.constants import EXPORT_FORMATS
from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import CellRecord, ResultStore
from musicbench.errors import ConfigError

FORMATS = EXPORT_FORMATS


def cell_arrays(
    store: ResultStore, cache: EmbeddingCache, record: CellRecord
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(track_ids, cluster labels, embedding)`` of a stored ``ok`` cell."""
    if record.status != "ok" or record.labels is None:
        raise ConfigError(f"Cell {record.key[:12]} is {record.status} ({record.reason}): it has no labels to export.")
    info = store.dataset(record.dataset_fingerprint)
    if info is None:
        raise ConfigError(f"The store has no track ids for the dataset of cell {record.key[:12]}.")
    cached = cache.get(record.embedding_key)
    if cached is None:
        raise ConfigError(
            f"The embedding of cell {record.key[:12]} is not in the cache at {cache.root}. "
            "Recompute it with `bench run ... --force` for this encoder, or pass --cache."
        )
    return info.track_ids, record.labels, cached.embedding


def export_cell(
    store: ResultStore, cache: EmbeddingCache, record: CellRecord, path: Path, fmt: str | None = None
) -> Path:
    """Write ``record``'s latent vectors and labels to ``path`` (format from the suffix)."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ConfigError(f"Cannot export to {path}: use a .npy or .csv file (or --format npy|csv).")
    track_ids, labels, Z = cell_arrays(store, cache, record)
    if fmt == "npy":
        width = max(1, max((len(str(t)) for t in track_ids), default=1))
        table = np.empty(
            len(track_ids), dtype=[("track_id", f"U{width}"), ("cluster", "i4"), ("z", "f4", (Z.shape[1],))]
        )
        table["track_id"], table["cluster"], table["z"] = track_ids, labels, Z
        with open(path, "wb") as handle:  # a path: np.save would append ".npy" to other names
            np.save(handle, table, allow_pickle=False)
    else:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["track_id", "cluster", *(f"z{i}" for i in range(Z.shape[1]))])
            for track, label, z in zip(track_ids, labels, Z, strict=True):
                writer.writerow([track, int(label), *(repr(float(v)) for v in z)])
    return path
