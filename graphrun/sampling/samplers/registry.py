"""Sampler registry: one `@sampler(...)` decorator next to each sampler function, carrying its traits.

Shared signature (k-diffusion style, keyword-only extras):

    fn(model, x, sigmas, *, noise, callback) -> x

* `model(x, sigma_vec) -> denoised` is the CFG denoiser (guidance.CFGDenoiser or a test fake); it also exposes
  `.model_sampling` and, for cfg_pp samplers, `.uncond_denoised` (the uncond prediction of its latest call).
* `noise(sigma, sigma_next) -> Tensor` is the per-step noise source built from the spec's `noise` kind
  (None for "none"), see graphrun.sampling.noise.NOISE_SOURCES.
* `callback(i, x, denoised)` is called once per step (or None).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Literal

import torch

from graphrun.sampling.names import SAMPLER_NAMES

NoiseKind = Literal["none", "seeded", "brownian", "brownian_gpu"]
SamplerFn = Callable[..., torch.Tensor]

# ComfyUI v0.3.64 `SAMPLER_NAMES` order (KSAMPLER_NAMES + ddim, uni_pc, uni_pc_bh2): used only to list the
# registry in the UI order; a sampler missing there is listed after these.
COMFY_ORDER = SAMPLER_NAMES


@dataclass(frozen=True)
class SamplerSpec:
    """A registered sampler and its traits (ComfyUI keeps these in side sets; here they live with the function)."""

    name: str
    fn: SamplerFn
    discard_penultimate: bool = False  # schedule built for steps+1, second-to-last sigma dropped (spec C.4)
    noise: NoiseKind = "none"  # per-step noise source (spec E.6)
    needs_uncond: bool = False  # cfg_pp: uncond is evaluated even at cfg == 1 and exposed to the sampler
    # keyword knobs passed to fn (eta, s_noise, order, ...): empty for KSampler / KSamplerSelect, set by the
    # sampler-option nodes (ComfyUI `ksampler(name, extra_options)`)
    options: dict[str, Any] = field(default_factory=dict)

    def configure(self, noise: NoiseKind | None = None, **options: Any) -> "SamplerSpec":
        """This sampler with knobs set (and, where a knob turns per-step noise on, its noise source)."""
        return replace(self, options={**self.options, **options}, noise=noise or self.noise)


_REGISTRY: dict[str, SamplerSpec] = {}
SAMPLERS: dict[str, SamplerSpec] = {}


def sampler(name: str, *, discard_penultimate: bool = False, noise: NoiseKind = "none", needs_uncond: bool = False):
    """Register `fn` under a ComfyUI sampler name (usable several times on one function for aliases)."""

    def deco(fn: SamplerFn) -> SamplerFn:
        _REGISTRY[name] = SamplerSpec(name, fn, discard_penultimate, noise, needs_uncond)
        order = {n: i for i, n in enumerate(COMFY_ORDER)}
        ordered = sorted(_REGISTRY.values(), key=lambda s: order.get(s.name, len(order)))
        SAMPLERS.clear()
        SAMPLERS.update((s.name, s) for s in ordered)
        return fn

    return deco


def sampler_names() -> list[str]:
    return list(SAMPLERS)


# ---- shared maths (k-diffusion helpers) ----


def to_d(x: torch.Tensor, sigma, denoised: torch.Tensor) -> torch.Tensor:
    """Karras ODE derivative (x - D) / sigma."""
    return (x - denoised) / _append_dims(sigma, x.ndim)


def _append_dims(v, ndim: int):
    v = torch.as_tensor(v)
    return v[(...,) + (None,) * (ndim - v.ndim)]


def get_ancestral_step(sigma_from, sigma_to, eta: float = 1.0):
    """(sigma_down, sigma_up) of an ancestral step (k-diffusion `get_ancestral_step`)."""
    if not eta:
        return sigma_to, 0.0
    sigma_up = min(sigma_to, eta * (sigma_to**2 * (sigma_from**2 - sigma_to**2) / sigma_from**2) ** 0.5)
    sigma_down = (sigma_to**2 - sigma_up**2) ** 0.5
    return sigma_down, sigma_up


def s_in(x: torch.Tensor) -> torch.Tensor:
    """Ones of batch size, to broadcast a scalar sigma to the per-sample vector the model expects."""
    return x.new_ones([x.shape[0]])


def emit(callback, i: int, x: torch.Tensor, denoised: torch.Tensor) -> None:
    if callback is not None:
        callback(i, x, denoised)


def t_fn(sigma):
    """Half-logSNR time t = -log(sigma) (EPS/VE); samplers ComfyUI keeps in this form for every model use it."""
    return sigma.log().neg()


def snr_fns(model):
    """(lambda_fn, sigma_fn) of the model's sampling: -log / exp(-), or -logit / sigmoid(-) for flow models
    (ComfyUI `sigma_to_half_log_snr` / `half_log_snr_to_sigma`)."""
    ms = model.model_sampling
    return ms.half_log_snr, ms.sigma_from_half_log_snr


def snr_sigmas(model, sigmas):
    """Sigmas with a first sigma >= 1 moved off infinite log-SNR for flow models (`offset_first_sigma_for_snr`)."""
    return model.model_sampling.offset_first_sigma_for_snr(sigmas)


def sigma_fn(t):
    return t.neg().exp()
