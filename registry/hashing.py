"""Canonical JSON and sha256 digests: the one way results and caches are keyed.

Keys are computed with :mod:`hashlib` over canonical JSON (sorted keys, no spaces),
never with ``hash()``, so they are stable across processes, machines and runs; a
file's bytes are digested by :func:`file_sha256`.

numpy is never imported here: a numpy value can only exist once numpy is imported,
so :func:`canonical` looks it up in :data:`sys.modules`, and a key over plain Python
values (the plan cache's no-op rerun) costs no numpy import.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

TRACKED_PACKAGES = (
    "numpy",
    "scikit-learn",
    "scipy",
    "torch",
    "umap-learn",
    "hdbscan",
    "pandas",
    "numba",
    "llvmlite",
    "pynndescent",
)
"""Libraries whose version can change an embedding or a partition. numba and llvmlite
compile umap-learn's and pynndescent's code (a new compiler can round differently),
pynndescent finds UMAP's neighbours above 100,000 tracks (or with ``knn="nndescent"``)."""
UNREADABLE = "unreadable"
"""The digest :func:`file_sha256` gives a file it cannot read, when asked to go on."""
_CHUNK = 1 << 20
"""Bytes read at a time: a large data file is digested without holding it in memory."""


def canonical(value: Any) -> Any:
    """``value`` as plain JSON types: tuples become lists, numpy scalars Python numbers.

    An object JSON cannot express is written as ``module.Type:repr``; if its repr is not
    stable (it contains an address) the key simply never matches, which is safe: a
    cache miss, never a wrong hit.
    """
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    np = sys.modules.get("numpy")  # None: no numpy value can exist (module docstring)
    if np is not None:
        if isinstance(value, np.ndarray):
            return [canonical(v) for v in value.tolist()]
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            value = float(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        number = float(value)
        return number if math.isfinite(number) else repr(number)
    if value is None or isinstance(value, str):
        return value
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}:{value!r}"


def canonical_json(value: Any) -> str:
    """Deterministic JSON of ``value`` (see :func:`canonical`)."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"))


def digest(*parts: Any) -> str:
    """sha256 hex digest of the canonical JSON of ``parts``."""
    return hashlib.sha256(canonical_json(list(parts)).encode("utf-8")).hexdigest()


def file_sha256(path: str | os.PathLike[str], *, missing_ok: bool = False) -> str:
    """sha256 (hex) of a file's bytes, read in chunks.

    Parameters
    ----------
    path : path
        The file.
    missing_ok : bool
        Give :data:`UNREADABLE` for a file that is missing or cannot be read, instead
        of raising :class:`OSError`. A key over it then matches no readable file's key:
        a cache miss, never a wrong hit.
    """
    sha = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(_CHUNK), b""):
                sha.update(block)
    except OSError:
        if missing_ok:
            return UNREADABLE
        raise
    return sha.hexdigest()


@lru_cache(maxsize=1)
def cpu_name() -> str:
    """The processor's model name (Linux's ``/proc/cpuinfo``), else what :mod:`platform` says.

    Recorded with every cell, never part of a key: the same seed can give other
    low-order digits on another processor (libraries pick their code by it), and
    the record tells which machine a figure came from.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def recorded_versions(plugins: Mapping[str, str]) -> dict[str, Any]:
    """What every cell records of what produced it: musicbench's, Python's and the
    tracked libraries' versions, the ``plugins``' versions and the CPU (:func:`cpu_name`)."""
    from musicbench._version import __version__

    return {"musicbench": __version__, **package_versions(), "plugins": dict(plugins), "cpu": cpu_name()}


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Python and the tracked libraries' versions (``"absent"`` when not installed).

    Read from package metadata, so nothing heavy (torch) is imported to learn it.
    """
    return {"python": platform.python_version(), **versions_of(TRACKED_PACKAGES)}


def versions_of(names: Iterable[str]) -> dict[str, str]:
    """Each installed distribution's version, from its metadata (``"absent"`` when not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions
