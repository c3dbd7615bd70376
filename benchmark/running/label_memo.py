"""Cluster labels computed once per identical input, for clusterers that take no seed.

Encoders such as ``raw``, ``pca`` and ``text`` give the same array for every seed,
and agglomerative clustering or HDBSCAN take no ``random_state``: the cells of such a
pair differ only in the seed they record, yet each would cluster the same array
again (at 50,000 tracks, ward took 16 s a cell). :class:`LabelMemo` keeps the labels
of a seedless clusterer under :func:`label_key`, a sha256 over everything that
decides them, so the later cells reuse them:

* the embedding's bytes, shape and dtype (not its encoder or seed: equal arrays
  are equal inputs, whatever made them);
* the clusterer's name, its resolved parameters, its plugin's version, a digest of
  the source file of its class, the numeric libraries' versions and the thread count.

A clusterer that accepts ``random_state`` is never memoised (its labels may depend on
the seed). The labels a hit returns are the ones the same code computed from the same
bytes, so every stored cell is what computing it again would give; each cell still
records its own seed, parameters and versions (the runner writes them as before).
A hit reports the seconds the labels took when they were computed, so a cell's
``cluster_s`` stays the clusterer's cost on that input; the saving shows in the
run's wall time.

Entries live in memory for the worker's life (a bounded number of them) and, when
a folder is given, also on disk as ``<root>/<key[:2]>/<key>.npy`` plus a JSON file
written last (atomically, as in :mod:`benchmark.cache`), so other worker processes
and later runs share them. A damaged or unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from musicbench import PluginEntry
from musicbench.benchmark.results.cache import _atomic_write
from musicbench.hashing import canonical, digest, file_sha256, package_versions
from musicbench.resolution import accepted_params

MEMO_FORMAT = 1
"""Bump when the way labels are produced or stored changes."""
MEMORY_ENTRIES = 64
"""Entries kept in memory: 64 label arrays of a million tracks are 256 MB of int32."""


@dataclass(frozen=True)
class MemoEntry:
    """Labels of one clustering, the parameters it chose and the seconds it took."""

    labels: np.ndarray
    fitted_params: dict[str, Any]
    cluster_s: float


def memoisable(entry: PluginEntry) -> bool:
    """Whether the clusterer of ``entry`` takes no seed, so equal inputs give equal labels."""
    return "random_state" not in accepted_params(entry.factory)


def embedding_digest(Z: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes (C order)."""
    Z = np.ascontiguousarray(Z)
    h = hashlib.sha256(f"{Z.dtype.str}{Z.shape}".encode())
    h.update(Z.data.cast("B"))  # the same bytes as memoryview(Z), typed for mypy
    return h.hexdigest()


@lru_cache(maxsize=64)
def _source_digest(path: str | None) -> str:
    # cached: every cell of a clusterer hashes the same source file
    return "unknown" if path is None else file_sha256(path, missing_ok=True)


def label_key(Z: np.ndarray, entry: PluginEntry, params: Mapping[str, Any], threads: int | None) -> str:
    """The memo key of clustering ``Z`` with ``entry`` built from resolved ``params``."""
    try:
        source = inspect.getsourcefile(entry.factory)
    except TypeError:  # a built-in or C class has no source file
        source = None
    return digest(
        "musicbench-labels",
        MEMO_FORMAT,
        embedding_digest(Z),
        entry.name,
        dict(params),
        entry.source.version,
        _source_digest(source),
        package_versions(),
        threads,
    )


class LabelMemo:
    """Memoised labels in memory and, when ``root`` is given, on disk under it.

    Parameters
    ----------
    root : path or None
        Folder for entries shared between processes and runs; ``None`` keeps them
        in this process only. A folder that cannot be written is used read-only.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._memory: OrderedDict[str, MemoEntry] = OrderedDict()

    def _path(self, key: str, suffix: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}{suffix}"

    def get(self, key: str, n_samples: int) -> MemoEntry | None:
        """The entry ``key`` with ``n_samples`` labels, or ``None``."""
        found = self._memory.get(key)
        if found is None and self.root is not None:
            found = self._read(key)
        if found is None or found.labels.shape != (n_samples,):
            return None
        self._remember(key, found)
        # a copy: the caller may keep or change its labels without touching the memo
        return MemoEntry(found.labels.copy(), dict(found.fitted_params), found.cluster_s)

    def put(self, key: str, labels: np.ndarray, fitted_params: Mapping[str, Any], cluster_s: float) -> None:
        """Keep an entry; a disk write that fails leaves it in memory only."""
        entry = MemoEntry(np.array(labels, copy=True), dict(fitted_params), float(cluster_s))
        self._remember(key, entry)
        if self.root is None:
            return
        meta = {"fitted_params": canonical(entry.fitted_params), "cluster_s": entry.cluster_s, "format": MEMO_FORMAT}
        try:
            self._path(key, "").parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(self._path(key, ".npy"), lambda f: np.save(f, entry.labels, allow_pickle=False))
            text = json.dumps(meta, sort_keys=True).encode("utf-8")
            _atomic_write(self._path(key, ".json"), lambda f: f.write(text))
        except OSError:
            pass  # sharing is an optimisation: the cell's own result is already computed

    def _remember(self, key: str, entry: MemoEntry) -> None:
        self._memory[key] = entry
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def _read(self, key: str) -> MemoEntry | None:
        try:
            meta = json.loads(self._path(key, ".json").read_text(encoding="utf-8"))
            labels = np.load(self._path(key, ".npy"), allow_pickle=False)
            entry = MemoEntry(labels, dict(meta["fitted_params"]), float(meta["cluster_s"]))
        except Exception:  # noqa: BLE001 - a missing, half-written or damaged entry is a miss
            return None
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            return None
        return entry
