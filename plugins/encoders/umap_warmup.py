"""Compiles umap-learn's numba functions once, in the local workers' forkserver.

``bench run`` lists this module in the ``umap`` entry's ``preload`` meta: the
forkserver imports it before forking any worker, so each worker starts with the
compiled code instead of spending 10 to 15 s compiling it on its first fit (once
per worker, so twice with ``--jobs 2``). It fits the same code path the encoder
uses: a seeded, single-threaded UMAP on float32 data.
"""

from __future__ import annotations

import os
import warnings

# GNU OpenMP cannot survive a fork: a forkserver that used it kills every worker it
# forks. numba's own work-queue layer holds no such state between parallel calls.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import numpy as np
import umap

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    points = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    umap.UMAP(n_components=2, n_neighbors=10, min_dist=0.0, random_state=0).fit_transform(points)
