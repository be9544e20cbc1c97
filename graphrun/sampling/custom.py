"""Custom sampling (ComfyUI v0.3.64 comfy_extras/nodes_custom_sampler.py `SamplerCustom`, `SamplerCustomAdvanced`,
`Noise_RandomNoise`, `Noise_EmptyNoise`): explicit sigmas, a SAMPLER (a SamplerSpec with knobs), a NOISE and a
GUIDER, run through the same `ksampler.sample` as KSampler.

Runtime values: SIGMAS is a 1-D float32 tensor (ComfyUI's), SAMPLER a `SamplerSpec`, NOISE a `Noise`, GUIDER one
of graphrun.sampling.guiders. Both sampling nodes return (output, denoised_output): the last step's denoised
prediction (x0), scaled out of the model's latent space, or the output itself when no step ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from graphrun.values import Latent

from .ksampler import sample
from .noise import prepare_noise
from .samplers import SamplerSpec


@dataclass(frozen=True)
class Noise:
    """NOISE: RandomNoise(seed) draws comfy.sample.prepare_noise; DisableNoise is zeros and hands the sampler
    seed 0 for its per-step noise (ComfyUI's Noise_EmptyNoise.seed)."""

    seed: int = 0
    enabled: bool = True

    def generate(self, latent: Latent) -> torch.Tensor:
        s = latent.samples
        if not self.enabled:
            return torch.zeros(s.shape, dtype=s.dtype, layout=s.layout, device="cpu")
        return prepare_noise(s, self.seed, latent.batch_index)


DISABLED = Noise(seed=0, enabled=False)


def sample_custom(guider, noise: Noise, spec: SamplerSpec, sigmas: torch.Tensor, latent: Latent,
                  seed: int | None = None, progress: Callable[[int, int], None] | None = None) -> tuple[Latent, Latent]:
    """SamplerCustomAdvanced's sampling (SamplerCustom builds a CFGGuider and calls this with its noise_seed).

    Empty sigmas return the input latent untouched (CFGGuider.sample); otherwise the sampler runs over
    exactly these sigmas (a single sigma noises and denoises nothing: 0 steps)."""
    from .ksampler import fix_empty_latent_channels

    seed = noise.seed if seed is None else seed
    model = guider.model
    latent = latent.with_samples(fix_empty_latent_channels(model, latent.samples))
    if sigmas.shape[-1] == 0:
        return latent, latent
    initial = noise.generate(latent)
    x0: list[torch.Tensor] = []

    def callback(step, total, x, denoised):
        x0[:] = [denoised]
        if progress is not None:
            progress(step + 1, total)

    out = sample(model, initial, latent.samples, sigmas.float(), spec, seed, 1.0, (), (), callback,
                 denoiser=guider.denoiser(spec), denoise_mask=latent.noise_mask)
    output = latent.with_samples(out)
    if not x0:
        return output, output
    # ComfyUI: model.process_latent_out(x0) (the family's latent format, scale and shift)
    return output, latent.with_samples(model.latent_format.process_out(x0[0].cpu().to(torch.float32)))


def basic_scheduler_sigmas(model_sampling, scheduler: str, steps: int, denoise: float) -> torch.Tensor:
    """BasicScheduler's sigmas: denoise < 1 takes the last steps+1 of a int(steps/denoise)-step list (no
    penultimate-sigma drop: that depends on a sampler); denoise <= 0 gives an empty list."""
    from graphrun.errors import NodeInputError

    from .ksampler import get_scheduler

    total = steps
    if denoise < 1.0:
        if denoise <= 0.0:
            return torch.FloatTensor([])
        total = int(steps / denoise)
    try:
        fn = get_scheduler(scheduler)
    except ValueError as exc:
        raise NodeInputError("scheduler", str(exc)) from None
    return fn(model_sampling, total).cpu()[-(steps + 1):]
