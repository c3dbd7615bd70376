"""Small stand-in plugins for the runner's tests and benchmark (built-ins disabled).

They follow the contracts exactly as the built-ins do, so the runner is exercised
only through the registry: an encoder (PCA), a torch autoencoder with real work, an
encoder that needs lyrics, an encoder that clusters itself, a clusterer and metrics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state

from musicbench import MetricUndefined, hookimpl


class PcaLite(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, n_components: int = 4, random_state: Any = None) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, dataset: Any) -> PcaLite:
        self.pca_ = PCA(n_components=self.n_components, random_state=self.random_state).fit(dataset.audio)
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return self.pca_.transform(dataset.audio).astype(np.float32)


class TorchAE(BaseEstimator):
    """A one-hidden-layer autoencoder: real CPU work for timing the runner."""

    required_modalities = ("audio",)

    def __init__(self, latent_dim: int = 4, epochs: int = 30, random_state: Any = None) -> None:
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, dataset: Any) -> TorchAE:
        import torch

        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        gen = torch.Generator().manual_seed(seed)
        X = torch.from_numpy(dataset.audio)
        d = X.shape[1]
        self.enc_ = torch.nn.Sequential(torch.nn.Linear(d, 64), torch.nn.ReLU(), torch.nn.Linear(64, self.latent_dim))
        dec = torch.nn.Sequential(torch.nn.Linear(self.latent_dim, 64), torch.nn.ReLU(), torch.nn.Linear(64, d))
        for p in [*self.enc_.parameters(), *dec.parameters()]:
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
        opt = torch.optim.Adam([*self.enc_.parameters(), *dec.parameters()], lr=1e-2)
        for _ in range(self.epochs):
            for idx in torch.randperm(X.shape[0], generator=gen).split(128):
                opt.zero_grad()
                loss = ((dec(self.enc_(X[idx])) - X[idx]) ** 2).mean()
                loss.backward()
                opt.step()
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.enc_(torch.from_numpy(dataset.audio)).numpy().astype(np.float32)


class LyricsLength(PcaLite):
    """Needs lyrics: skipped on a dataset without them."""

    required_modalities = ("audio", "lyrics")


class MixtureEmbed(PcaLite):
    """An encoder that also clusters (``predict``), like VaDE."""

    def __init__(self, n_components: int = 4, n_clusters: int = 2, random_state: Any = None) -> None:
        super().__init__(n_components=n_components, random_state=random_state)
        self.n_clusters = n_clusters

    def fit(self, dataset: Any) -> MixtureEmbed:
        super().fit(dataset)
        self.gmm_ = GaussianMixture(self.n_clusters, random_state=self.random_state).fit(self.transform(dataset))
        return self

    def predict(self, dataset: Any) -> np.ndarray:
        return self.gmm_.predict(self.transform(dataset))


class SplitAtMedian:
    """Two clusters either side of the first feature's median, chosen in fit."""

    def __init__(self, n_clusters: int = 2) -> None:
        self.n_clusters = n_clusters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"n_clusters": self.n_clusters}

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        self.fitted_params_ = {"threshold": float(np.median(X[:, 0]))}
        return (X[:, 0] > self.fitted_params_["threshold"]).astype(np.int64)


def nmi(truth: np.ndarray, pred: np.ndarray) -> float:
    keep = truth != ""
    return float(normalized_mutual_info_score(truth[keep], pred[keep]))


def silhouette(X: np.ndarray, pred: np.ndarray) -> float:
    if len(set(pred.tolist())) < 2:
        raise MetricUndefined("fewer than two clusters")
    return float(silhouette_score(X, pred))


def n_clusters(pred: np.ndarray) -> float:
    return float(len(set(pred.tolist()) - {-1}))


@hookimpl
def register_encoders(register: Any) -> None:
    register("pca-lite", PcaLite)
    register("torch-ae", TorchAE)
    register("lyrics-pca", LyricsLength)
    register("mixture-embed", MixtureEmbed, clusters=True)


@hookimpl
def register_clusterers(register: Any) -> None:
    register("kmeans-lite", KMeans, defaults={"n_init": 2})
    register("split-median", SplitAtMedian)


@hookimpl
def register_metrics(register: Any) -> None:
    register("nmi", nmi, scope="external", higher_is_better=True)
    register("silhouette", silhouette, scope="internal", higher_is_better=True)
    register("n_clusters", n_clusters, scope="partition", higher_is_better=None)
