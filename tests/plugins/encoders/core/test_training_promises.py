"""The training loop's promises, checked by watching the weights it keeps.

A module records its weights each time the loop evaluates it (once per epoch, after
the epoch's steps), so a test can tell which epoch's weights the loop restored.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.training import TrainingConfig, torch_threads, train


class Watched(nn.Module):
    """Linear regression that snapshots its weights at each evaluation; NaN loss from ``nan_from`` on."""

    def __init__(self, nan_from: int | None = None) -> None:
        super().__init__()
        torch.manual_seed(0)  # the initial weights only; the loop's draws come from its generator
        self.linear = nn.Linear(3, 1)
        self.snapshots: list[torch.Tensor] = []
        self.nan_from = nan_from
        self.train_calls = 0

    def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> torch.Tensor:
        x, y = batch
        if self.training:
            self.train_calls += 1
        elif len(self.snapshots) == 0 or self._new_epoch:
            self.snapshots.append(self.linear.weight.detach().clone())
        self._new_epoch = self.training
        value = ((self.linear(x) - y) ** 2).mean()
        if self.nan_from is not None and len(self.snapshots) > self.nan_from:
            return value * math.nan
        return value

    _new_epoch = True


def _data(n: int = 400, noise: float = 0.1) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 3, generator=g)
    return [x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + noise * torch.randn(n, 1, generator=g)]


def _config(**changes: object) -> TrainingConfig:
    return TrainingConfig(**{"epochs": 40, "batch_size": 32, "learning_rate": 0.05, "patience": 3, **changes})  # type: ignore[arg-type]


def test_the_best_epochs_weights_are_restored_after_early_stopping() -> None:
    # a large learning rate on noisy data: the validation loss bounces, training stops early
    module = Watched()
    history = train(module, _data(noise=2.0), _config(learning_rate=0.3, patience=2), torch.Generator().manual_seed(0))
    assert history.stopped_early and len(history.validation_loss) < 40
    assert len(module.snapshots) == len(history.validation_loss)
    assert history.best_epoch == min(range(len(history.validation_loss)), key=history.validation_loss.__getitem__)
    assert history.best_epoch < len(history.validation_loss) - 1
    assert torch.equal(module.linear.weight, module.snapshots[history.best_epoch])
    assert not torch.equal(module.linear.weight, module.snapshots[-1])
    assert not module.training  # left in eval mode


def test_patience_counts_epochs_without_improvement() -> None:
    for patience in (1, 4):
        history = train(
            Watched(),
            _data(noise=2.0),
            _config(learning_rate=0.3, patience=patience, epochs=200),
            torch.Generator().manual_seed(0),
        )
        assert history.stopped_early
        assert len(history.validation_loss) - 1 - history.best_epoch == patience


def test_without_patience_every_epoch_runs() -> None:
    history = train(
        Watched(),
        _data(noise=2.0),
        _config(learning_rate=0.3, patience=None, epochs=25),
        torch.Generator().manual_seed(0),
    )
    assert not history.stopped_early and len(history.train_loss) == len(history.validation_loss) == 25


def test_a_diverged_loss_stops_training_and_keeps_the_best_finite_weights() -> None:
    module = Watched(nan_from=5)
    history = train(module, _data(), _config(patience=None), torch.Generator().manual_seed(0))
    assert len(history.validation_loss) == 6 and math.isnan(history.validation_loss[-1])
    assert history.best_epoch == 4 and not history.stopped_early
    assert torch.equal(module.linear.weight, module.snapshots[4])


def test_zero_epochs_leave_the_weights_as_they_were() -> None:
    module = Watched()
    before = module.linear.weight.detach().clone()
    history = train(module, _data(), _config(epochs=0), torch.Generator().manual_seed(0))
    assert history.train_loss == [] and history.best_epoch == -1
    assert torch.equal(module.linear.weight, before)


def test_every_training_row_is_used_once_per_epoch() -> None:
    # 400 rows, 10 % held out: 360 training rows in batches of 32 -> 12 steps an epoch
    module = Watched()
    train(module, _data(), _config(epochs=3, patience=None), torch.Generator().manual_seed(0))
    assert module.train_calls == 3 * math.ceil(360 / 32)


def test_small_inputs_hold_nothing_out() -> None:
    module = Watched()
    history = train(
        module, _data(n=19), _config(epochs=2, batch_size=19, patience=None), torch.Generator().manual_seed(0)
    )
    assert module.train_calls == 2  # all 19 rows in one batch, each epoch
    assert history.validation_loss == history.train_loss  # the training loss is monitored instead


def test_equal_generators_give_bit_identical_weights() -> None:
    a, b, c = Watched(), Watched(), Watched()
    train(a, _data(), _config(), torch.Generator().manual_seed(3))
    train(b, _data(), _config(), torch.Generator().manual_seed(3))
    train(c, _data(), _config(), torch.Generator().manual_seed(4))
    assert torch.equal(a.linear.weight, b.linear.weight) and torch.equal(a.linear.bias, b.linear.bias)
    assert not torch.equal(a.linear.weight, c.linear.weight)


def test_the_training_loss_is_the_mean_over_rows() -> None:
    # learning rate so small that the weights barely move: the first epoch's mean
    # training loss is the loss of the initial weights on the training rows
    module = Watched()
    x, y = _data()
    with torch.no_grad():
        initial = float(((module.linear(x) - y) ** 2).mean())
    history = train(
        module, [x, y], _config(epochs=1, learning_rate=1e-9, validation_fraction=0.0), torch.Generator().manual_seed(0)
    )
    assert history.train_loss[0] == pytest.approx(initial, rel=1e-5)
    assert history.validation_loss[0] == history.train_loss[0]


@pytest.mark.parametrize(
    "good",
    [
        {"epochs": 0},
        {"validation_fraction": 0.0},
        {"patience": None},
        {"patience": 1},
        {"batch_size": 1},
        {"learning_rate": 1},
    ],
)
def test_boundary_parameters_are_accepted(good: dict) -> None:
    TrainingConfig(**{"epochs": 1, "batch_size": 8, "learning_rate": 0.1, **good})


def test_a_refusal_names_the_owner_and_the_value() -> None:
    with pytest.raises(ConfigError, match=r"VAE: invalid training parameter\(s\) epochs=2.5"):
        TrainingConfig(epochs=2.5, batch_size=8, learning_rate=0.1, owner="VAE")  # type: ignore[arg-type]


def test_torch_threads_none_changes_nothing() -> None:
    before = torch.get_num_threads()
    with torch_threads(None):
        assert torch.get_num_threads() == before
    with torch_threads(max(1, before - 1) if before > 1 else 2):
        assert torch.get_num_threads() != before
    assert torch.get_num_threads() == before


class Autoencoder(nn.Module):
    """One input tensor only, as the autoencoders train."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 3))

    def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> torch.Tensor:
        (x,) = batch
        return ((self.net(x) - x) ** 2).mean()


def test_a_single_input_tensor_trains() -> None:
    x = _data()[0]
    history = train(Autoencoder(), [x], _config(epochs=5, patience=None), torch.Generator().manual_seed(0))
    assert len(history.train_loss) == 5 and history.train_loss[-1] < history.train_loss[0]


def test_one_row_is_its_own_mean_loss() -> None:
    module = Watched()
    x, y = (t[:1] for t in _data())
    with torch.no_grad():
        initial = float(((module.linear(x) - y) ** 2).mean())
    history = train(
        module, [x, y], _config(epochs=1, learning_rate=1e-9, patience=None), torch.Generator().manual_seed(0)
    )
    assert history.train_loss[0] == pytest.approx(initial, rel=1e-5)
