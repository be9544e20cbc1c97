"""Fake diffusion models for tests that need no UNet."""

from __future__ import annotations

import torch

from graphrun.families.latent_formats import SD15
from graphrun.sampling.model_sampling import ModelSamplingDiscrete
from graphrun.values import CondEntry


class AnalyticUNet:
    """eps = a smooth function of (x_in, t, context); records each call's batch, t and context shape."""

    def __init__(self):
        self.model_sampling = ModelSamplingDiscrete()
        self.latent_format = SD15
        self.device = torch.device("cpu")
        self.calls: list[tuple[int, torch.Tensor, tuple]] = []

    def apply_model(self, x_in, t, context):
        self.calls.append((x_in.shape[0], t.clone(), tuple(context.shape)))
        c = context.mean(dim=(1, 2)).view(-1, 1, 1, 1)
        return 0.8 * torch.tanh(x_in) + 0.1 * c + 1e-4 * t.view(-1, 1, 1, 1)


def conditioning(value: float, tokens: int = 77, dim: int = 8) -> tuple[CondEntry, ...]:
    return (CondEntry(torch.full([1, tokens, dim], value) + torch.linspace(0, 1, tokens).view(1, -1, 1)),)
