"""Network building blocks: MLPs, Gaussian heads and seeded initialisation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

LOG_VAR_RANGE = (-12.0, 8.0)
"""Clamp for predicted log-variances: keeps exp() finite early in training."""


def mlp(sizes: Sequence[int], final_activation: bool = False) -> nn.Sequential:
    """Linear layers of ``sizes`` with SiLU between them (and after the last if asked).

    SiLU rather than ReLU: on a dozen standardized features dead ReLUs in a narrow
    layer waste capacity, and SiLU trains as fast.
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class GaussianEncoder(nn.Module):
    """``x -> (mean, log_var)`` of a diagonal Gaussian posterior.

    With ``variational=False`` it is a plain deterministic encoder and ``log_var``
    is ``None`` (the autoencoder).
    """

    def __init__(self, n_in: int, hidden_sizes: Sequence[int], latent_dim: int, variational: bool = True) -> None:
        super().__init__()
        self.variational = variational
        self.body = mlp([n_in, *hidden_sizes], final_activation=True)
        width = hidden_sizes[-1] if hidden_sizes else n_in
        self.mean = nn.Linear(width, latent_dim)
        self.log_var = nn.Linear(width, latent_dim) if variational else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.body(x)
        if self.log_var is None:
            return self.mean(h), None
        return self.mean(h), self.log_var(h).clamp(*LOG_VAR_RANGE)


class GaussianDecoder(nn.Module):
    """``z -> (mean, log_var)`` of a Gaussian likelihood with per-feature variance.

    The variance is fixed at 1 (squared error) or, with ``learn_scale``, learned
    (the "sigma-VAE" of Rybkin et al. 2021). On TidyTuesday the learned variance
    fitted the features better but its embeddings clustered worse (KMeans NMI
    0.088 vs 0.107 for the VAE), so the encoders default to the fixed one.
    """

    def __init__(self, latent_dim: int, hidden_sizes: Sequence[int], n_out: int, learn_scale: bool = True) -> None:
        super().__init__()
        self.net = mlp([latent_dim, *hidden_sizes, n_out])
        self.log_scale = nn.Parameter(torch.zeros(n_out), requires_grad=learn_scale)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net(z), self.log_scale.clamp(*LOG_VAR_RANGE).expand(z.shape[0], -1)


def reparameterize(mean: torch.Tensor, log_var: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A sample of ``N(mean, exp(log_var))`` drawn from ``generator`` (never the global RNG)."""
    noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
    return mean + torch.exp(0.5 * log_var) * noise


@torch.no_grad()
def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """Re-initialise every ``nn.Linear`` from ``generator``, as PyTorch's default does.

    PyTorch initialises layers from the global RNG at construction; drawing them
    again here keeps fits reproducible without seeding anything global.
    """
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = 1.0 / math.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=generator)
            if layer.bias is not None:
                layer.bias.uniform_(-bound, bound, generator=generator)
