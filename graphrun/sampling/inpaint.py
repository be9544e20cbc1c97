"""Sampling with a latent noise mask, as ComfyUI v0.3.64 does (comfy/samplers.py `KSamplerX0Inpaint`,
comfy/sampler_helpers.py `prepare_mask`, comfy/utils.py `reshape_mask`).

Where the mask is 0 the latent is held at the (scaled) input image: before every model call the input x is
blended with the input image noised to the current sigma (with the sampler's initial noise, not a fresh draw),
and the prediction is blended with the input image itself. Masks are bilinearly resized to the latent.
"""

from __future__ import annotations

import math

import torch


def latent_mask(noise_mask: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """A MASK / LATENT noise_mask resized to a latent batch: bilinear to (h, w), repeated over channels and batch."""
    mask = noise_mask.reshape((-1, 1, noise_mask.shape[-2], noise_mask.shape[-1])).float()
    mask = torch.nn.functional.interpolate(mask, size=tuple(shape[2:]), mode="bilinear")
    if mask.shape[1] < shape[1]:
        mask = mask.repeat((1, shape[1], 1, 1))[:, :shape[1]]
    batch = shape[0]
    if mask.shape[0] > batch:
        return mask[:batch]
    if mask.shape[0] < batch:
        return mask.repeat((math.ceil(batch / mask.shape[0]), 1, 1, 1))[:batch]
    return mask


class InpaintDenoiser:
    """Wraps a denoiser D(x, sigma): D'(x, sigma) = D(x·m + noised(latent)·(1-m)) · m + latent · (1-m).

    Other attributes (model_sampling, uncond_denoised for cfg_pp samplers, calls) are the wrapped denoiser's."""

    def __init__(self, inner, latent: torch.Tensor, noise: torch.Tensor, mask: torch.Tensor):
        self.inner = inner
        self.latent = latent
        self.noise = noise
        self.mask = mask

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        keep = 1.0 - self.mask
        ms = self.inner.model_sampling
        x = x * self.mask + ms.noise_scaling(sigma, self.noise, self.latent) * keep
        out = self.inner(x, sigma, *args, **kwargs)
        return out * self.mask + self.latent * keep

    def __getattr__(self, name):
        return getattr(self.inner, name)
