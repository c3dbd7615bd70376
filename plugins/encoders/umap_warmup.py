"""Loads umap-learn's compiled numba functions once, in the local workers' forkserver.

``bench run`` lists this module in the ``umap`` entry's ``preload`` meta: the
forkserver imports it before forking any worker, so each worker starts with the
compiled code loaded instead of loading or compiling it on its first fit (once per
worker, so twice with ``--jobs 2``). The code itself is compiled once per machine
(:mod:`plugins.encoders.numba_cache`). It fits the same code path the encoder
uses: a seeded, single-threaded UMAP on float32 data.

On a machine whose cache lacks the code (:func:`numba_cache.umap_is_warm` says so),
importing this module compiles it: about 30 s of one core. ``bench warm`` does that
ahead, in a process of its own; otherwise the first run's worker start-up pays it.
"""

from __future__ import annotations

import os
import warnings

# GNU OpenMP cannot survive a fork: a forkserver that used it kills every worker it
# forks. numba's own work-queue layer holds no such state between parallel calls.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import numpy as np
import umap

from musicbench.plugins.encoders import numba_cache, umap_distances

# With numba's file cache on, this loads the compiled code (about a second) on every
# run but the first on a machine; without it, it compiled for 10 to 15 s every time.
numba_cache.enable()

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    points = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    with umap_distances.numba_pairwise():  # the encoder's distance path: its loops are compiled too
        umap.UMAP(n_components=2, n_neighbors=10, min_dist=0.0, random_state=0).fit_transform(points)

# Lets the next run see, without compiling, that this machine has the code compiled.
numba_cache.record("umap")
