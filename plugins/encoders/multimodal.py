"""The multimodal VAE: one model over any set of modalities (audio, text, context).

One Gaussian expert (encoder) per modality, a decoder and Gaussian likelihood per
modality, and a product of experts (Wu & Goodman 2018) that includes the prior
expert N(0, I): the posterior precision is ``1 + sum_m present_m * precision_m``.
A track that lacks a modality (no lyrics) simply has no expert for it, and its
likelihood term is skipped. ``concat`` instead joins the modalities' hidden
features before one Gaussian head (a missing modality enters as zeros).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from musicbench.contracts import AUDIO, TEXT_MODALITIES, Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.blocks import GaussianDecoder, GaussianEncoder, mlp, reparameterize
from musicbench.plugins.encoders.core.losses import gaussian_nll
from musicbench.plugins.encoders.core.training import LONG_TRAINING
from musicbench.plugins.encoders.modalities import Featurizers, check_modalities, resolve
from musicbench.plugins.encoders.text import TEXT
from musicbench.plugins.encoders.vae import VAE, Batch, VAEModule

FUSIONS = ("poe", "concat")


class MultimodalModule(VAEModule):
    """A :class:`VAEModule` over ``(x_1, ..., x_M, presence)`` batches.

    Only network building, the posterior (fusion) and the reconstruction differ;
    the KL and the embedding are the VAE's. ``modality_dropout`` hides each present
    non-audio expert from a training row with that probability (never all of a
    row's experts), so every expert must also explain the track on its own.
    """

    def __init__(
        self,
        input_dims: Sequence[int],
        hidden_sizes: Sequence[int],
        latent_dim: int,
        beta: float,
        learn_scale: bool,
        fusion: str,
        weights: Sequence[float],
        modality_dropout: float = 0.0,
        free_bits: float = 0.0,
        kl_warmup: int = 0,
    ) -> None:
        nn.Module.__init__(self)  # the VAE's single-input encoder and decoder are not wanted
        self.beta = float(beta)
        self.free_bits = float(free_bits)
        self.kl_warmup = int(kl_warmup)
        self.kl_weight = 1.0
        self.fusion = fusion
        self.weights = [float(w) for w in weights]
        self.modality_dropout = float(modality_dropout)
        if fusion == "poe":
            self.experts = nn.ModuleList(GaussianEncoder(n, hidden_sizes, latent_dim) for n in input_dims)
        else:
            self.bodies = nn.ModuleList(mlp([n, *hidden_sizes], final_activation=True) for n in input_dims)
            width = sum(hidden_sizes[-1] if hidden_sizes else n for n in input_dims)
            self.head = GaussianEncoder(width, (), latent_dim)
        self.decoders = nn.ModuleList(
            GaussianDecoder(latent_dim, tuple(reversed(hidden_sizes)), n, learn_scale) for n in input_dims
        )

    def posterior(self, batch: Batch, present: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        *inputs, presence = batch
        present = presence if present is None else present
        if self.fusion == "concat":
            return self.head(
                torch.cat(
                    [
                        body(x) * present[:, m : m + 1]
                        for m, (body, x) in enumerate(zip(self.bodies, inputs, strict=True))
                    ],
                    dim=1,
                )
            )
        # Product of the prior expert N(0, I) and the present experts: precisions add.
        # The prior's unit precision bounds the posterior variance by one, so no
        # expert can win the product by shrinking its precision towards zero.
        precision_sum = torch.ones_like(inputs[0][:, :1])
        weighted_mean = 0.0
        for m, (expert, x) in enumerate(zip(self.experts, inputs, strict=True)):
            mean, log_var = expert(x)
            precision = torch.exp(-log_var) * present[:, m : m + 1]
            precision_sum = precision_sum + precision
            weighted_mean = weighted_mean + mean * precision
        return weighted_mean / precision_sum, -torch.log(precision_sum)

    def reconstruction(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        *inputs, presence = batch
        total = torch.zeros_like(z[:, 0])
        for m, (decoder, x) in enumerate(zip(self.decoders, inputs, strict=True)):
            mean, log_var = decoder(z)
            total = total + self.weights[m] * gaussian_nll(x, mean, log_var) * presence[:, m]
        return total

    def loss(self, batch: Batch, generator: torch.Generator) -> torch.Tensor:
        present = batch[-1]
        if self.training and self.modality_dropout > 0 and present.shape[1] > 1:
            keep = (torch.rand(present.shape, generator=generator) >= self.modality_dropout).float()
            keep[:, 0] = 1.0  # the first modality (audio) always stays, so no row loses every expert
            present = present * keep
        mean, log_var = self.posterior(batch, present)
        z = reparameterize(mean, log_var, generator)
        return self.reconstruction(batch, z).mean() + self.beta * self.kl_weight * self.kl_term(mean, log_var, z)


class MultimodalVAE(VAE):
    """A VAE over several modalities: ``audio``, ``text``/``lyrics``/``title``, ``context``.

    Why fusion used to lose text. On the synthetic data the lyrics alone give KMeans
    NMI 0.80 (the ``text`` encoder) but the audio+lyrics VAE gave 0.60. Measured
    causes, in order of effect: (1) the text block was the SVD *whitened* to unit
    variance per component, so the ~25 of 32 components that are noise weighed as
    much as the few topic components, and with 8 latent dimensions the decoder spent
    the code on them; (2) the product of experts had no prior expert, so the expert
    with the largest precision took the posterior, and the 10-feature audio
    expert, whose input is never empty, won it. Fixes: text enters as latent semantic
    analysis (unit-length rows, one global gain, spectrum kept), and the product
    includes the prior expert. The figures are in the closing note of issue 13 and
    ``tests/speed/encoder_quality.py`` measures them.

    Parameters
    ----------
    modalities : sequence of str, or str
        A list, or names joined by ``+`` (``"audio+context"``): any of ``audio``, ``text`` (lyrics where the dataset has them, else titles),
        ``lyrics``, ``title`` (at most one text) and ``context`` (the dataset's
        metadata). ``["audio", "text"]`` by default.
    fusion : {"poe", "concat"}
        Product of experts (a missing modality is skipped) or concatenation.
    text_dim : int
        SVD components kept from the TF-IDF matrix.
    text_max_features : int
        Vocabulary size cap of the TF-IDF.
    text_weight : float or None
        Weight of the text likelihood; ``None``: 1.0 for lyrics, 0.2 for titles
        (2 to 5 words, a weak signal that otherwise drowns the audio).
    modality_dropout : float
        Probability of hiding each non-audio expert from a training row.
    hidden_sizes, latent_dim, beta, learn_scale, free_bits, kl_warmup, epochs, batch_size,
    learning_rate, validation_fraction, patience, n_threads, random_state
        As for :class:`~plugins.encoders.vae.VAE`.

    Attributes
    ----------
    modalities_ : list of str
        The dataset modalities used, in order (``text`` resolved to ``lyrics`` or ``title``).
    """

    def __init__(
        self,
        modalities: Sequence[str] = (AUDIO, TEXT),
        fusion: str = "poe",
        text_dim: int = 32,
        text_max_features: int = 20_000,
        text_weight: float | None = None,
        modality_dropout: float = 0.0,
        hidden_sizes: Sequence[int] = (64, 32),
        latent_dim: int = 8,
        beta: float = 0.1,
        learn_scale: bool = False,
        free_bits: float = 0.0,
        kl_warmup: int = 0,
        epochs: int | None = LONG_TRAINING.epochs,
        batch_size: int = LONG_TRAINING.batch_size,
        learning_rate: float = LONG_TRAINING.learning_rate,
        validation_fraction: float = LONG_TRAINING.validation_fraction,
        patience: int | None = LONG_TRAINING.patience,
        n_threads: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.modalities = modalities
        self.fusion = fusion
        self.text_dim = text_dim
        self.text_max_features = text_max_features
        self.text_weight = text_weight
        self.modality_dropout = modality_dropout
        super().__init__(
            hidden_sizes=hidden_sizes,
            latent_dim=latent_dim,
            beta=beta,
            learn_scale=learn_scale,
            free_bits=free_bits,
            kl_warmup=kl_warmup,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            validation_fraction=validation_fraction,
            patience=patience,
            n_threads=n_threads,
            random_state=random_state,
        )

    # What the default modalities need; missing_modalities answers for the parameters.
    required_modalities = (AUDIO, " or ".join(TEXT_MODALITIES))

    def missing_modalities(self, dataset: Dataset) -> tuple[str, ...]:
        requested = getattr(self, "modalities_", None) or check_modalities(self.modalities, type(self).__name__)
        return tuple(resolve(requested, dataset)[1])

    def fit(self, dataset: Dataset) -> MultimodalVAE:
        if self.fusion not in FUSIONS:
            raise ConfigError(f"MultimodalVAE: fusion must be one of {FUSIONS}, got {self.fusion!r}.")
        if not 0.0 <= float(self.modality_dropout) < 1.0:
            raise ConfigError(f"MultimodalVAE: modality_dropout must be in [0, 1), got {self.modality_dropout!r}.")
        check_modalities(self.modalities, type(self).__name__)
        for attribute in ("modalities_", "featurizers_"):  # refitting starts afresh
            self.__dict__.pop(attribute, None)
        return super().fit(dataset)

    def _inputs(
        self, dataset: Dataset, audio: np.ndarray, fitting: bool, rng: np.random.RandomState | None
    ) -> list[np.ndarray]:
        if fitting:
            self.modalities_ = resolve(check_modalities(self.modalities, type(self).__name__), dataset)[0]
            seed = int(check_random_state(rng).randint(np.iinfo(np.int32).max))
            self.featurizers_ = Featurizers.fit(
                self.modalities_, dataset, self.text_dim, self.text_max_features, seed, type(self).__name__
            )
        return self.featurizers_.arrays(dataset, audio)

    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        weights = [self._weight(m) for m in self.modalities_]
        return MultimodalModule(
            input_dims[:-1],
            tuple(self.hidden_sizes),
            self.latent_dim,
            self.beta,
            self.learn_scale,
            self.fusion,
            weights,
            self.modality_dropout,
            self.free_bits,
            self.kl_warmup,
        )

    def _weight(self, modality: str) -> float:
        if modality in ("lyrics", "title"):
            if self.text_weight is not None:
                return float(self.text_weight)
            return 0.2 if modality == "title" else 1.0
        return 1.0

    def _extra_state(self) -> dict[str, Any]:
        state = {
            m: {
                k: (torch.from_numpy(np.atleast_1d(v)) if isinstance(v, (np.ndarray, np.floating)) else v)
                for k, v in s.items()
            }
            for m, s in self.featurizers_.state.items()
        }
        return {"modalities": list(self.modalities_), "featurizers": state}

    def _restore_extra_state(self, state: dict[str, Any]) -> None:
        self.modalities_ = list(state["modalities"])
        restored = {
            m: {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in s.items()}
            for m, s in state["featurizers"].items()
        }
        for s in restored.values():
            if "gain" in s:
                s["gain"] = np.float32(s["gain"][0])
        self.featurizers_ = Featurizers(self.modalities_, restored)
