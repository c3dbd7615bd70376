"""umap-learn's numba functions go to numba's on-disk cache (compiled once per machine)."""

from __future__ import annotations

from pathlib import Path

from musicbench.plugins.encoders import numba_cache


def test_every_umap_numba_function_but_a_parallel_twin_gets_a_file_cache() -> None:
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    numba_cache.enable()
    uncached = {
        f"{name}.{attr}"
        for name in numba_cache.UMAP_MODULES
        for attr, value in vars(importlib.import_module(name)).items()
        if isinstance(value, Dispatcher) and isinstance(value._cache, NullCache)
    }
    # the parallel compilation of the serial optimiser's function must not share its cache entry
    assert uncached == {"umap.layouts._nb_optimize_layout_euclidean_single_epoch_parallel"}
    assert numba_cache.enable() == 0  # idempotent


def test_a_fit_goes_through_the_disk_cache() -> None:
    from umap import layouts

    from musicbench.plugins.encoders.classic import UMAPEncoder
    from musicbench.testing import tiny_dataset

    UMAPEncoder(n_components=2, n_neighbors=5, random_state=0).fit(tiny_dataset(n_tracks=60))
    optimiser = layouts._nb_optimize_layout_euclidean_single_epoch  # umap-learn compiles it without cache=True
    stats = optimiser.stats
    assert sum(stats.cache_hits.values()) + sum(stats.cache_misses.values()) >= 1  # the file cache was asked
    index = Path(optimiser._cache._cache_path)
    assert any(p.name.startswith("layouts._optimize_layout_euclidean_single_epoch-") for p in index.glob("*.nbi"))
