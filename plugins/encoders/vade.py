"""VaDE: a VAE with a Gaussian-mixture prior (Jiang et al. 2017), encoder and clusterer in one.

Training follows the paper: pretrain the network as a deterministic autoencoder,
fit a diagonal Gaussian mixture to the pretrained codes to initialise the prior,
then train the full ELBO with the mixture KL. The same training loop runs both
stages. Its own clusters are ``argmax_k p(c=k | z)`` at the posterior mean:
``labels_`` for the training rows, :meth:`VaDE.predict` for any dataset.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits
from torch import nn

from musicbench.contracts import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.losses import mixture_kl, responsibilities
from musicbench.plugins.encoders.core.training import History, train
from musicbench.plugins.encoders.vae import VAE, Batch, VAEModule

LOG_VAR_BAND = 1.0
"""How far (in log-variance) a component may move beyond the GMM's smallest and
largest initial variances: a factor of e either way."""
MIN_WEIGHT_SHARE = 0.2
"""Each mixture weight is at least this share of the uniform weight 1/K, so a
component the GMM nearly emptied can still take tracks."""


class VaDEModule(VAEModule):
    """A :class:`VAEModule` whose KL term is against a learned Gaussian mixture."""

    def __init__(
        self,
        n_features: int,
        hidden_sizes: Sequence[int],
        latent_dim: int,
        n_components: int,
        beta: float = 1.0,
        learn_scale: bool = False,
    ) -> None:
        super().__init__(n_features, hidden_sizes, latent_dim, beta, learn_scale=learn_scale)
        # The mixture weights stay at their (floored) GMM initialisation: learned,
        # they drift to one dominant component. The component variances are learned
        # within LOG_VAR_BAND of the GMM's range (the bounds are set after
        # pretraining): unbounded, the broadest component grew until it covered
        # every track, which is how VaDE's own clusters collapsed to one.
        self.prior_logits = nn.Parameter(torch.zeros(n_components), requires_grad=False)
        self.prior_mean = nn.Parameter(torch.zeros(n_components, latent_dim))
        self.prior_log_var = nn.Parameter(torch.zeros(n_components, latent_dim))
        self.register_buffer("log_var_bounds", torch.tensor([-LOG_VAR_BAND, LOG_VAR_BAND]))
        self.pretraining = False

    def prior(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        low, high = self.log_var_bounds[0], self.log_var_bounds[1]
        return (
            torch.log_softmax(self.prior_logits, dim=0),
            self.prior_mean,
            torch.maximum(torch.minimum(self.prior_log_var, high), low),
        )

    def kl(self, mean: torch.Tensor, log_var: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        gamma = responsibilities(z, *self.prior())
        return mixture_kl(mean, log_var, gamma, *self.prior())

    def loss(self, batch: Batch, generator: torch.Generator) -> torch.Tensor:
        if self.pretraining:  # autoencoder stage: reconstruct from the posterior mean
            return self.reconstruction(batch, self.posterior(batch)[0]).mean()
        return super().loss(batch, generator)

    def assign(self, batch: Batch) -> torch.Tensor:
        """``p(c | z)`` at the posterior mean, shape (n, K)."""
        return responsibilities(self.embed(batch), *self.prior())


class VaDE(VAE):
    """Variational Deep Embedding: a VAE whose prior is a K-component Gaussian mixture.

    ``transform`` returns the posterior mean like every encoder. The model's own
    cluster assignment is ``labels_`` (training rows) and ``predict(dataset)``.

    Parameters
    ----------
    n_components : int or None
        Mixture components K; ``None`` uses the dataset's number of classes of its
        primary label (the number of genres).
    pretrain_epochs : int
        Autoencoder epochs before the mixture prior is initialised.
    hidden_sizes, latent_dim, beta, learn_scale, epochs, batch_size, learning_rate,
    validation_fraction, patience, n_threads, random_state
        As for :class:`~plugins.encoders.vae.VAE`.

    Attributes
    ----------
    n_components_ : int
        The K used.
    labels_ : ndarray of shape (n_tracks,)
        The model's cluster of each training track.
    """

    def __init__(
        self,
        n_components: int | None = None,
        pretrain_epochs: int = 10,
        hidden_sizes: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        beta: float = 0.5,
        learn_scale: bool = False,
        epochs: int = 30,
        batch_size: int = 256,
        learning_rate: float = 3e-3,
        validation_fraction: float = 0.1,
        patience: int | None = 5,
        n_threads: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.pretrain_epochs = pretrain_epochs
        super().__init__(
            hidden_sizes=hidden_sizes,
            latent_dim=latent_dim,
            beta=beta,
            learn_scale=learn_scale,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            validation_fraction=validation_fraction,
            patience=patience,
            n_threads=n_threads,
            random_state=random_state,
        )

    def fit(self, dataset: Dataset) -> VaDE:
        k = self.n_components if self.n_components is not None else dataset.n_classes()
        if not (isinstance(k, (int, np.integer)) and 1 <= k <= max(dataset.n_tracks, 1)):
            raise ConfigError(
                f"VaDE: n_components must be an integer from 1 to the number of tracks ({dataset.n_tracks}), got {k!r}."
            )
        self.n_components_ = int(k)
        super().fit(dataset)
        self.labels_ = self._assign(self._tensors(dataset))
        return self

    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        return VaDEModule(
            input_dims[0], tuple(self.hidden_sizes), self.latent_dim, self.n_components_, self.beta, self.learn_scale
        )

    def _train(
        self, module: nn.Module, tensors: list[torch.Tensor], generator: torch.Generator, rng: np.random.RandomState
    ) -> History:
        module.pretraining = True
        train(module, tensors, self._training_config(self.pretrain_epochs), generator, description="VaDE pretraining")
        module.pretraining = False
        with torch.no_grad():
            codes = module.embed(tuple(tensors)).double().numpy()
        mixture = GaussianMixture(
            self.n_components_, covariance_type="diag", random_state=rng.randint(np.iinfo(np.int32).max), reg_covar=1e-4
        )
        with threadpool_limits(self.n_threads or torch.get_num_threads()):  # see IDEC: busy machines
            mixture.fit(codes)
        weights = np.maximum(mixture.weights_, MIN_WEIGHT_SHARE / self.n_components_)
        log_var = np.log(mixture.covariances_)
        with torch.no_grad():
            module.prior_logits.copy_(torch.from_numpy(np.log(weights / weights.sum())))
            module.prior_mean.copy_(torch.from_numpy(mixture.means_))
            module.prior_log_var.copy_(torch.from_numpy(log_var))
            module.log_var_bounds.copy_(torch.tensor([log_var.min() - LOG_VAR_BAND, log_var.max() + LOG_VAR_BAND]))
            # The posterior's log-variance head was never trained (the autoencoder used
            # the mean only): left at its random start, the posterior noise (variance
            # about 1) swamped the gaps between components of the pretrained codes, and
            # the easiest way to lower the KL was to put every track in one component.
            # Start it at a tenth of the smallest component variance instead.
            module.encoder.log_var.weight.zero_()
            module.encoder.log_var.bias.fill_(float(log_var.min()) - np.log(10.0))
        return super()._train(module, tensors, generator, rng)

    def _extra_state(self) -> dict[str, int]:
        return {"n_components": self.n_components_}

    def _restore_extra_state(self, state: dict[str, int]) -> None:
        self.n_components_ = int(state["n_components"])

    def _assign(self, tensors: list[torch.Tensor]) -> np.ndarray:
        with torch.no_grad():
            return self.module_.assign(tuple(tensors)).argmax(dim=1).numpy().astype(np.int64)

    def predict(self, dataset: Dataset) -> np.ndarray:
        """The model's own cluster (0..K-1) of each track of ``dataset``."""
        return self._assign(self._tensors(dataset))

    def fit_predict(self, dataset: Dataset) -> np.ndarray:
        return self.fit(dataset).labels_
