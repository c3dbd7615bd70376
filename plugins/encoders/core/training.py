"""The one training loop of every neural encoder, and their one set of training defaults.

A module trained here only needs ``loss(batch, generator) -> scalar tensor``, where
``batch`` is a tuple of tensors (one per input array, rows aligned). The loop holds
out a validation split, stops early when the validation loss stops improving,
restores the best weights, and shows a rich progress bar only on a terminal. A
module may also have ``start_epoch(epoch) -> bool`` (a KL warm-up): it is called
before each epoch and answers whether its objective is still changing; while it is,
those epochs neither count towards early stopping nor compete for the kept weights,
since their losses measure a different objective. It may have ``end_epoch()``, called
after each epoch's batches and before its validation loss (VaDE's closed-form M-step
of its mixture prior), and ``parameter_groups(learning_rate)``, Adam's parameter
groups (a module that trains some parameters at their own rate); without it every
parameter that requires a gradient trains at ``learning_rate``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

import torch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from torch import nn

from musicbench.errors import ConfigError

MIN_IMPROVEMENT = 1e-4
"""Relative decrease of the validation loss that counts as an improvement."""
EVAL_BATCH = 8192


STEPS = 2000
"""About how many optimiser steps an encoder whose ``epochs`` is ``None`` trains for:
what 20 epochs give TidyTuesday's 28,356 tracks (about 100 batches an epoch), where
the first schedule was tuned (:func:`default_epochs`)."""
MIN_EPOCHS, MAX_EPOCHS = 20, 200
"""The fewest and most epochs ``epochs=None`` gives (28,000 tracks or more, as the first
schedule's 20; a table of a few hundred rows)."""


@dataclass(frozen=True)
class TrainingDefaults:
    """The training parameters every torch encoder shares, with their default values.

    Each encoder's ``__init__`` takes its defaults from one of the instances below
    (scikit-learn needs the parameters spelled out in each signature; the values live
    here once). Adam with early stopping on a 10% validation split. ``epochs=None``
    counts optimiser steps instead of passes (:func:`default_epochs`).
    """

    epochs: int | None = None
    batch_size: int = 256
    learning_rate: float = 3e-3
    validation_fraction: float = 0.1
    patience: int | None = 10


TRAINING = TrainingDefaults()
"""``autoencoder``, ``vae``, ``beta-vae``, ``n2d``'s autoencoder and the pretraining of
``vade`` and ``idec``: about 2,000 steps (:data:`STEPS`), patience 10 (VaDE and IDEC
keep their own patience), chosen on the development split (synthetic, GTZAN,
TidyTuesday; ``tests/speed/tune_defaults.py --candidates epochs20,steps``,
``tests/speed/tune_n2d.py`` and ``tests/speed/own_clusters.py --set
pretrain_epochs=None``). The first schedule, 20 epochs with patience 3 (commit
147d554, tuned on TidyTuesday), gave GTZAN's 1,000 tracks 80 steps in all."""

# The deliberate differences, each with its reason; nothing else differs.
LONG_TRAINING = replace(TRAINING, epochs=30, patience=5)
"""``multimodal-vae`` (all of it) and ``vade`` (its patience; its clustering stage runs
``vade.CLUSTERING_EPOCHS`` epochs, chosen on the development split): more patience,
and for the multimodal VAE more epochs, because their objectives have more terms that
settle at different speeds (the multimodal VAE has one likelihood per modality and
hides experts under modality dropout), so their validation loss is noisier. Set with
the multimodal defaults of commit 1d1fad3 (chosen on TidyTuesday and synthetic). The
step schedule of :data:`TRAINING` did not carry over: on the development split it
moved the multimodal VAE's KMeans NMI by +0.020 (synthetic) and -0.017 (TidyTuesday,
5,000 tracks) for 3.7 times the fit time."""
IDEC_TRAINING = replace(TRAINING, patience=3, learning_rate=1e-3)
"""``idec``: Adam at 1e-3, the rate of Guo et al. (2017) for both stages; the
clustering stage moves the cluster centres with the same optimiser. Its pretraining
is the step schedule (``pretrain_epochs=None``) with the first schedule's patience 3,
with which it was measured; the clustering stage runs ``idec.CLUSTERING_EPOCHS``."""


class LossModule(Protocol):
    def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> torch.Tensor: ...


@dataclass(frozen=True)
class TrainingConfig:
    """How to train: the encoder's training parameters, checked once.

    ``epochs=None`` is about :data:`STEPS` optimiser steps on whatever rows the loop
    gets (:meth:`epochs_for`).
    """

    epochs: int | None
    batch_size: int
    learning_rate: float
    validation_fraction: float = 0.1
    patience: int | None = 5
    owner: str = "encoder"

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs is None or (isinstance(self.epochs, int) and self.epochs >= 0),
            "batch_size": isinstance(self.batch_size, int) and self.batch_size >= 1,
            "learning_rate": isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0,
            "validation_fraction": 0.0 <= float(self.validation_fraction) < 1.0,
            "patience": self.patience is None or (isinstance(self.patience, int) and self.patience >= 1),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ConfigError(
                f"{self.owner}: invalid training parameter(s) {values}. Expected epochs None or >= 0, "
                "batch_size >= 1, learning_rate > 0, 0 <= validation_fraction < 1 and "
                "patience None or >= 1."
            )

    def epochs_for(self, n_rows: int) -> int:
        """The epochs on ``n_rows`` rows: ``epochs``, or :func:`default_epochs` when it is ``None``."""
        if self.epochs is None:
            return default_epochs(n_rows, self.batch_size, self.validation_fraction)
        return self.epochs


@dataclass
class History:
    """Per-epoch mean losses, and the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run with ``torch.set_num_threads(n_threads)``, restoring the previous count."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def validation_rows(n: int, fraction: float) -> int:
    """How many of ``n`` rows the loop holds out to monitor the loss."""
    return int(round(n * float(fraction))) if n >= 20 else 0  # too few rows to spare any


def epochs_for_steps(n: int, batch_size: int, validation_fraction: float, steps: int, low: int, high: int) -> int:
    """The epochs that give about ``steps`` optimiser steps on ``n`` rows, from ``low`` to ``high``.

    An epoch is one pass over the training rows, so a fixed count of epochs gives a
    1,000-row table a twentieth of the steps of a 20,000-row one.
    """
    n_train = max(1, int(n) - validation_rows(int(n), validation_fraction))
    steps_per_epoch = -(-n_train // max(int(batch_size), 1))
    return int(min(high, max(low, -(-int(steps) // steps_per_epoch))))


def default_epochs(n: int, batch_size: int, validation_fraction: float) -> int:
    """The epochs of ``epochs=None`` on ``n`` rows: about :data:`STEPS` optimiser steps,
    from :data:`MIN_EPOCHS` to :data:`MAX_EPOCHS`."""
    return epochs_for_steps(n, batch_size, validation_fraction, STEPS, MIN_EPOCHS, MAX_EPOCHS)


def _split(n: int, fraction: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    n_val = validation_rows(n, fraction)
    return order[n_val:], order[:n_val]


@torch.no_grad()
def _mean_loss(
    module: nn.Module, tensors: Sequence[torch.Tensor], rows: torch.Tensor, generator: torch.Generator
) -> float:
    total = 0.0
    for start in range(0, len(rows), EVAL_BATCH):
        index = rows[start : start + EVAL_BATCH]
        total += float(module.loss(tuple(t[index] for t in tensors), generator)) * len(index)
    return total / max(len(rows), 1)


def rate_groups(module: nn.Module, own: Sequence[nn.Parameter], rate: float | None) -> list[dict]:
    """Adam's parameter groups for a module training ``own`` at a rate of their own.

    ``own`` (those that require a gradient) at ``rate``, every other trainable
    parameter at the optimiser's rate; one group when ``rate`` is ``None``. What
    a module's ``parameter_groups`` returns (VaDE's mixture, IDEC's centres).
    """
    own = [p for p in own if p.requires_grad]
    rest = [p for p in module.parameters() if p.requires_grad and all(p is not q for q in own)]
    if rate is None or not own:
        return [{"params": rest + own}]
    return [{"params": rest}, {"params": own, "lr": float(rate)}]


def check_rate(owner: str, name: str, rate: object) -> None:
    """Refuse a learning rate that is neither ``None`` nor a positive number (a :class:`ConfigError`)."""
    if rate is not None and not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0):
        raise ConfigError(f"{owner}: {name} must be None or a positive number, got {rate!r}.")


def train(
    module: nn.Module,
    tensors: Sequence[torch.Tensor],
    config: TrainingConfig,
    generator: torch.Generator,
    description: str = "training",
) -> History:
    """Train ``module`` in place with Adam on ``tensors`` (row-aligned inputs).

    Every random draw (split, shuffles, the module's own sampling) comes from
    ``generator``, so equal generators give bit-identical weights on CPU.
    """
    history = History()
    n = int(tensors[0].shape[0])
    epochs = config.epochs_for(n)
    train_rows, val_rows = _split(n, config.validation_fraction, generator)
    groups = getattr(module, "parameter_groups", None)
    parameters = (
        groups(config.learning_rate) if groups is not None else [p for p in module.parameters() if p.requires_grad]
    )
    optimizer = torch.optim.Adam(parameters, lr=config.learning_rate)
    best = math.inf
    best_state = copy.deepcopy(module.state_dict())
    waited = 0
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task(description, total=epochs, status="")
        for epoch in range(epochs):
            start_epoch = getattr(module, "start_epoch", None)
            annealing = bool(start_epoch(epoch)) if start_epoch is not None else False
            module.train()
            order = train_rows[torch.randperm(len(train_rows), generator=generator)]
            total = 0.0
            for start in range(0, len(order), config.batch_size):
                index = order[start : start + config.batch_size]
                loss = module.loss(tuple(t[index] for t in tensors), generator)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(index)
            end_epoch = getattr(module, "end_epoch", None)
            if end_epoch is not None:
                end_epoch()
            history.train_loss.append(total / max(len(order), 1))
            module.eval()
            monitored = _mean_loss(module, tensors, val_rows, generator) if len(val_rows) else history.train_loss[-1]
            history.validation_loss.append(monitored)
            progress.update(task, advance=1, status=f"val loss {monitored:.4f}")
            if not math.isfinite(monitored):
                break  # diverged: keep the best finite weights
            if annealing:  # a different objective: the first full-objective epoch starts afresh
                best, waited, history.best_epoch = math.inf, 0, epoch
                best_state = copy.deepcopy(module.state_dict())
                continue
            if not math.isfinite(best) or monitored < best - MIN_IMPROVEMENT * abs(best):
                best, waited, history.best_epoch = monitored, 0, epoch
                best_state = copy.deepcopy(module.state_dict())
            else:
                waited += 1
                if config.patience is not None and waited >= config.patience:
                    history.stopped_early = True
                    break
    module.load_state_dict(best_state)
    module.eval()
    return history
