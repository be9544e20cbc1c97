"""Noise sources with ComfyUI v0.3.64 parity: initial noise (comfy/sample.py `prepare_noise`), the seeded
per-step sampler (k_diffusion `default_noise_sampler`) and the torchsde Brownian tree (`BrownianTreeNoiseSampler`).

A per-step noise sampler is a callable `(sigma, sigma_next) -> Tensor` shaped like x.
"""

from __future__ import annotations

from typing import Callable, Sequence

import warnings

import numpy as np
import torch
import torchsde

NoiseSampler = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def prepare_noise(samples: torch.Tensor, seed: int, batch_index: Sequence[int] | None = None) -> torch.Tensor:
    """CPU randn from a generator seeded with `seed`; with batch_index, per-index [1,...] draws (spec A.1)."""
    gen = torch.Generator("cpu").manual_seed(seed)
    kw = dict(dtype=samples.dtype, layout=samples.layout, generator=gen, device="cpu")
    if batch_index is None:
        return torch.randn(samples.size(), **kw)
    unique, inverse = np.unique(np.asarray(batch_index), return_inverse=True)
    draws = []
    for i in range(int(unique[-1]) + 1):
        noise = torch.randn([1] + list(samples.shape)[1:], **kw)
        if i in unique:
            draws.append(noise)
    return torch.cat([draws[i] for i in inverse.reshape(-1)], dim=0)


def seeded_noise_sampler(x: torch.Tensor, seed: int | None) -> NoiseSampler:
    """One randn of x's shape per call from a private generator on x.device seeded with `seed` (spec A.3, NEW)."""
    generator = None
    if seed is not None:
        generator = torch.Generator(device=x.device)
        generator.manual_seed(seed)
    return lambda sigma, sigma_next: torch.randn(
        x.size(), dtype=x.dtype, layout=x.layout, device=x.device, generator=generator
    )


class BrownianTreeNoiseSampler:
    """Unit-variance Brownian increments from one torchsde.BrownianTree over [min sigma>0, max sigma] (spec A.4)."""

    def __init__(self, x: torch.Tensor, sigma_min, sigma_max, seed: int | None, cpu: bool = True):
        t0, t1 = torch.as_tensor(sigma_min), torch.as_tensor(sigma_max)
        t0, t1, self.sign = (t0, t1, 1) if t0 < t1 else (t1, t0, -1)
        w0 = torch.zeros_like(x)
        if seed is None:
            seed = torch.randint(0, 2**63 - 1, ()).item()
        self.cpu = cpu
        if cpu:
            t0, w0, t1 = t0.detach().cpu(), w0.detach().cpu(), t1.detach().cpu()
        self.tree = torchsde.BrownianTree(t0, w0, t1, entropy=seed)

    def _query(self, q0, q1):
        # float32 interval ends trip torchsde's "Should have ta>=t0" rounding warnings (as in ComfyUI): silence them
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Should have", category=UserWarning)
            return self.tree(q0, q1)

    def __call__(self, sigma, sigma_next) -> torch.Tensor:
        a, b = torch.as_tensor(sigma), torch.as_tensor(sigma_next)
        t0, t1, sign = (a, b, 1) if a < b else (b, a, -1)
        device, dtype = t0.device, t0.dtype
        q0, q1 = (t0.detach().cpu().float(), t1.detach().cpu().float()) if self.cpu else (t0, t1)
        w = self._query(q0, q1).to(device=device, dtype=dtype) * (self.sign * sign)
        return w / (b - a).abs().sqrt()


def brownian_noise_sampler(x: torch.Tensor, sigmas: torch.Tensor, seed: int | None, cpu: bool = True) -> NoiseSampler:
    """Brownian tree spanning the sampler's own sigma list (CPU tree, or x's device for the _gpu variants)."""
    return BrownianTreeNoiseSampler(x, sigmas[sigmas > 0].min(), sigmas.max(), seed, cpu=cpu)


NOISE_SOURCES: dict[str, Callable[[torch.Tensor, torch.Tensor, int | None], NoiseSampler | None]] = {
    "none": lambda x, sigmas, seed: None,
    "seeded": lambda x, sigmas, seed: seeded_noise_sampler(x, seed),
    "brownian": lambda x, sigmas, seed: brownian_noise_sampler(x, sigmas, seed, cpu=True),
    "brownian_gpu": lambda x, sigmas, seed: brownian_noise_sampler(x, sigmas, seed, cpu=False),
}
