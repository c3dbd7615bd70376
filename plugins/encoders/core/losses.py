"""Loss terms as small pure functions of tensors; every one returns one value per row.

Encoders combine them (reconstruction + beta * KL) and average over the batch in
their module's ``loss``; nothing here knows about networks or training.
"""

from __future__ import annotations

import math

import torch

LOG_2PI = math.log(2.0 * math.pi)


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor | float = 0.0) -> torch.Tensor:
    """``-log N(x; mean, exp(log_var))`` summed over features: the Gaussian likelihood."""
    log_var = torch.as_tensor(log_var, dtype=x.dtype)
    return 0.5 * (((x - mean) ** 2) * torch.exp(-log_var) + log_var + LOG_2PI).sum(dim=-1)


def bernoulli_nll(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """``-log Bernoulli(x; sigmoid(logits))`` summed over features (x in [0, 1])."""
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def gaussian_kl(
    mean: torch.Tensor,
    log_var: torch.Tensor,
    prior_mean: torch.Tensor | float = 0.0,
    prior_log_var: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """``KL(N(mean, exp(log_var)) || N(prior_mean, exp(prior_log_var)))``, analytic, summed
    over the last dimension. The default prior is the standard normal."""
    prior_mean = torch.as_tensor(prior_mean, dtype=mean.dtype)
    prior_log_var = torch.as_tensor(prior_log_var, dtype=mean.dtype)
    ratio = torch.exp(log_var - prior_log_var)
    return 0.5 * (ratio + (mean - prior_mean) ** 2 * torch.exp(-prior_log_var) - 1.0 - log_var + prior_log_var).sum(
        dim=-1
    )


def mixture_log_likelihoods(
    z: torch.Tensor, log_weights: torch.Tensor, prior_mean: torch.Tensor, prior_log_var: torch.Tensor
) -> torch.Tensor:
    """``log pi_k + log N(z; mu_k, sigma_k^2)``, shape (n, K): the joint log p(z, c=k)."""
    diff = z[:, None, :] - prior_mean[None]
    log_normal = -0.5 * ((diff**2) * torch.exp(-prior_log_var) + prior_log_var + LOG_2PI).sum(dim=-1)
    return log_weights[None] + log_normal


def responsibilities(
    z: torch.Tensor, log_weights: torch.Tensor, prior_mean: torch.Tensor, prior_log_var: torch.Tensor
) -> torch.Tensor:
    """``p(c | z)`` under a Gaussian mixture prior, shape (n, K)."""
    return torch.softmax(mixture_log_likelihoods(z, log_weights, prior_mean, prior_log_var), dim=-1)


def mixture_kl(
    mean: torch.Tensor,
    log_var: torch.Tensor,
    gamma: torch.Tensor,
    log_weights: torch.Tensor,
    prior_mean: torch.Tensor,
    prior_log_var: torch.Tensor,
) -> torch.Tensor:
    """``KL(q(z|x) q(c|x) || p(z|c) p(c))`` for a Gaussian-mixture prior (VaDE).

    With ``q(c|x) = gamma`` it is ``sum_k gamma_k KL(q(z|x) || N(mu_k, sigma_k^2))
    + KL(gamma || pi)``, both terms analytic (Jiang et al. 2017, eq. 12).

    Parameters
    ----------
    mean, log_var : tensor of shape (n, d)
        The Gaussian posterior ``q(z|x)``.
    gamma : tensor of shape (n, K)
        The cluster posterior ``q(c|x)``, rows summing to one.
    log_weights : tensor of shape (K,)
        Log mixture weights (normalised).
    prior_mean, prior_log_var : tensor of shape (K, d)
        The mixture components.
    """
    per_component = gaussian_kl(mean[:, None, :], log_var[:, None, :], prior_mean[None], prior_log_var[None])
    gamma_safe = gamma.clamp_min(1e-10)
    categorical = (gamma * (torch.log(gamma_safe) - log_weights[None])).sum(dim=-1)
    return (gamma * per_component).sum(dim=-1) + categorical
