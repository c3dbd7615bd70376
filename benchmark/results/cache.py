"""The on-disk embedding cache: each encoder is fitted once per input and reused.

An entry is keyed by :func:`embedding_key`, a sha256 over everything that changes an
embedding: the dataset's fingerprint, the encoder's name, its full (resolved)
parameters as canonical JSON, the seed, the plugin's version and the versions of
the numeric libraries. Arrays are written with ``np.save(allow_pickle=False)``
and read back with pickling refused, so a cache file can never execute code.

Layout: ``<root>/<key[:2]>/<key>.npy`` (the embedding), ``<key>.own.npy`` (the
encoder's own cluster labels, for encoders that also cluster) and ``<key>.json``
(how it was made, with timings). The JSON file is written last, each file through
a temporary file and :func:`os.replace`, so a reader sees a complete entry or none,
even when the writer is killed half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musicbench.errors import ConfigError
from musicbench.hashing import digest, package_versions

CACHE_FORMAT = 1
"""Bump when the way embeddings are produced or stored changes."""
# No default folder here: a store's cache is ``constants.default_cache_dir(store)``,
# beside the store (one rule for every command), never the working folder.


def embedding_key(
    dataset_fingerprint: str,
    encoder: str,
    params: Mapping[str, Any],
    seed: int,
    plugin_version: str,
    packages: Mapping[str, str] | None = None,
) -> str:
    """The cache key of one embedding: sha256 over every input that changes it."""
    return digest(
        "musicbench-embedding",
        CACHE_FORMAT,
        dataset_fingerprint,
        encoder,
        dict(params),
        int(seed),
        plugin_version,
        dict(package_versions() if packages is None else packages),
    )


@dataclass(frozen=True)
class CachedEmbedding:
    """A cached embedding, the encoder's own labels (if any) and how it was made."""

    embedding: np.ndarray
    own_labels: np.ndarray | None
    meta: dict[str, Any]


def _atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def probe_writable(folder: Path, what: str, fix: str) -> None:
    """Write and remove a file in ``folder``, leaving nothing behind; fail clearly if that fails.

    A real write, not :func:`os.access`: that answers yes for root on a read-only
    mount and knows nothing of quotas. Folders created for the probe are removed.
    """
    missing: list[Path] = []
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        missing.append(ancestor)
        ancestor = ancestor.parent
    try:
        for attempt in range(3):
            folder.mkdir(parents=True, exist_ok=True)
            try:
                fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test.", suffix=".tmp")
                break
            except FileNotFoundError:
                # A concurrent run removed the folder it had created for its own probe
                # between our mkdir and our write: make it again.
                if attempt == 2:
                    raise
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{what} {folder} cannot be written ({exc.strerror or exc}). {fix}, or fix its permissions."
        ) from None
    finally:
        for created in missing:  # deepest first
            with contextlib.suppress(OSError):
                created.rmdir()


class EmbeddingCache:
    """Embeddings on disk under ``root``, keyed by :func:`embedding_key`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def __contains__(self, key: str) -> bool:
        return self._path(key, ".json").is_file()

    def get(self, key: str) -> CachedEmbedding | None:
        """The entry ``key``, or ``None`` if it is absent or unreadable."""
        meta_path = self._path(key, ".json")
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            embedding = np.load(self._path(key, ".npy"), allow_pickle=False)
            own_path = self._path(key, ".own.npy")
            own = np.load(own_path, allow_pickle=False) if meta.get("own_labels") else None
        except Exception:  # noqa: BLE001 - numpy raises EOFError, ValueError, OSError, zipfile errors...
            return None  # a damaged entry (0 bytes, half written) is a miss: recomputed and rewritten
        if not isinstance(meta, dict) or embedding.ndim != 2 or embedding.shape[0] != meta.get("n_tracks"):
            return None
        if own is not None and own.shape != (embedding.shape[0],):
            return None
        return CachedEmbedding(embedding, own, meta)

    def check_writable(self) -> None:
        """Fail with a clear message, before any work, if entries cannot be written here."""
        probe_writable(self.root, "The embedding cache folder", "Pass --cache with a writable folder")

    def put(self, key: str, embedding: np.ndarray, own_labels: np.ndarray | None, meta: Mapping[str, Any]) -> None:
        """Store an entry atomically (the metadata file last marks it complete)."""
        folder = self._path(key, "").parent
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self._path(key, ".npy"), lambda f: np.save(f, embedding, allow_pickle=False))
        if own_labels is not None:
            _atomic_write(self._path(key, ".own.npy"), lambda f: np.save(f, own_labels, allow_pickle=False))
        full = {**meta, "key": key, "n_tracks": int(embedding.shape[0]), "own_labels": own_labels is not None}
        text = json.dumps(full, sort_keys=True, indent=1).encode("utf-8")
        _atomic_write(self._path(key, ".json"), lambda f: f.write(text))
