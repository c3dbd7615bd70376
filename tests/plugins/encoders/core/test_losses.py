"""The loss terms against independent answers: Monte Carlo and closed forms."""

from __future__ import annotations

import math

import numpy as np
import torch

from musicbench.plugins.encoders.core.losses import gaussian_kl, gaussian_nll, mixture_kl, responsibilities


def _log_normal(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    return torch.distributions.Normal(mean, torch.exp(0.5 * log_var)).log_prob(x).sum(-1)


def test_gaussian_kl_matches_monte_carlo() -> None:
    g = torch.Generator().manual_seed(0)
    mean = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    log_var = torch.tensor([[-0.5, 0.3, 0.0]], dtype=torch.float64)
    prior_mean = torch.tensor([0.2, 0.0, 1.0], dtype=torch.float64)
    prior_log_var = torch.tensor([0.4, -0.2, 0.1], dtype=torch.float64)
    z = mean + torch.exp(0.5 * log_var) * torch.randn((400_000, 3), generator=g, dtype=torch.float64)
    monte_carlo = (_log_normal(z, mean, log_var) - _log_normal(z, prior_mean, prior_log_var)).mean()
    analytic = gaussian_kl(mean, log_var, prior_mean, prior_log_var)
    assert analytic.shape == (1,)
    assert float(analytic) > 0.5  # a case far from zero, so the comparison means something
    assert math.isclose(float(analytic), float(monte_carlo), rel_tol=0.01)


def test_gaussian_kl_is_zero_only_at_the_prior() -> None:
    zeros = torch.zeros(2, 4)
    assert torch.equal(gaussian_kl(zeros, zeros), torch.zeros(2))
    assert (gaussian_kl(zeros + 0.1, zeros) > 0).all()


def test_gaussian_nll_matches_torch_distributions() -> None:
    x, mean, log_var = torch.randn(5, 3, generator=torch.Generator().manual_seed(1)).unbind(-1)
    x, mean, log_var = x[None], mean[None], log_var[None]
    assert torch.allclose(gaussian_nll(x, mean, log_var), -_log_normal(x, mean, log_var))


def test_mixture_kl_with_one_component_is_the_gaussian_kl() -> None:
    mean, log_var = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.2, -0.3]])
    prior_mean, prior_log_var = torch.tensor([[0.5, 0.5]]), torch.tensor([[0.1, 0.7]])
    value = mixture_kl(mean, log_var, torch.ones(1, 1), torch.zeros(1), prior_mean, prior_log_var)
    assert torch.allclose(value, gaussian_kl(mean, log_var, prior_mean[0], prior_log_var[0]))


def test_mixture_kl_known_answer_for_two_components() -> None:
    # q = N(0, 1) in 1-D; components N(0, 1) and N(2, 1); weights (0.5, 0.5); gamma (0.25, 0.75).
    # KL(q || N(2, 1)) = 2**2 / 2 = 2, so the answer is 0.75 * 2 + KL(gamma || pi).
    gamma = torch.tensor([[0.25, 0.75]])
    expected = 0.75 * 2.0 + 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    value = mixture_kl(
        torch.zeros(1, 1),
        torch.zeros(1, 1),
        gamma,
        torch.log(torch.tensor([0.5, 0.5])),
        torch.tensor([[0.0], [2.0]]),
        torch.zeros(2, 1),
    )
    assert math.isclose(float(value), expected, rel_tol=1e-6)


def test_responsibilities_follow_bayes_rule() -> None:
    z = torch.tensor([[1.0]])
    log_weights = torch.log(torch.tensor([0.3, 0.7]))
    means, log_vars = torch.tensor([[0.0], [3.0]]), torch.zeros(2, 1)
    joint = np.array([0.3 * math.exp(-0.5), 0.7 * math.exp(-2.0)])
    assert np.allclose(responsibilities(z, log_weights, means, log_vars).numpy(), joint / joint.sum())
