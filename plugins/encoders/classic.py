"""Encoders without a neural network: ``raw``, ``pca`` and ``umap``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.base import EncoderBase


class RawEncoder(EncoderBase):
    """The dataset's preprocessed audio features as they are: the baseline to beat."""

    def fit(self, dataset: Dataset) -> RawEncoder:
        self.n_features_in_ = int(self._check_input(dataset, fitting=True).shape[1])
        return self

    def transform(self, dataset: Dataset) -> np.ndarray:
        return self._check_input(dataset, fitting=False).copy()


class PCAEncoder(EncoderBase):
    """Principal components of the audio features.

    Parameters
    ----------
    n_components : int, float or None
        Components kept; a float in (0, 1) keeps enough to explain that share of
        the variance; ``None`` keeps all.
    whiten : bool
        Scale components to unit variance.
    random_state : int, RandomState or None
        Used by the randomized solver on large inputs.
    """

    def __init__(self, n_components: int | float | None = 0.9, whiten: bool = False, random_state: Any = None) -> None:
        self.n_components = n_components
        self.whiten = whiten
        self.random_state = random_state

    def fit(self, dataset: Dataset) -> PCAEncoder:
        audio = self._check_input(dataset, fitting=True)
        n_max = min(audio.shape)
        k = self.n_components
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            if not 1 <= k <= n_max:
                raise ConfigError(f"PCAEncoder: n_components must be from 1 to {n_max} here, got {k}.")
        elif k is not None and not (isinstance(k, float) and 0.0 < k < 1.0):
            raise ConfigError(f"PCAEncoder: n_components must be an int, a float in (0, 1) or None, got {k!r}.")
        self.pca_ = PCA(n_components=k, whiten=self.whiten, random_state=check_random_state(self.random_state)).fit(
            audio
        )
        self.n_features_in_ = int(audio.shape[1])
        return self

    def transform(self, dataset: Dataset) -> np.ndarray:
        return self.pca_.transform(self._check_input(dataset, fitting=False)).astype(np.float32)


class UMAPEncoder(EncoderBase):
    """umap-learn's embedding of the audio features, for comparison.

    ``transform`` of the dataset it was fitted on returns the fitted embedding;
    other datasets go through UMAP's own (approximate) ``transform``.

    Parameters
    ----------
    n_components, n_neighbors, min_dist, metric
        As in ``umap.UMAP``; ``min_dist=0`` packs clusters tightly for clustering.
    n_epochs : int or None
        Epochs of UMAP's layout optimisation; ``None`` is umap-learn's own choice
        (500 below 10,000 tracks, 200 from there on).
    knn : {"exact", "nndescent"}
        How each track's neighbours are found from 4,096 tracks on, where umap-learn
        switches from exact neighbours to pynndescent's approximate ones: ``"exact"``
        (scikit-learn's exact search, :mod:`plugins.encoders.umap_neighbors`, up to
        100,000 tracks: the same method at every size, without pynndescent's compilation
        in every process; approximate above) or ``"nndescent"`` (umap-learn's own).
        Below 4,096 both are umap-learn's exact path.
    random_state : int or None
        Fixes the result (UMAP then runs single-threaded).
    """

    def __init__(
        self,
        n_components: int = 8,
        n_neighbors: int = 15,
        min_dist: float = 0.0,
        metric: str = "euclidean",
        n_epochs: int | None = None,
        knn: str = "exact",
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.n_epochs = n_epochs
        self.knn = knn
        self.random_state = random_state

    def fit(self, dataset: Dataset) -> UMAPEncoder:
        audio = self._check_input(dataset, fitting=True)
        if audio.shape[0] <= self.n_components + 1:
            raise ConfigError(f"UMAPEncoder: {audio.shape[0]} rows are too few for {self.n_components} components.")
        if self.knn not in ("exact", "nndescent"):
            raise ConfigError(f"UMAPEncoder: knn must be 'exact' or 'nndescent', got {self.knn!r}.")
        if self.n_epochs is not None and not (
            isinstance(self.n_epochs, (int, np.integer)) and not isinstance(self.n_epochs, bool) and self.n_epochs >= 1
        ):
            raise ConfigError(f"UMAPEncoder: n_epochs must be a positive integer or None, got {self.n_epochs!r}.")
        import umap  # slow to import (numba): only when used

        from musicbench.plugins.encoders import numba_cache, umap_distances, umap_neighbors

        numba_cache.enable()  # compiled once per machine, not once per process

        seed = (
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            if self.random_state is not None
            else None
        )
        n_neighbors = min(self.n_neighbors, audio.shape[0] - 1)
        exact = self.knn == "exact" and umap_neighbors.applies(audio.shape[0], self.metric)
        model = umap.UMAP(
            n_components=self.n_components,
            n_neighbors=n_neighbors,
            min_dist=self.min_dist,
            metric=self.metric,
            n_epochs=None if self.n_epochs is None else int(self.n_epochs),
            random_state=seed,
            precomputed_knn=umap_neighbors.exact_neighbors(audio, n_neighbors) if exact else (None, None, None),
        )
        # numba_pairwise: the same matrix, without a Python call per pair. umap-learn warns
        # that precomputed neighbours leave no index for transform: ExactIndex is that index.
        with umap_distances.numba_pairwise(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="precomputed_knn", category=UserWarning)
            self.umap_ = model.fit(audio)
        if exact:
            self.umap_._knn_search_index = umap_neighbors.ExactIndex(audio)
        self.fitted_on_ = (dataset.fingerprint, tuple(dataset.track_ids.tolist()))
        self.n_features_in_ = int(audio.shape[1])
        return self

    def transform(self, dataset: Dataset) -> np.ndarray:
        audio = self._check_input(dataset, fitting=False)
        if (dataset.fingerprint, tuple(dataset.track_ids.tolist())) == self.fitted_on_:
            return np.asarray(self.umap_.embedding_, dtype=np.float32).copy()
        from musicbench.plugins.encoders import umap_distances

        with umap_distances.numba_pairwise():  # new tracks' distances to the fitted ones, in one loop
            return np.asarray(self.umap_.transform(audio), dtype=np.float32)
