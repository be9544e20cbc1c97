"""Model sampling (sigma table, timestep mapping, prediction-type maths), as ComfyUI's comfy/model_sampling.py.

`ModelSamplingDiscrete` owns the discrete sigma table; a *prediction* object (EPS today; V-prediction or CONST
later) owns the parameterisation: input scaling, denoised from the model output, and noise (un)scaling.
Samplers only ever see sigmas and denoised values, so a new prediction type never touches them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def _reshape_sigma(sigma: torch.Tensor, ndim: int) -> torch.Tensor:
    """Broadcast a per-batch sigma vector against an [B, ...] tensor (0-d / 1-element sigma stays a scalar)."""
    sigma = torch.as_tensor(sigma)
    if sigma.nelement() == 1:
        return sigma.view(())
    return sigma.view(sigma.shape[:1] + (1,) * (ndim - 1))


@dataclass(frozen=True)
class EPS:
    """Epsilon prediction (SD1.x/SD2-base): ComfyUI `model_sampling.EPS`."""

    sigma_data: float = 1.0

    def calculate_input(self, sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """x / sqrt(sigma^2 + sigma_data^2)."""
        sigma = _reshape_sigma(sigma, x.ndim)
        return x / (sigma**2 + self.sigma_data**2) ** 0.5

    def calculate_denoised(self, sigma: torch.Tensor, model_output: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """D = x - sigma * eps."""
        sigma = _reshape_sigma(sigma, model_output.ndim)
        return x - model_output * sigma

    def noise_scaling(self, sigma, noise: torch.Tensor, latent: torch.Tensor, max_denoise: bool = False):
        """noise * sqrt(1 + sigma^2) (max_denoise) or noise * sigma, plus the (already scaled) latent."""
        sigma = _reshape_sigma(torch.as_tensor(sigma), noise.ndim)
        noise = noise * torch.sqrt(1.0 + sigma**2.0) if max_denoise else noise * sigma
        return noise + latent

    def inverse_noise_scaling(self, sigma, latent: torch.Tensor) -> torch.Tensor:
        """Identity for EPS."""
        return latent


def scaled_linear_sigmas(timesteps: int = 1000, linear_start: float = 0.00085, linear_end: float = 0.012):
    """LDM 'linear' (= scaled-linear) betas in float64 -> float64 sigma table (ComfyUI `_register_schedule`)."""
    betas = torch.linspace(linear_start**0.5, linear_end**0.5, timesteps, dtype=torch.float64) ** 2
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    return ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5


class ModelSamplingDiscrete:
    """Discrete 1000-step sigma table + a prediction type: ComfyUI `ModelSamplingDiscrete` (SD1.5 defaults)."""

    def __init__(self, prediction=None, sigmas64: torch.Tensor | None = None):
        self.prediction = prediction if prediction is not None else EPS()
        sigmas64 = scaled_linear_sigmas() if sigmas64 is None else sigmas64
        self.sigmas = sigmas64.float()
        self.log_sigmas = sigmas64.log().float()

    @property
    def sigma_min(self) -> torch.Tensor:
        return self.sigmas[0]

    @property
    def sigma_max(self) -> torch.Tensor:
        return self.sigmas[-1]

    def timestep(self, sigma: torch.Tensor) -> torch.Tensor:
        """Nearest table index in log-sigma distance (long, sigma's shape)."""
        sigma = torch.as_tensor(sigma)
        dists = sigma.log().to(self.log_sigmas.device) - self.log_sigmas[:, None]
        return dists.abs().argmin(dim=0).view(sigma.shape).to(sigma.device)

    def sigma(self, timestep: torch.Tensor) -> torch.Tensor:
        """Log-linear interpolation of the table at a (possibly fractional) timestep."""
        timestep = torch.as_tensor(timestep)
        t = torch.clamp(timestep.float(), min=0, max=len(self.sigmas) - 1)
        lo, hi, w = t.floor().long(), t.ceil().long(), t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()

    def percent_to_sigma(self, percent: float) -> float:
        """ComfyUI `percent_to_sigma` (used by sa_solver's default tau interval)."""
        if percent <= 0.0:
            return 999999999.9
        if percent >= 1.0:
            return 0.0
        return self.sigma(torch.tensor((1.0 - percent) * 999.0)).item()

    def max_denoise(self, sigmas: torch.Tensor) -> bool:
        """True when the first sigma is (rel 1e-5) the table maximum or above: ComfyUI `Sampler.max_denoise`."""
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
