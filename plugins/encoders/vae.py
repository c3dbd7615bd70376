"""The MLP autoencoder and the Gaussian VAE (``autoencoder``, ``vae``, ``beta-vae``).

``beta-vae`` is not a class: it is the ``vae`` entry registered with ``beta=4``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from musicbench.plugins.encoders.core.blocks import GaussianDecoder, GaussianEncoder, reparameterize
from musicbench.plugins.encoders.core.estimator import NeuralEncoder
from musicbench.plugins.encoders.core.losses import gaussian_kl, gaussian_nll
from musicbench.plugins.encoders.core.training import TRAINING

Batch = tuple[torch.Tensor, ...]


class VAEModule(nn.Module):
    """Encoder, decoder and loss of a (variational) autoencoder on one input array.

    The loss is ``reconstruction + beta * kl`` averaged over rows; subclasses change
    one term by overriding :meth:`posterior`, :meth:`reconstruction` or :meth:`kl`.
    With ``variational=False`` the latent code is the encoder's output itself and
    the loss is the reconstruction alone (a deterministic autoencoder).
    """

    def __init__(
        self,
        n_features: int,
        hidden_sizes: Sequence[int],
        latent_dim: int,
        beta: float = 1.0,
        variational: bool = True,
        learn_scale: bool = False,
        free_bits: float = 0.0,
        kl_warmup: int = 0,
    ) -> None:
        super().__init__()
        self.beta = float(beta)
        self.free_bits = float(free_bits)
        self.kl_warmup = int(kl_warmup)
        self.kl_weight = 1.0
        self.encoder = GaussianEncoder(n_features, hidden_sizes, latent_dim, variational)
        self.decoder = GaussianDecoder(latent_dim, tuple(reversed(hidden_sizes)), n_features, learn_scale)

    def posterior(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.encoder(batch[0])

    def reconstruction(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        mean, log_var = self.decoder(z)
        return gaussian_nll(batch[0], mean, log_var)

    def kl(self, mean: torch.Tensor, log_var: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return gaussian_kl(mean, log_var)

    def loss(self, batch: Batch, generator: torch.Generator) -> torch.Tensor:
        mean, log_var = self.posterior(batch)
        if log_var is None:
            return self.reconstruction(batch, mean).mean()
        z = reparameterize(mean, log_var, generator)
        return self.reconstruction(batch, z).mean() + self.beta * self.kl_weight * self.kl_term(mean, log_var, z)

    def start_epoch(self, epoch: int) -> bool:
        """KL warm-up (Bowman et al. 2016): the KL weight rises linearly from 0 to 1
        over the first ``kl_warmup`` epochs, so the decoder learns to use the code
        before the prior pulls it in. Returns whether the weight is still below 1."""
        self.kl_weight = min(1.0, epoch / self.kl_warmup) if self.kl_warmup > 0 else 1.0
        return self.kl_weight < 1.0

    def kl_term(self, mean: torch.Tensor, log_var: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The batch's mean KL; with ``free_bits`` each latent dimension's mean KL is
        at least ``free_bits`` nats (Kingma et al. 2016), so the loss gains nothing
        by collapsing a dimension below it."""
        if self.free_bits <= 0:
            return self.kl(mean, log_var, z).mean()
        per_dimension = gaussian_kl(mean[..., None], log_var[..., None]).mean(dim=0)
        return torch.clamp(per_dimension, min=self.free_bits).sum()

    def embed(self, batch: Batch) -> torch.Tensor:
        return self.posterior(batch)[0]


class AutoEncoder(NeuralEncoder):
    """A deterministic MLP autoencoder trained on mean squared error.

    Parameters
    ----------
    hidden_sizes : sequence of int
        Encoder layer widths; the decoder mirrors them.
    latent_dim : int
        Embedding size.
    epochs : int or None
        The most passes over the training rows (early stopping may end sooner);
        ``None`` gives about 2,000 optimiser steps, from 20 epochs on 28,000 tracks to
        200 on a few hundred (:func:`~plugins.encoders.core.training.default_epochs`).
    batch_size, learning_rate
        Adam's.
    validation_fraction : float
        Share of rows held out to monitor the loss for early stopping.
    patience : int or None
        Epochs without validation improvement before stopping (``None``: never).
    n_threads : int or None
        ``torch.set_num_threads`` during fit and transform (``None``: leave as is).
    random_state : int, RandomState or None
        Seeds a generator local to ``fit``: equal seeds give bit-identical
        embeddings on CPU.

    Notes
    -----
    The schedule (about 2,000 steps, patience 10) was chosen on the development split
    synthetic + TidyTuesday (5,000-track stratified sample) + GTZAN by
    ``tests/speed/tune_defaults.py --candidates epochs20,steps`` (3 seeds, KMeans NMI):
    20 epochs with patience 3 gave 0.426, 0.103 and 0.314; the steps 0.443, 0.108
    and 0.309 (mean 0.287 against 0.281).
    """

    def __init__(
        self,
        hidden_sizes: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        epochs: int | None = TRAINING.epochs,
        batch_size: int = TRAINING.batch_size,
        learning_rate: float = TRAINING.learning_rate,
        validation_fraction: float = TRAINING.validation_fraction,
        patience: int | None = TRAINING.patience,
        n_threads: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_threads = n_threads
        self.random_state = random_state

    variational = False

    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        return VAEModule(input_dims[0], tuple(self.hidden_sizes), self.latent_dim, variational=False, learn_scale=False)


class VAE(NeuralEncoder):
    """A Gaussian VAE on the audio features; ``transform`` gives the posterior mean.

    Parameters
    ----------
    hidden_sizes : sequence of int
        Encoder layer widths; the decoder mirrors them.
    latent_dim : int
        Embedding size.
    beta : float
        Weight of the KL term (``beta-vae`` is this class with ``beta=4``). The
        reconstruction term is the Gaussian negative log-likelihood, half the summed
        squared error at unit variance, so a script whose loss is ``MSE(sum) +
        beta * KL`` (the seed project's) matches this class at half its ``beta``.
    learn_scale : bool
        Learn the Gaussian likelihood's per-feature variance (otherwise fixed at 1).
    free_bits : float
        Minimum mean KL (nats) per latent dimension in the loss (Kingma et al. 2016):
        0 turns it off. The default prevents posterior collapse; see below.
    kl_warmup : int
        Epochs over which the KL weight rises linearly from 0 to 1 (0: none).
    epochs, batch_size, learning_rate, validation_fraction, patience, n_threads, random_state
        As for :class:`AutoEncoder`.

    Notes
    -----
    Which data chose the defaults: the training schedule is the shared one of
    :data:`~plugins.encoders.core.training.TRAINING`, about 2,000 optimiser steps
    with patience 10, chosen on the development split below by ``tune_defaults.py
    --candidates epochs20,steps``: against 20 epochs with patience 3 the VAE's KMeans
    NMI went from 0.298 to 0.329 on GTZAN, 0.435 to 0.437 on synthetic and 0.108 to
    0.110 on TidyTuesday; ``beta-vae``'s from 0.305 to 0.325, 0.420 to 0.435 and
    0.109 to 0.093 (its mean over the split 0.278 to 0.284), with 8 of 8 units
    active in every case. Collapse
    prevention was chosen on the development split synthetic + TidyTuesday (5,000-row
    stratified sample) + GTZAN, by ``tests/speed/tune_defaults.py --split dev`` (3
    seeds, KMeans NMI against genre): without it the VAE kept 4 of 8 units on
    TidyTuesday (NMI 0.083) and ``beta-vae`` 0 of 8 (0.066); a 10-epoch KL warm-up
    left ``beta-vae`` at 0 of 8 there. Free bits kept 8 of 8 everywhere; its best
    floor on the split's mean NMI was 0.25 nats for the VAE (0.280, was 0.259) and
    1.0 for ``beta-vae`` (0.278, was 0.222), which its registry entry sets (both
    measured on the earlier 20-epoch schedule). Held-out
    figures: issue 20's closing note (``--split held-out``).
    """

    def __init__(
        self,
        hidden_sizes: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        beta: float = 1.0,
        learn_scale: bool = False,
        free_bits: float = 0.25,
        kl_warmup: int = 0,
        epochs: int | None = TRAINING.epochs,
        batch_size: int = TRAINING.batch_size,
        learning_rate: float = TRAINING.learning_rate,
        validation_fraction: float = TRAINING.validation_fraction,
        patience: int | None = TRAINING.patience,
        n_threads: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.latent_dim = latent_dim
        self.beta = beta
        self.learn_scale = learn_scale
        self.free_bits = free_bits
        self.kl_warmup = kl_warmup
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_threads = n_threads
        self.random_state = random_state

    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        return VAEModule(
            input_dims[0],
            tuple(self.hidden_sizes),
            self.latent_dim,
            self.beta,
            learn_scale=self.learn_scale,
            free_bits=self.free_bits,
            kl_warmup=self.kl_warmup,
        )
