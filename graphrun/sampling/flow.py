"""Flow-matching model sampling (Flux, SD3, AuraFlow), as ComfyUI v0.3.64's comfy/model_sampling.py.

CONST: x_t = sigma * noise + (1 - sigma) * x0, the model predicts the velocity, D = x - sigma * v.
ModelSamplingFlux: 10,000-entry table sigma(t) = e^shift / (e^shift + (1/t - 1)), timestep(sigma) = sigma (the Flux
model scales by 1000 itself). ModelSamplingDiscreteFlow (SD3 / AuraFlow and Flux schnell): sigma(t) =
shift*t / (1 + (shift-1)*t) over 1,000 entries, timestep = sigma * multiplier (1000 for SD3/schnell, 1 for AuraFlow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from graphrun.sampling.model_sampling import _reshape_sigma


@dataclass(frozen=True)
class CONST:
    """Rectified-flow (velocity) prediction: ComfyUI `model_sampling.CONST`."""

    def calculate_input(self, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return x

    def calculate_denoised(self, sigma: torch.Tensor, model_output: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        sigma = _reshape_sigma(sigma, model_output.ndim)
        return x - model_output * sigma

    def noise_scaling(self, sigma, noise: torch.Tensor, latent: torch.Tensor, max_denoise: bool = False):
        sigma = _reshape_sigma(torch.as_tensor(sigma), noise.ndim)
        return sigma * noise + (1.0 - sigma) * latent

    def inverse_noise_scaling(self, sigma, latent: torch.Tensor) -> torch.Tensor:
        sigma = _reshape_sigma(torch.as_tensor(sigma), latent.ndim)
        return latent / (1.0 - sigma)


class _FlowTable:
    """Shared behaviour of the flow tables: min/max, max_denoise, the CONST maths."""

    prediction = CONST()
    sigmas: torch.Tensor

    @property
    def sigma_min(self) -> torch.Tensor:
        return self.sigmas[0]

    @property
    def sigma_max(self) -> torch.Tensor:
        return self.sigmas[-1]

    def max_denoise(self, sigmas: torch.Tensor) -> bool:
        max_sigma, sigma = float(self.sigma_max), float(sigmas[0])
        return math.isclose(max_sigma, sigma, rel_tol=1e-05) or sigma > max_sigma

    def calculate_input(self, sigma, x):
        return self.prediction.calculate_input(sigma, x)

    def calculate_denoised(self, sigma, model_output, x):
        return self.prediction.calculate_denoised(sigma, model_output, x)

    def noise_scaling(self, sigma, noise, latent, max_denoise=False):
        return self.prediction.noise_scaling(sigma, noise, latent, max_denoise)

    def inverse_noise_scaling(self, sigma, latent):
        return self.prediction.inverse_noise_scaling(sigma, latent)


def flux_time_shift(mu: float, t):
    """e^mu / (e^mu + (1/t - 1)): ComfyUI `flux_time_shift(mu, 1.0, t)` (t a float32 tensor or a float)."""
    return math.exp(mu) / (math.exp(mu) + (1 / t - 1) ** 1.0)


class ModelSamplingFlux(_FlowTable):
    """Flux dev's sampling (default shift 1.15; ModelSamplingFlux's node computes a resolution-dependent shift)."""

    def __init__(self, shift: float = 1.15, timesteps: int = 10000):
        self.shift = shift
        self.sigmas = self.sigma(torch.arange(1, timesteps + 1, 1) / timesteps)

    def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(sigma)

    def sigma(self, timestep) -> torch.Tensor:
        return flux_time_shift(self.shift, torch.as_tensor(timestep))

    def percent_to_sigma(self, percent: float) -> float:
        if percent <= 0.0:
            return 1.0
        if percent >= 1.0:
            return 0.0
        return flux_time_shift(self.shift, 1.0 - percent)


def time_snr_shift(alpha: float, t):
    """alpha*t / (1 + (alpha-1)*t); t itself when alpha is 1 (ComfyUI `time_snr_shift`)."""
    if alpha == 1.0:
        return t
    return alpha * t / (1 + (alpha - 1) * t)


class ModelSamplingDiscreteFlow(_FlowTable):
    """SD3-style discrete flow (ModelSamplingSD3: multiplier 1000, ModelSamplingAuraFlow: 1; Flux schnell: shift 1)."""

    def __init__(self, shift: float = 1.0, multiplier: float = 1000, timesteps: int = 1000):
        self.shift = shift
        self.multiplier = multiplier
        self.sigmas = self.sigma((torch.arange(1, timesteps + 1, 1) / timesteps) * multiplier)

    def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(sigma) * self.multiplier

    def sigma(self, timestep) -> torch.Tensor:
        return time_snr_shift(self.shift, torch.as_tensor(timestep) / self.multiplier)

    def percent_to_sigma(self, percent: float) -> float:
        if percent <= 0.0:
            return 1.0
        if percent >= 1.0:
            return 0.0
        return float(time_snr_shift(self.shift, 1.0 - percent))


def flux_resolution_shift(max_shift: float, base_shift: float, width: int, height: int) -> float:
    """ModelSamplingFlux node: shift linear in the number of 2x2 latent patches, base at 256, max at 4096."""
    x1, x2 = 256, 4096
    mm = (max_shift - base_shift) / (x2 - x1)
    b = base_shift - mm * x1
    return (width * height / (8 * 8 * 2 * 2)) * mm + b
