"""umap-learn's numba functions kept in numba's on-disk cache: compiled once per machine.

umap-learn compiles several of its numba functions without ``cache=True`` (the
layout optimiser, the fuzzy-set construction, its distance and random helpers), so
every new process paid their compilation again on its first fit: 18.0 s for the
first fit of 2,000 synthetic tracks against 5.4 s for the next ones, in every
worker of every run. :func:`enable` switches numba's own file cache on for them
(``Dispatcher.enable_caching``, what ``cache=True`` does at definition time), so
the first process on a machine compiles and stores them and later ones load them.

numba stores the code beside umap-learn's sources, or in its user-wide cache folder
when those are read-only (``NUMBA_CACHE_DIR`` overrides both), and checks every
entry against the source file's modification time and size, so an upgraded
umap-learn compiles afresh. The cached machine code is the code numba would
compile, so the embeddings do not change (measured: the same 2,000-track embedding,
summed to the last bit, from a compiling and from a loading process).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import ModuleType

UMAP_MODULES = ("umap.distances", "umap.layouts", "umap.umap_", "umap.utils")
PYNNDESCENT_MODULES = (
    "pynndescent.distances",
    "pynndescent.graph_utils",
    "pynndescent.kernels",
    "pynndescent.pynndescent_",
    "pynndescent.rp_trees",
    "pynndescent.sparse",
    "pynndescent.utils",
)
"""pynndescent finds UMAP's neighbours from 4,096 points on (above 100,000, or with
``knn="nndescent"``: below that the encoders search exactly, :mod:`umap_neighbors`). Cached, the first UMAP of
5,000 points in a fresh process took 13.6 s instead of 25.4 s (same coordinates to the
bit); its functions that take the metric as an argument (``nn_descent`` and what it
calls, about 9 s) still compile in every process: numba keys such an argument's type
by the function object, new in each process, so their cache entries never match."""


def enable(module_names: tuple[str, ...] = UMAP_MODULES + PYNNDESCENT_MODULES) -> int:
    """Turn the on-disk cache on for the uncached numba functions of these modules.

    numba names a cache entry after the Python function and its signature, not its
    compile options. umap-learn compiles one function twice, serial and
    ``parallel=True`` (``_optimize_layout_euclidean_single_epoch``): both in the cache
    could hand a seeded (serial, reproducible) fit the parallel code. Of functions
    compiled more than once, only the one serial compilation is cached.

    Returns how many it turned on (0 when already done: it is idempotent).
    """
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    by_function: dict[object, dict[int, Dispatcher]] = {}
    for name in module_names:
        module: ModuleType = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                by_function.setdefault(value.py_func, {})[id(value)] = value
    enabled = 0
    for compiled in by_function.values():
        chosen = list(compiled.values())
        if len(chosen) > 1:
            chosen = [d for d in chosen if not d.targetoptions.get("parallel")][:1]
        for dispatcher in chosen:
            if isinstance(getattr(dispatcher, "_cache", None), NullCache):
                dispatcher.enable_caching()
                enabled += 1
    return enabled


# The record of a finished warm-up: which cache files it left, and with which versions.
# Reading it tells a new run, without importing umap (seconds) or compiling anything,
# whether a warm-up would only load code (about 2 s) or compile it (30 s and more on a
# machine's first run).
_PACKAGES = ("umap-learn", "pynndescent", "numba")
_CACHED_BY = ("umap", "pynndescent", "musicbench")


def _record_path(name: str) -> Path:
    """One record per installation: numba keeps the code beside each environment's own
    umap-learn and musicbench sources, so a record made by another virtual environment
    or checkout says nothing about this one (``NUMBA_CACHE_DIR`` moves it all)."""
    import hashlib

    where = "\0".join((sys.prefix, str(Path(__file__).resolve().parent), os.environ.get("NUMBA_CACHE_DIR", "")))
    return user_cache_root() / "musicbench" / f"numba-{name}-{hashlib.sha256(where.encode()).hexdigest()[:12]}.json"


def user_cache_root() -> Path:
    """The user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``): numba's user-wide
    cache is its ``numba`` folder, musicbench's warm-up records its ``musicbench`` one."""
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"))


def _versions() -> dict[str, str]:
    from musicbench.hashing import versions_of

    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", **versions_of(_PACKAGES)}


def record(name: str) -> None:
    """Write down the cache files this process's compiled numba functions use.

    Called after a warm-up compiled (or loaded) them. A folder that cannot be written
    leaves no record: later runs then take the cold path, which is slower, never wrong.
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    files: set[str] = set()
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(_CACHED_BY):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Dispatcher) and value.signatures:
                cache = getattr(value, "_cache", None)
                index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
                if not isinstance(cache, NullCache) and index and os.path.exists(index):
                    files.add(index)
    path = _record_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"versions": _versions(), "files": sorted(files)}, indent=1))
        os.replace(temporary, path)  # a reader sees the old record or the new one, never half of one
    except OSError:
        pass


def is_warm(name: str) -> bool:
    """Whether the warm-up ``name`` last recorded still finds all its cache files.

    False when it never ran here, ran with other versions of umap-learn, pynndescent,
    numba or Python, or a cache file it used is gone (a cleaned ``__pycache__``).
    """
    try:
        recorded = json.loads(_record_path(name).read_text())
        files = recorded["files"]
        return recorded["versions"] == _versions() and bool(files) and all(os.path.exists(f) for f in files)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def umap_is_warm() -> bool:
    """:func:`is_warm` of umap's warm-up (:mod:`plugins.encoders.umap_warmup`)."""
    return is_warm("umap")
