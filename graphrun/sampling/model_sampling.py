"""Model sampling (sigma tables, timestep mapping, prediction-type maths), as ComfyUI's comfy/model_sampling.py.

A *prediction* object (EPS, V_PREDICTION, CONST) owns the parameterisation: input scaling, denoised from the model
output, and noise (un)scaling. A *sampling* object (ModelSamplingDiscrete, ModelSamplingDiscreteFlow,
ModelSamplingFlux) owns the sigma table, sigma <-> timestep and the half-log-SNR conversion samplers use
(`half_log_snr`, `sigma_from_half_log_snr`, `offset_first_sigma_for_snr`): -log(sigma) for EPS/V, logit for flow
(ComfyUI k_diffusion `sigma_to_half_log_snr`). Samplers only ever see sigmas, denoised values and these methods.
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
    """Epsilon prediction (SD1.x/SD2-base/SDXL): ComfyUI `model_sampling.EPS`."""

    sigma_data: float = 1.0
    name = "eps"

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


@dataclass(frozen=True)
class V_PREDICTION(EPS):  # noqa: N801 - ComfyUI's name, used in ModelSamplingDiscrete's sampling list
    """v-prediction (SD2.x 768-v): D = x·sd²/(σ²+sd²) − v·σ·sd/sqrt(σ²+sd²)."""

    name = "v_prediction"

    def calculate_denoised(self, sigma, model_output, x):
        sigma = _reshape_sigma(sigma, model_output.ndim)
        sd = self.sigma_data
        return x * sd**2 / (sigma**2 + sd**2) - model_output * sigma * sd / (sigma**2 + sd**2) ** 0.5


@dataclass(frozen=True)
class CONST:
    """Rectified flow (SD3, Flux): x_σ = σ·noise + (1−σ)·x0, D = x − σ·v, no input scaling."""

    name = "const"

    def calculate_input(self, sigma, x):
        return x

    def calculate_denoised(self, sigma, model_output, x):
        sigma = _reshape_sigma(sigma, model_output.ndim)
        return x - model_output * sigma

    def noise_scaling(self, sigma, noise, latent, max_denoise: bool = False):
        sigma = _reshape_sigma(torch.as_tensor(sigma), noise.ndim)
        return sigma * noise + (1.0 - sigma) * latent

    def inverse_noise_scaling(self, sigma, latent):
        sigma = _reshape_sigma(torch.as_tensor(sigma), latent.ndim)
        return latent / (1.0 - sigma)


PREDICTIONS = {"eps": EPS, "v_prediction": V_PREDICTION}  # ModelSamplingDiscrete node names with a class here


def scaled_linear_sigmas(timesteps: int = 1000, linear_start: float = 0.00085, linear_end: float = 0.012):
    """LDM 'linear' (= scaled-linear) betas in float64 -> float64 sigma table (ComfyUI `_register_schedule`)."""
    betas = torch.linspace(linear_start**0.5, linear_end**0.5, timesteps, dtype=torch.float64) ** 2
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    return ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5


def rescale_zero_terminal_snr_sigmas(sigmas: torch.Tensor) -> torch.Tensor:
    """Zero-terminal-SNR rescale of a sigma table (Lin et al. 2023), last alpha_bar pinned to 4.8973451890853435e-08
    as ComfyUI does so the last sigma stays finite."""
    abar_sqrt = (1 / ((sigmas * sigmas) + 1)).sqrt()
    first, last = abar_sqrt[0].clone(), abar_sqrt[-1].clone()
    abar_sqrt = (abar_sqrt - last) * (first / (first - last))
    abar = abar_sqrt**2
    abar[-1] = 4.8973451890853435e-08
    return ((1 - abar) / abar) ** 0.5


class _SamplingBase:
    """Prediction-type delegation plus the log-SNR helpers; subclasses own sigmas/timestep/sigma."""

    prediction: object
    sigmas: torch.Tensor

    @property
    def sigma_min(self) -> torch.Tensor:
        return self.sigmas[0]

    @property
    def sigma_max(self) -> torch.Tensor:
        return self.sigmas[-1]

    @property
    def is_flow(self) -> bool:
        """True for rectified-flow (CONST) models: samplers switch to their RF / logit-SNR forms."""
        return isinstance(self.prediction, CONST)

    def max_denoise(self, sigmas: torch.Tensor) -> bool:
        """True when the first sigma is (rel 1e-5) the table maximum or above: ComfyUI `Sampler.max_denoise`."""
        max_sigma, sigma = float(self.sigma_max), float(sigmas[0])
        return math.isclose(max_sigma, sigma, rel_tol=1e-05) or sigma > max_sigma

    def half_log_snr(self, sigma: torch.Tensor) -> torch.Tensor:
        """lambda = log(alpha/sigma): -log(sigma), or -logit(sigma) for flow."""
        return sigma.logit().neg() if self.is_flow else sigma.log().neg()

    def sigma_from_half_log_snr(self, lam: torch.Tensor) -> torch.Tensor:
        """Inverse of half_log_snr: exp(-lambda), or sigmoid(-lambda) for flow."""
        return lam.neg().sigmoid() if self.is_flow else lam.neg().exp()

    def offset_first_sigma_for_snr(self, sigmas: torch.Tensor, percent_offset: float = 1e-4) -> torch.Tensor:
        """Flow only: a first sigma >= 1 (infinite log-SNR) becomes percent_to_sigma(1e-4)."""
        if len(sigmas) <= 1 or not self.is_flow or not sigmas[0] >= 1:
            return sigmas
        sigmas = sigmas.clone()
        sigmas[0] = self.percent_to_sigma(percent_offset)
        return sigmas

    def calculate_input(self, sigma, x):
        return self.prediction.calculate_input(sigma, x)

    def calculate_denoised(self, sigma, model_output, x):
        return self.prediction.calculate_denoised(sigma, model_output, x)

    def noise_scaling(self, sigma, noise, latent, max_denoise=False):
        return self.prediction.noise_scaling(sigma, noise, latent, max_denoise)

    def inverse_noise_scaling(self, sigma, latent):
        return self.prediction.inverse_noise_scaling(sigma, latent)


class ModelSamplingDiscrete(_SamplingBase):
    """Discrete 1000-step sigma table + a prediction type: ComfyUI `ModelSamplingDiscrete` (SD1.5 defaults)."""

    def __init__(self, prediction=None, sigmas64: torch.Tensor | None = None, *, zsnr: bool = False,
                 linear_start: float = 0.00085, linear_end: float = 0.012):
        self.prediction = prediction if prediction is not None else EPS()
        if sigmas64 is None:
            sigmas64 = scaled_linear_sigmas(1000, linear_start, linear_end)
        if zsnr:
            sigmas64 = rescale_zero_terminal_snr_sigmas(sigmas64)
        self.zsnr = zsnr
        self.sigmas = sigmas64.float()
        self.log_sigmas = sigmas64.log().float()

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
        """ComfyUI `percent_to_sigma` (sa_solver's default tau interval, timestep ranges)."""
        if percent <= 0.0:
            return 999999999.9
        if percent >= 1.0:
            return 0.0
        return self.sigma(torch.tensor((1.0 - percent) * 999.0)).item()


def time_snr_shift(alpha: float, t):
    """SD3 shift: alpha·t / (1 + (alpha−1)·t) (identity at alpha 1)."""
    if alpha == 1.0:
        return t
    return alpha * t / (1 + (alpha - 1) * t)


def flux_time_shift(mu: float, sigma: float, t):
    """Flux shift: e^mu / (e^mu + (1/t − 1)^sigma)."""
    return math.exp(mu) / (math.exp(mu) + (1 / t - 1) ** sigma)


class ModelSamplingDiscreteFlow(_SamplingBase):
    """SD3-style flow: sigma(t) = shift(t / multiplier), 1000-entry table (ComfyUI `ModelSamplingDiscreteFlow`)."""

    def __init__(self, shift: float = 1.0, multiplier: float = 1000, prediction=None, timesteps: int = 1000):
        self.prediction = prediction if prediction is not None else CONST()
        self.shift, self.multiplier = shift, multiplier
        self.sigmas = self.sigma((torch.arange(1, timesteps + 1, 1) / timesteps) * multiplier)

    def timestep(self, sigma):
        return torch.as_tensor(sigma) * self.multiplier

    def sigma(self, timestep):
        return time_snr_shift(self.shift, torch.as_tensor(timestep) / self.multiplier)

    def percent_to_sigma(self, percent: float) -> float:
        if percent <= 0.0:
            return 1.0
        if percent >= 1.0:
            return 0.0
        return time_snr_shift(self.shift, 1.0 - percent)


class ModelSamplingFlux(_SamplingBase):
    """Flux: sigma(t) = flux_time_shift(shift, 1, t), 10000-entry table, timestep = sigma (`ModelSamplingFlux`)."""

    def __init__(self, shift: float = 1.15, prediction=None, timesteps: int = 10000):
        self.prediction = prediction if prediction is not None else CONST()
        self.shift = shift
        self.sigmas = self.sigma(torch.arange(1, timesteps + 1, 1) / timesteps)

    def timestep(self, sigma):
        return torch.as_tensor(sigma)

    def sigma(self, timestep):
        return flux_time_shift(self.shift, 1.0, torch.as_tensor(timestep))

    def percent_to_sigma(self, percent: float) -> float:
        if percent <= 0.0:
            return 1.0
        if percent >= 1.0:
            return 0.0
        return flux_time_shift(self.shift, 1.0, 1.0 - percent)
