"""IDEC: Improved Deep Embedded Clustering (Guo et al. 2017), encoder and clusterer in one.

Training follows the paper: pretrain the autoencoder on reconstruction, put KMeans
centres on the pretrained codes, then minimise ``reconstruction + gamma * KL(P || Q)``
where ``Q`` is the Student-t soft assignment of each code to each centre and ``P``
the sharpened target ``q^2 / f`` (renormalised), recomputed from the whole dataset
every ``update_interval`` epochs. Keeping the reconstruction term is what separates
IDEC from DEC: it preserves the local structure the clustering loss would distort.
Its own clusters are ``argmax_j q_ij``: ``labels_`` and :meth:`IDEC.predict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits
from torch import nn

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.estimator import NeuralEncoder
from musicbench.plugins.encoders.core.training import IDEC_TRAINING, History, check_rate, rate_groups, train
from musicbench.plugins.encoders.vae import Batch, VAEModule

CLUSTERING_EPOCHS = 10
"""Upper bound on the clustering stage's epochs (``tol`` may stop it sooner); chosen
on the development split with ``gamma`` (see the class docstring)."""


def student_t_assignment(z: torch.Tensor, centres: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """DEC's soft assignment ``q_ij`` of rows of ``z`` to ``centres``, shape (n, K)."""
    distance = ((z[:, None, :] - centres[None]) ** 2).sum(dim=-1)
    q = (1.0 + distance / alpha) ** (-(alpha + 1.0) / 2.0)
    return q / q.sum(dim=1, keepdim=True)


def target_distribution(q: torch.Tensor) -> torch.Tensor:
    """DEC's target ``p_ij = (q_ij^2 / f_j) / sum_j'(...)`` with cluster frequencies ``f_j``."""
    weight = q**2 / q.sum(dim=0, keepdim=True)
    return weight / weight.sum(dim=1, keepdim=True)


class IDECModule(VAEModule):
    """A deterministic autoencoder with cluster centres; batches are ``(x, p)``."""

    def __init__(
        self,
        n_features: int,
        hidden_sizes: Sequence[int],
        latent_dim: int,
        n_clusters: int,
        gamma: float,
        centre_learning_rate: float | None = None,
    ) -> None:
        super().__init__(n_features, hidden_sizes, latent_dim, variational=False, learn_scale=False)
        self.centres = nn.Parameter(torch.zeros(n_clusters, latent_dim))
        self.gamma = float(gamma)
        self.centre_learning_rate = centre_learning_rate
        self.pretraining = False

    def parameter_groups(self, learning_rate: float) -> list[dict]:
        """Adam's groups: the centres at ``centre_learning_rate`` (if set), the rest at ``learning_rate``."""
        return rate_groups(self, (self.centres,), self.centre_learning_rate)

    def loss(self, batch: Batch, generator: torch.Generator) -> torch.Tensor:
        z = self.posterior(batch)[0]
        reconstruction = self.reconstruction(batch, z).mean()
        if self.pretraining:
            return reconstruction
        q = student_t_assignment(z, self.centres)
        p = batch[1]
        clustering = (p * (torch.log(p.clamp_min(1e-10)) - torch.log(q.clamp_min(1e-10)))).sum(dim=1).mean()
        return reconstruction + self.gamma * clustering

    def assign(self, batch: Batch) -> torch.Tensor:
        return student_t_assignment(self.embed(batch), self.centres)


class IDEC(NeuralEncoder):
    """Improved Deep Embedded Clustering: an autoencoder trained to cluster its own codes.

    ``transform`` returns the autoencoder's code; the model's own clusters are
    ``labels_`` (training rows) and ``predict(dataset)`` (run as ``(own)``).

    Parameters
    ----------
    n_clusters : int or None
        Number of clusters K; ``None`` uses the number of classes of the dataset's
        primary label (the number of genres), as VaDE does.
    gamma : float
        Weight of the clustering loss (0.1 in the paper; see Notes for 1.0).
    pretrain_epochs : int or None
        Autoencoder epochs before the centres are placed by KMeans (``None``: about
        2,000 optimiser steps, :func:`~plugins.encoders.core.training.default_epochs`).
    update_interval : int
        Epochs between recomputations of the target distribution ``P``.
    tol : float
        Stop when fewer than this share of tracks change cluster between updates
        (0.001 in the paper).
    epochs : int
        Most epochs of the clustering stage (``CLUSTERING_EPOCHS``), which runs until
        ``tol`` or ``epochs``.
    centre_learning_rate : float or None
        Adam's rate for the cluster centres in the clustering stage (``None``: the
        network's ``learning_rate``); off by default, see Notes.
    hidden_sizes, latent_dim, batch_size, learning_rate, validation_fraction,
    patience, n_threads, random_state
        As for :class:`~plugins.encoders.vae.AutoEncoder`; ``validation_fraction`` and
        ``patience`` apply to the pretraining only.

    Attributes
    ----------
    n_clusters_ : int
        The K used.
    labels_ : ndarray of shape (n_tracks,)
        The model's cluster of each training track.

    Notes
    -----
    ``gamma`` and ``epochs`` were chosen on the development split (synthetic,
    TidyTuesday, GTZAN; 3 seeds) by ``tests/speed/own_clusters.py``, for the issue-20
    target: own clusters within 0.01 NMI of KMeans on the same codes. With the
    paper's gamma = 0.1 and 20 clustering epochs the own clusters trailed KMeans by
    0.015 on GTZAN: the centres drift away from where KMeans would put them as the
    stage runs on. Fewer epochs narrowed the gap (5 or 10: within 0.01 on the real
    development sets); gamma = 1.0 with 10 epochs kept every development gap at or
    below 0.006 (plausibly it needs the larger weight because our reconstruction term
    is a Gaussian likelihood summed over all features, not the paper's mean error). On
    TidyTuesday's full table (28,356 rows; that search used a 5,000-row sample) these
    defaults still meet the target (0.086 own against 0.085 KMeans). A separate, larger
    rate for the centres (``centre_learning_rate`` 0.01, 0.03) closed the remaining gaps
    on synthetic and GTZAN but lowered KMeans on the codes of TidyTuesday and GTZAN
    (0.085 to 0.079, 0.318 to 0.313 at 0.03), so it stays off. The pretraining's
    about 2,000 optimiser steps (``pretrain_epochs=None``, the autoencoder's schedule;
    it was 20 epochs) were chosen the same way (``--set pretrain_epochs=None``,
    5,000-row TidyTuesday sample): own NMI 0.419 to 0.438 on synthetic, 0.097 to
    0.104 on TidyTuesday and 0.311 to 0.309 on GTZAN, within 0.008 of KMeans on each
    (it was 0.005, 0.001 and 0.006 below). The held-out datasets are only reported,
    in that script's docstring.
    """

    variational = False
    epochs: int  # the clustering stage's, never None: the pretraining has its own

    def __init__(
        self,
        n_clusters: int | None = None,
        gamma: float = 1.0,
        pretrain_epochs: int | None = None,
        update_interval: int = 1,
        tol: float = 0.001,
        centre_learning_rate: float | None = None,
        hidden_sizes: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        epochs: int = CLUSTERING_EPOCHS,
        batch_size: int = IDEC_TRAINING.batch_size,
        learning_rate: float = IDEC_TRAINING.learning_rate,
        validation_fraction: float = IDEC_TRAINING.validation_fraction,
        patience: int | None = IDEC_TRAINING.patience,
        n_threads: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.gamma = gamma
        self.pretrain_epochs = pretrain_epochs
        self.update_interval = update_interval
        self.tol = tol
        self.centre_learning_rate = centre_learning_rate
        self.hidden_sizes = hidden_sizes
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_threads = n_threads
        self.random_state = random_state

    def fit(self, dataset: Dataset) -> IDEC:
        k = self.n_clusters if self.n_clusters is not None else dataset.n_classes()
        if not (isinstance(k, (int, np.integer)) and 1 <= k <= max(dataset.n_tracks, 1)):
            raise ConfigError(
                f"IDEC: n_clusters must be an integer from 1 to the number of tracks ({dataset.n_tracks}), got {k!r}."
            )
        if not (isinstance(self.update_interval, int) and self.update_interval >= 1):
            raise ConfigError(f"IDEC: update_interval must be a positive integer, got {self.update_interval!r}.")
        # The shared loop reads epochs=None as a step schedule; IDEC's epochs bound its
        # clustering stage, which has no such schedule.
        if not (isinstance(self.epochs, int) and not isinstance(self.epochs, bool) and self.epochs >= 0):
            raise ConfigError(f"IDEC: epochs (of the clustering stage) must be an integer >= 0, got {self.epochs!r}.")
        check_rate("IDEC", "centre_learning_rate", self.centre_learning_rate)
        self.n_clusters_ = int(k)
        super().fit(dataset)
        self.labels_ = self.predict(dataset)
        return self

    def _inputs(
        self, dataset: Dataset, audio: np.ndarray, fitting: bool, rng: np.random.RandomState | None
    ) -> list[np.ndarray]:
        return [audio]

    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        return IDECModule(
            input_dims[0],
            tuple(self.hidden_sizes),
            self.latent_dim,
            self.n_clusters_,
            self.gamma,
            self.centre_learning_rate,
        )

    def _train(
        self, module: nn.Module, tensors: list[torch.Tensor], generator: torch.Generator, rng: np.random.RandomState
    ) -> History:
        module.pretraining = True
        pretraining = replace(self._training_config(), epochs=self.pretrain_epochs)
        history = train(module, tensors, pretraining, generator, description="IDEC pretraining")
        module.pretraining = False
        x = tensors[0]
        with torch.no_grad():
            codes = module.embed((x,)).double().numpy()
        # As many OpenMP threads as torch uses: on a busy machine KMeans' default
        # (every core) spun for 26 s on 2,000 codes where one thread takes 0.1 s.
        with threadpool_limits(self.n_threads or torch.get_num_threads()):
            kmeans = KMeans(self.n_clusters_, n_init=10, random_state=rng.randint(np.iinfo(np.int32).max)).fit(codes)
        with torch.no_grad():
            module.centres.copy_(torch.from_numpy(kmeans.cluster_centers_))
        previous = kmeans.labels_
        # The clustering stage trains on every row: its target P is recomputed from all
        # of them, and the paper stops on assignment changes, not a validation loss.
        stage = replace(self._training_config(), epochs=self.update_interval, validation_fraction=0.0, patience=None)
        for done_epochs in range(0, self.epochs, self.update_interval):
            with torch.no_grad():
                q = module.assign((x,))
            labels = q.argmax(dim=1).numpy()
            if done_epochs > 0 and (labels != previous).mean() < self.tol:
                break
            previous = labels
            done = train(module, [x, target_distribution(q)], stage, generator, description="IDEC clustering")
            history.train_loss += done.train_loss
            history.validation_loss += done.validation_loss
        return history

    def _extra_state(self) -> dict[str, int]:
        return {"n_clusters": self.n_clusters_}

    def _restore_extra_state(self, state: dict[str, int]) -> None:
        self.n_clusters_ = int(state["n_clusters"])

    def predict(self, dataset: Dataset) -> np.ndarray:
        """The model's own cluster (0..K-1) of each track of ``dataset``."""
        tensors = self._tensors(dataset)
        with torch.no_grad():
            return self.module_.assign(tuple(tensors)).argmax(dim=1).numpy().astype(np.int64)

    def fit_predict(self, dataset: Dataset) -> np.ndarray:
        return self.fit(dataset).labels_
