"""The training loop: early stopping, restored best weights, parameter checks, threads."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.training import (
    MIN_IMPROVEMENT,
    TRAINING,
    TrainingConfig,
    _split,
    default_epochs,
    epochs_for_steps,
    torch_threads,
    train,
    validation_rows,
)


class Regression(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> torch.Tensor:
        x, y = batch
        return ((self.linear(x) - y) ** 2).mean()


def _data() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 3, generator=g)
    return [x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(500, 1, generator=g)]


def test_training_reduces_the_loss_and_keeps_the_best_epoch() -> None:
    module = Regression()
    config = TrainingConfig(epochs=30, batch_size=50, learning_rate=0.05, patience=None)
    history = train(module, _data(), config, torch.Generator().manual_seed(0))
    assert len(history.train_loss) == 30
    # The kept epoch is the best one that improved by more than MIN_IMPROVEMENT (relative):
    # no epoch before it was lower, and none after it was lower by more than that margin.
    # (Not simply the minimum: on another CPU a later epoch was 1.4e-5 lower, relative.)
    losses, best = history.validation_loss, history.validation_loss[history.best_epoch]
    assert all(best <= loss for loss in losses[: history.best_epoch])
    assert all(loss >= best - MIN_IMPROVEMENT * abs(best) for loss in losses[history.best_epoch + 1 :])
    assert losses[-1] < losses[0] / 10


def test_early_stopping_stops_when_validation_stalls() -> None:
    module = Regression()
    config = TrainingConfig(epochs=500, batch_size=50, learning_rate=0.05, patience=2)
    history = train(module, _data(), config, torch.Generator().manual_seed(0))
    assert history.stopped_early and len(history.train_loss) < 500
    assert len(history.train_loss) - 1 - history.best_epoch == 2


@pytest.mark.parametrize(
    "bad", [{"epochs": -1}, {"batch_size": 0}, {"learning_rate": 0.0}, {"validation_fraction": 1.0}, {"patience": 0}]
)
def test_bad_training_parameters_are_refused(bad: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        TrainingConfig(**{"epochs": 1, "batch_size": 8, "learning_rate": 0.1, "owner": "VAE", **bad})


def test_torch_threads_restores_the_previous_count() -> None:
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_epochs_for_steps_counts_the_rows_the_loop_trains_on() -> None:
    for n in (10, 19, 20, 1_000):
        train_rows, val_rows = _split(n, 0.1, torch.Generator().manual_seed(0))
        assert len(val_rows) == validation_rows(n, 0.1) and len(train_rows) == n - validation_rows(n, 0.1)
    assert validation_rows(19, 0.1) == 0 and validation_rows(1_000, 0.1) == 100
    # 900 training rows in batches of 256: 4 steps an epoch, 500 epochs for 2,000 steps
    assert epochs_for_steps(1_000, 256, 0.1, 2_000, low=20, high=1_000) == 500
    assert epochs_for_steps(1_000, 256, 0.1, 2_000, low=20, high=200) == 200
    assert epochs_for_steps(100_000, 256, 0.1, 2_000, low=20, high=200) == 20


@pytest.mark.parametrize(
    ("n_tracks", "epochs"),
    [
        (200, 200),  # 180 training rows: one batch an epoch, capped at 200 epochs
        (1_000, 200),  # GTZAN: 4 batches an epoch would need 500
        (5_000, 112),  # 4,500 training rows, 18 batches: ceil(2,000 / 18)
        (28_356, 20),  # TidyTuesday: 25,520 training rows, 100 batches an epoch
        (200_000, 20),  # never fewer than the first schedule's 20
    ],
)
def test_the_default_schedule_gives_about_two_thousand_steps(n_tracks: int, epochs: int) -> None:
    assert TRAINING.epochs is None and TRAINING.patience == 10
    assert default_epochs(n_tracks, TRAINING.batch_size, TRAINING.validation_fraction) == epochs
    config = TrainingConfig(epochs=None, batch_size=TRAINING.batch_size, learning_rate=1e-3)
    assert config.epochs_for(n_tracks) == epochs and TrainingConfig(7, 256, 1e-3).epochs_for(n_tracks) == 7


def test_no_epochs_trains_the_default_schedule_on_the_rows_it_gets() -> None:
    # 500 rows, 450 training rows in batches of 200: 3 steps an epoch, the 200-epoch cap;
    # without patience every epoch runs.
    config = TrainingConfig(epochs=None, batch_size=200, learning_rate=0.05, patience=None)
    history = train(Regression(), _data(), config, torch.Generator().manual_seed(0))
    assert len(history.train_loss) == default_epochs(500, 200, 0.1) == 200
