"""VaDE: its mixture size, its own clusters, and predict()."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.vade import VaDE

QUICK = {"epochs": 3, "pretrain_epochs": 2, "batch_size": 64, "random_state": 0, "n_threads": 1}


def test_components_default_to_the_number_of_genres(small_dataset: Dataset) -> None:
    vade = VaDE(**QUICK).fit(small_dataset)
    assert vade.n_components_ == small_dataset.n_classes()
    assert vade.module_.prior_mean.shape == (small_dataset.n_classes(), vade.latent_dim)


def test_own_clusters_are_exposed(small_dataset: Dataset) -> None:
    vade = VaDE(n_components=3, **QUICK).fit(small_dataset)
    assert vade.labels_.shape == (small_dataset.n_tracks,)
    assert set(np.unique(vade.labels_)) <= {0, 1, 2}
    assert np.array_equal(vade.predict(small_dataset), vade.labels_)
    assert np.array_equal(VaDE(n_components=3, **QUICK).fit_predict(small_dataset), vade.labels_)


def test_bad_component_count_is_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_components"):
        VaDE(n_components=0, **QUICK).fit(small_dataset)


def test_the_mixture_is_guarded_against_collapse(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="gmm", uniform_weights=False, covariance="diag", **QUICK).fit(small_dataset)
    weights = vade.module_.prior()[0].exp()
    assert float(weights.min()) >= 0.2 / vade.n_components_ * 0.99  # floored GMM weights
    low, high = vade.module_.log_var_bounds.tolist()
    log_var = vade.module_.prior()[2].detach()
    assert float(log_var.min()) >= low - 1e-6 and float(log_var.max()) <= high + 1e-6


def test_kmeans_start_with_uniform_weights_and_tied_variances(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", uniform_weights=True, covariance="tied", **QUICK).fit(small_dataset)
    log_weights, _, log_var = (t.detach() for t in vade.module_.prior())
    k = vade.n_components_
    assert torch.allclose(log_weights.exp(), torch.full((k,), 1.0 / k))  # fixed, never learned
    assert vade.module_.prior_log_var.shape == (1, vade.latent_dim)
    assert log_var.shape == (k, vade.latent_dim) and torch.equal(log_var, log_var[:1].expand(k, -1))


def test_per_component_variances_differ_when_not_tied(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", covariance="diag", **QUICK).fit(small_dataset)
    log_var = vade.module_.prior()[2].detach()
    assert not torch.equal(log_var, log_var[:1].expand_as(log_var))


def test_the_kmeans_start_is_the_pretrained_codes_clusters(small_dataset: Dataset) -> None:
    vade = VaDE(mixture_init="kmeans", **{**QUICK, "epochs": 0}).fit(small_dataset)  # prior = its start
    codes = vade.transform(small_dataset)
    nearest = ((codes[:, None, :] - vade.module_.prior_mean.detach().numpy()[None]) ** 2).sum(-1).argmin(1)
    for j in np.unique(nearest):  # a KMeans centre is the mean of its tracks
        assert np.allclose(codes[nearest == j].mean(axis=0), vade.module_.prior_mean[j].detach().numpy(), atol=1e-3)


@pytest.mark.parametrize(("key", "value"), [("mixture_init", "random"), ("covariance", "full")])
def test_bad_mixture_options_are_refused(small_dataset: Dataset, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        VaDE(**{**QUICK, key: value}).fit(small_dataset)


@pytest.mark.parametrize(("key", "value"), [("prior_update", "adam"), ("mixture_learning_rate", 0.0)])
def test_bad_prior_update_options_are_refused(small_dataset: Dataset, key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        VaDE(**{**QUICK, key: value}).fit(small_dataset)


def _m_step_inputs(vade: VaDE, dataset: Dataset) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The posterior of every track and the prior's responsibilities, before an M-step."""
    x = vade._tensors(dataset)[0]
    with torch.no_grad():
        mean, log_var = vade.module_.posterior((x,))
        gamma = vade.module_.assign((x,))
    return x, mean, log_var, gamma


@pytest.mark.parametrize("update", ["em", "hard-em"])
def test_the_m_step_is_the_closed_form_of_the_prior(small_dataset: Dataset, update: str) -> None:
    vade = VaDE(prior_update=update, **QUICK).fit(small_dataset)
    module = vade.module_
    assert not module.prior_mean.requires_grad and not module.prior_log_var.requires_grad  # no gradient steps
    x, mean, log_var, gamma = _m_step_inputs(vade, small_dataset)
    if update == "hard-em":
        gamma = torch.nn.functional.one_hot(gamma.argmax(dim=1), vade.n_components_).to(gamma.dtype)
    weights_before = module.prior()[0].clone()
    module.m_step_inputs = x
    module.end_epoch()
    module.m_step_inputs = None
    means = gamma.T @ mean / gamma.sum(dim=0)[:, None]
    spread = (mean[:, None, :] - means[None]) ** 2 + log_var.exp()[:, None, :]
    variance = (gamma[:, :, None] * spread).sum(dim=(0, 1)) / len(x)  # tied: pooled over components
    assert torch.allclose(module.prior_mean, means, atol=1e-5)
    assert torch.allclose(module.prior_log_var.exp()[0], variance, rtol=1e-4)
    assert torch.equal(module.prior()[0], weights_before)  # the weights stay fixed


def test_the_m_step_waits_for_its_rows_and_skips_pretraining(small_dataset: Dataset) -> None:
    module = VaDE(prior_update="hard-em", **QUICK).fit(small_dataset).module_
    before = module.prior_mean.detach().clone()
    module.end_epoch()  # no rows set: nothing to fit
    assert torch.equal(module.prior_mean, before)
    module.m_step_inputs, module.pretraining = torch.zeros(5, small_dataset.audio.shape[1]), True
    module.end_epoch()
    assert torch.equal(module.prior_mean, before)


def test_em_moves_the_prior_and_is_deterministic(small_dataset: Dataset) -> None:
    start = VaDE(prior_update="hard-em", **{**QUICK, "epochs": 0}).fit(small_dataset).module_.prior_mean
    first = VaDE(prior_update="hard-em", **QUICK).fit(small_dataset)
    second = VaDE(prior_update="hard-em", **QUICK).fit(small_dataset)
    assert not torch.allclose(first.module_.prior_mean, start)
    assert torch.equal(first.module_.prior_mean, second.module_.prior_mean)
    assert np.array_equal(first.labels_, second.labels_)


def test_mixture_learning_rate_is_its_own_adam_group(small_dataset: Dataset) -> None:
    gradient = {**QUICK, "prior_update": "gradient"}
    vade = VaDE(mixture_learning_rate=0.05, **gradient).fit(small_dataset)
    network, mixture = vade.module_.parameter_groups(1e-3)
    assert "lr" not in network and mixture["lr"] == 0.05
    assert {id(p) for p in mixture["params"]} == {id(vade.module_.prior_mean), id(vade.module_.prior_log_var)}
    assert len(network["params"]) + 2 == sum(p.requires_grad for p in vade.module_.parameters())
    plain = VaDE(**gradient).fit(small_dataset).module_
    (single,) = plain.parameter_groups(1e-3)  # without the rate: one group, the mixture in it
    assert "lr" not in single and any(p is plain.prior_mean for p in single["params"])
    assert not torch.allclose(vade.module_.prior_mean, plain.prior_mean)


def test_em_leaves_the_mixture_out_of_adam(small_dataset: Dataset) -> None:
    module = VaDE(**QUICK).fit(small_dataset).module_  # the default: hard-em
    (group,) = module.parameter_groups(1e-3)
    assert all(p is not module.prior_mean and p is not module.prior_log_var for p in group["params"])
    assert VaDE().prior_update == "hard-em"


def test_training_calls_end_epoch_and_uses_parameter_groups() -> None:
    from musicbench.plugins.encoders.core.training import TrainingConfig, train

    class Probe(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fast, self.slow = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
            self.ends = 0

        def parameter_groups(self, learning_rate: float) -> list[dict]:
            return [{"params": [self.slow]}, {"params": [self.fast], "lr": 10 * learning_rate}]

        def end_epoch(self) -> None:
            self.ends += 1

        def loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> torch.Tensor:
            return -(self.fast + self.slow) * batch[0].mean()

    probe = Probe()
    config = TrainingConfig(epochs=4, batch_size=10, learning_rate=0.01, validation_fraction=0.0, patience=None)
    train(probe, [torch.ones(10, 1)], config, torch.Generator().manual_seed(0))
    assert probe.ends == 4
    assert float(probe.slow.detach()) == pytest.approx(0.04, rel=1e-3)
    assert float(probe.fast.detach()) == pytest.approx(0.4, rel=1e-3)
