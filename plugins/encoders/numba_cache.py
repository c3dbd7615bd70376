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

from types import ModuleType

UMAP_MODULES = ("umap.distances", "umap.layouts", "umap.umap_", "umap.utils")


def enable(module_names: tuple[str, ...] = UMAP_MODULES) -> int:
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
