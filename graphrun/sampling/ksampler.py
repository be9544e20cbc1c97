"""KSampler / KSamplerAdvanced core with ComfyUI v0.3.64 parity (nodes.py `common_ksampler`, comfy/sample.py,
comfy/samplers.py `KSampler.set_steps/sample`, `CFGGuider`, `KSAMPLER.sample`); spec A.1, B.5, D, H.5, K.
"""

from __future__ import annotations

from typing import Callable

import torch

from graphrun.suggest import close_names
from graphrun.values import Conditioning, Latent

from .guidance import CFGDenoiser
from .noise import NOISE_SOURCES, prepare_noise
from .samplers import SAMPLERS, SamplerSpec
from .schedulers import SCHEDULERS


ProgressFn = Callable[[int, int, torch.Tensor, torch.Tensor], None]


def _lookup(table: dict, name: str, what: str):
    if name in table:
        return table[name]
    close = close_names(name, table, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Unknown {what} {name!r}.{hint} Valid {what}s: {', '.join(table)}")


def get_sampler(name: str) -> SamplerSpec:
    """Registered sampler by ComfyUI name; unknown names raise ValueError (never a silent euler fallback)."""
    return _lookup(SAMPLERS, name, "sampler")


def get_scheduler(name: str):
    """Registered scheduler function by ComfyUI name; unknown names raise ValueError."""
    return _lookup(SCHEDULERS, name, "scheduler")


def calculate_sigmas(model_sampling, scheduler: str, sampler: str, steps: int) -> torch.Tensor:
    """Scheduler sigmas, built for steps+1 with the penultimate sigma dropped for discard-penultimate samplers."""
    fn, spec = get_scheduler(scheduler), get_sampler(sampler)
    if spec.discard_penultimate:
        sigmas = fn(model_sampling, steps + 1)
        return torch.cat([sigmas[:-2], sigmas[-1:]])
    return fn(model_sampling, steps)


def ksampler_sigmas(
    model_sampling,
    scheduler: str,
    sampler: str,
    steps: int,
    denoise: float | None = 1.0,
    start_step: int | None = None,
    last_step: int | None = None,
    force_full_denoise: bool = False,
) -> torch.Tensor | None:
    """The exact sigmas handed to the sampler (spec D.2); None when start_step skips sampling; empty at denoise 0."""
    if denoise is None or denoise > 0.9999:
        sigmas = calculate_sigmas(model_sampling, scheduler, sampler, steps)
    elif denoise <= 0.0:
        return torch.FloatTensor([])
    else:
        new_steps = int(steps / denoise)  # IEEE double division then truncation, as Python does
        sigmas = calculate_sigmas(model_sampling, scheduler, sampler, new_steps)[-(steps + 1):]
    sigmas = sigmas.clone()
    if last_step is not None and last_step < len(sigmas) - 1:
        sigmas = sigmas[: last_step + 1]
        if force_full_denoise:
            sigmas[-1] = 0
    if start_step is not None:
        if start_step < len(sigmas) - 1:
            sigmas = sigmas[start_step:]
        else:
            return None
    return sigmas


def sample(
    model, noise: torch.Tensor, latent: torch.Tensor, sigmas: torch.Tensor, spec: SamplerSpec, seed: int | None,
    cfg: float, positive: Conditioning, negative: Conditioning, callback: ProgressFn | None = None,
    denoiser=None, denoise_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Latent in (family latent format), noise it, run the sampler, latent out (CFGGuider + KSAMPLER.sample);
    returns the raw latent.

    `denoiser` replaces the CFG denoiser built from cfg/positive/negative (the custom-sampling guiders).
    `denoise_mask` (a LATENT noise_mask) restricts the change to where it is 1 (sampling/inpaint.py)."""
    ms = model.model_sampling
    fmt = model.latent_format
    device = getattr(model, "device", torch.device("cpu"))
    if torch.count_nonzero(latent) > 0:
        latent = fmt.process_in(latent)
    sigmas, noise, latent = sigmas.to(device), noise.to(device), latent.to(device)
    x = ms.noise_scaling(sigmas[0], noise, latent, ms.max_denoise(sigmas))
    if denoiser is None:
        denoiser = CFGDenoiser(model, positive, negative, cfg, needs_uncond=spec.needs_uncond)
    if denoise_mask is not None:
        from .inpaint import InpaintDenoiser, latent_mask

        denoiser = InpaintDenoiser(denoiser, latent, noise, latent_mask(denoise_mask, noise.shape).to(device))
    noise_sampler = NOISE_SOURCES[spec.noise](x, sigmas, seed)
    total = len(sigmas) - 1
    step_cb = None if callback is None else (lambda i, xi, d: callback(i, total, xi, d))
    try:
        out = spec.fn(denoiser, x, sigmas, noise=noise_sampler, callback=step_cb, **spec.options)
    finally:
        unpatch = getattr(model, "unpatch", None)  # weight patches (LoRA) live only while sampling
        if unpatch is not None:
            unpatch()
    out = ms.inverse_noise_scaling(sigmas[-1], out)
    return fmt.process_out(out.to(torch.float32)).cpu()


def fix_empty_latent_channels(model, samples: torch.Tensor) -> torch.Tensor:
    """An all-zero latent with the wrong channel count gets the model's (repeat/cut along channels), as ComfyUI's
    `fix_empty_latent_channels` does so a 4-channel EmptyLatentImage feeds a 16-channel model."""
    channels = model.latent_format.channels
    if samples.shape[1] == channels or torch.count_nonzero(samples) != 0:
        return samples
    if samples.shape[1] > channels:
        return samples[:, :channels]
    reps = -(-channels // samples.shape[1])
    return samples.repeat(1, reps, *([1] * (samples.ndim - 2)))[:, :channels]


def common_ksampler(
    model, seed: int, steps: int, cfg: float, sampler_name: str, scheduler: str,
    positive: Conditioning, negative: Conditioning, latent: Latent, denoise: float = 1.0,
    disable_noise: bool = False, start_step: int | None = None, last_step: int | None = None,
    force_full_denoise: bool = False, callback: ProgressFn | None = None,
) -> Latent:
    """nodes.py `common_ksampler`: KSampler (denoise) and KSamplerAdvanced (start/last step, add_noise, leftover)."""
    spec = get_sampler(sampler_name)
    get_scheduler(scheduler)
    samples = fix_empty_latent_channels(model, latent.samples)
    if disable_noise:
        noise = torch.zeros(samples.size(), dtype=samples.dtype, layout=samples.layout, device="cpu")
    else:
        noise = prepare_noise(samples, seed, latent.batch_index)
    sigmas = ksampler_sigmas(
        model.model_sampling, scheduler, sampler_name, steps, denoise, start_step, last_step, force_full_denoise
    )
    if sigmas is None or len(sigmas) == 0:
        # nothing to do: the input latent, untouched (no noise, no latent-format round trip)
        return latent if samples is latent.samples else latent.with_samples(samples)
    out = sample(model, noise, samples, sigmas, spec, seed, cfg, positive, negative, callback,
                 denoise_mask=latent.noise_mask)
    return latent.with_samples(out)
