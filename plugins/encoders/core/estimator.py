"""The base class of every torch encoder: fit, transform, save and load, written once.

A subclass declares its parameters in ``__init__`` (scikit-learn needs an explicit
signature) and implements :meth:`NeuralEncoder._build_module`; it may override
:meth:`NeuralEncoder._inputs` (what the network reads) and
:meth:`NeuralEncoder._train` (extra training stages, as VaDE's pretraining).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from musicbench.contracts import Dataset
from musicbench.errors import DataError
from musicbench.plugins.encoders.base import EncoderBase
from musicbench.plugins.encoders.core.blocks import init_parameters
from musicbench.plugins.encoders.core.training import History, TrainingConfig, torch_threads, train

SAVE_FORMAT = 1
TRANSFORM_BATCH = 8192
ACTIVE_UNIT_VARIANCE = 0.01
"""Burda et al. (2016): a latent unit is active when the variance of its posterior
mean across the data exceeds 0.01; a collapsed unit carries no information."""


class PosteriorCollapseWarning(UserWarning):
    """Fewer than half of a VAE's latent units are active after fitting."""


def active_units(means: np.ndarray) -> int:
    """The number of columns of posterior means whose variance exceeds 0.01."""
    return int((np.var(np.asarray(means, dtype=np.float64), axis=0) > ACTIVE_UNIT_VARIANCE).sum())


class NeuralEncoder(EncoderBase):
    """Shared machinery of the torch encoders.

    Subclasses have at least these parameters: ``epochs``, ``batch_size``,
    ``learning_rate``, ``validation_fraction``, ``patience``, ``n_threads`` and
    ``random_state``.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (best validation epoch), in eval mode.
    history_ : History
        Per-epoch training and validation losses.
    input_dims_ : list of int
        The width of each input array (audio first), to rebuild the network on load.
    n_features_in_ : int
        The number of audio features seen in ``fit``.
    active_units_ : int
        Variational encoders only: latent units whose posterior mean has variance
        above 0.01 over the training tracks (:func:`active_units`). Below half the
        latent size ``fit`` warns (:class:`PosteriorCollapseWarning`).
    """

    variational: bool = True
    """Whether the embedding is a posterior mean (the VAE family): then active units are counted."""

    epochs: int | None
    batch_size: int
    learning_rate: float
    validation_fraction: float
    patience: int | None
    n_threads: int | None
    random_state: Any

    # -- what subclasses provide ------------------------------------------------
    def _build_module(self, input_dims: Sequence[int]) -> nn.Module:
        raise NotImplementedError

    def _inputs(
        self, dataset: Dataset, audio: np.ndarray, fitting: bool, rng: np.random.RandomState | None
    ) -> list[np.ndarray]:
        """The float32 arrays the network reads; ``fitting`` may learn a featurizer."""
        return [audio]

    def _extra_state(self) -> dict[str, Any]:
        """Fitted state beyond the network (tensors, lists, numbers), for :meth:`save`."""
        return {}

    def _restore_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def _train(
        self, module: nn.Module, tensors: list[torch.Tensor], generator: torch.Generator, rng: np.random.RandomState
    ) -> History:
        return train(module, tensors, self._training_config(), generator, description=type(self).__name__)

    # -- the scikit-learn API ---------------------------------------------------
    def _new_module(self) -> nn.Module:
        # Layer constructors draw their default weights from torch's global RNG;
        # forking it leaves the caller's random stream exactly as it was.
        with torch.random.fork_rng(devices=[]):
            return self._build_module(self.input_dims_)

    def _training_config(self) -> TrainingConfig:
        """The encoder's training parameters; a stage of its own (a pretraining) takes
        them with ``dataclasses.replace(config, epochs=...)``, where ``None`` is the
        step schedule (:func:`~plugins.encoders.core.training.default_epochs`)."""
        return TrainingConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            owner=type(self).__name__,
        )

    def fit(self, dataset: Dataset) -> NeuralEncoder:
        """Train the network on ``dataset``; returns ``self``."""
        audio = self._check_input(dataset, fitting=True)
        self._training_config()  # refuse bad training parameters before any work
        rng = check_random_state(self.random_state)
        # One seed drawn from random_state drives a generator local to this fit.
        generator = torch.Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
        with torch_threads(self.n_threads):
            arrays = self._inputs(dataset, audio, fitting=True, rng=rng)
            self.input_dims_ = [int(a.shape[1]) for a in arrays]
            module = self._new_module()
            init_parameters(module, generator)
            tensors = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]
            self.history_ = self._train(module, tensors, generator, rng)
        self.module_ = module
        self.n_features_in_ = int(audio.shape[1])
        if self.variational:
            self._count_active_units(tensors)
        return self

    def _count_active_units(self, tensors: list[torch.Tensor]) -> None:
        means = self._embed(tensors).numpy()
        size = int(means.shape[1])
        self.active_units_ = active_units(means)
        self.fit_diagnostics_ = {
            "active_units": (
                float(self.active_units_),
                f"latent units (of {size}) whose posterior mean varies (variance > 0.01)",
            )
        }
        if self.active_units_ < size / 2:
            warnings.warn(
                f"{type(self).__name__}: only {self.active_units_} of {size} latent units are active "
                "(posterior collapse): the embedding uses few dimensions. Lower beta, or raise "
                "free_bits or kl_warmup.",
                PosteriorCollapseWarning,
                stacklevel=3,
            )

    def _embed(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        """Posterior means of row-aligned input tensors, in batches."""
        chunks = []
        with torch_threads(self.n_threads), torch.no_grad():
            self.module_.eval()
            for start in range(0, int(tensors[0].shape[0]), TRANSFORM_BATCH):
                batch = tuple(t[start : start + TRANSFORM_BATCH] for t in tensors)
                chunks.append(self.module_.embed(batch))
        return torch.cat(chunks)

    def _tensors(self, dataset: Dataset) -> list[torch.Tensor]:
        audio = self._check_input(dataset, fitting=False)
        arrays = self._inputs(dataset, audio, fitting=False, rng=None)
        return [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]

    def transform(self, dataset: Dataset) -> np.ndarray:
        """The posterior mean of each track, float32 of shape (n_tracks, latent_dim)."""
        return self._embed(self._tensors(dataset)).numpy().astype(np.float32)

    # -- persistence ------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write parameters and fitted state to ``path`` (a torch file of plain data).

        A ``random_state`` that is not an int is saved as ``None``: only plain data
        goes in, so :meth:`load` can read it with ``weights_only=True``.
        """
        self._check_fitted()
        params = self.get_params()
        if not isinstance(params.get("random_state"), (int, type(None))):
            params["random_state"] = None
        blob = {
            "format": SAVE_FORMAT,
            "class": type(self).__qualname__,
            "params": params,
            "input_dims": list(self.input_dims_),
            "n_features_in": self.n_features_in_,
            "state_dict": self.module_.state_dict(),
            "extra": self._extra_state(),
        }
        torch.save(blob, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NeuralEncoder:
        """Rebuild a fitted encoder written by :meth:`save`, without retraining.

        Called on :class:`NeuralEncoder` itself it returns whichever built-in
        subclass was saved; called on a subclass it refuses any other class.
        """
        try:
            blob = torch.load(path, weights_only=True)
        except FileNotFoundError:
            raise DataError(f"{cls.__name__}.load: no saved encoder at {path}.") from None
        except Exception as exc:  # not a torch file, or not plain data
            raise DataError(f"{cls.__name__}.load: {path} is not a saved musicbench encoder ({exc}).") from None
        if not isinstance(blob, dict) or blob.get("format") != SAVE_FORMAT:
            raise DataError(f"{cls.__name__}.load: {path} is not a saved musicbench encoder (format {SAVE_FORMAT}).")
        target = _subclass(cls, blob["class"])
        if target is None:
            raise DataError(f"{cls.__name__}.load: {path} holds a {blob['class']}, not a {cls.__name__}.")
        encoder = target(**blob["params"])
        encoder.input_dims_ = list(blob["input_dims"])
        encoder.n_features_in_ = int(blob["n_features_in"])
        encoder._restore_extra_state(blob["extra"])
        module = encoder._new_module()
        module.load_state_dict(blob["state_dict"])
        encoder.module_ = module.eval()
        return encoder


def _subclass(cls: type, qualname: str) -> type | None:
    """``cls`` or one of its subclasses named ``qualname`` (never an arbitrary import)."""
    pending = [cls]
    while pending:
        candidate = pending.pop()
        if candidate.__qualname__ == qualname:
            return candidate
        pending.extend(candidate.__subclasses__())
    return None
