"""Sigma schedules by ComfyUI scheduler name (comfy/samplers.py `SCHEDULER_HANDLERS`, v0.3.64 order).

Every scheduler is a pure function `(model_sampling, steps) -> float32 1-D tensor` (normally steps+1 entries
ending in 0). Register a new one with `@scheduler("name")`; registration order is the UI order.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy
import torch

SchedulerFn = Callable[[object, int], torch.Tensor]
SCHEDULERS: dict[str, SchedulerFn] = {}


def scheduler(name: str):
    """Register a scheduler function under its ComfyUI name."""

    def deco(fn: SchedulerFn) -> SchedulerFn:
        SCHEDULERS[name] = fn
        return fn

    return deco


def scheduler_names() -> list[str]:
    return list(SCHEDULERS)


def _append_zero(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x, x.new_zeros([1])])


def _normal(ms, steps: int, sgm: bool = False) -> torch.Tensor:
    start, end = ms.timestep(ms.sigma_max), ms.timestep(ms.sigma_min)
    append_zero = True
    if sgm:
        ts = torch.linspace(start, end, steps + 1)[:-1]
    else:
        if math.isclose(float(ms.sigma(end)), 0, abs_tol=0.00001):  # zero-terminal-SNR tables
            steps += 1
            append_zero = False
        ts = torch.linspace(start, end, steps)
    sigs = [float(ms.sigma(t)) for t in ts]
    return torch.FloatTensor(sigs + [0.0] if append_zero else sigs)


@scheduler("simple")
def simple(ms, steps: int) -> torch.Tensor:
    """Every (1000/steps)-th table sigma from the top: ComfyUI `simple_scheduler`."""
    ss = len(ms.sigmas) / steps
    return torch.FloatTensor([float(ms.sigmas[-(1 + int(x * ss))]) for x in range(steps)] + [0.0])


@scheduler("sgm_uniform")
def sgm_uniform(ms, steps: int) -> torch.Tensor:
    """`normal` over steps+1 timesteps minus the last: ComfyUI `normal_scheduler(sgm=True)`."""
    return _normal(ms, steps, sgm=True)


def karras_sigmas(n: int, sigma_min: float, sigma_max: float, rho: float = 7.0) -> torch.Tensor:
    """Karras et al. (2022) rho ramp from sigma_max to sigma_min, then 0 (k-diffusion `get_sigmas_karras`)."""
    ramp = torch.linspace(0, 1, n)
    min_inv, max_inv = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return _append_zero((max_inv + ramp * (min_inv - max_inv)) ** rho)


def exponential_sigmas(n: int, sigma_min: float, sigma_max: float) -> torch.Tensor:
    """Log-uniform sigmas, then 0 (k-diffusion `get_sigmas_exponential`)."""
    return _append_zero(torch.linspace(math.log(sigma_max), math.log(sigma_min), n).exp())


def polyexponential_sigmas(n: int, sigma_min: float, sigma_max: float, rho: float = 1.0) -> torch.Tensor:
    """Polynomial in log sigma, then 0 (k-diffusion `get_sigmas_polyexponential`)."""
    ramp = torch.linspace(1, 0, n) ** rho
    return _append_zero(torch.exp(ramp * (math.log(sigma_max) - math.log(sigma_min)) + math.log(sigma_min)))


@scheduler("karras")
def karras(ms, steps: int, rho: float = 7.0) -> torch.Tensor:
    """Karras et al. (2022) rho=7 ramp between the table's min and max sigma (k-diffusion `get_sigmas_karras`)."""
    return karras_sigmas(steps, float(ms.sigma_min), float(ms.sigma_max), rho)


@scheduler("exponential")
def exponential(ms, steps: int) -> torch.Tensor:
    """Log-uniform sigmas (k-diffusion `get_sigmas_exponential`)."""
    return exponential_sigmas(steps, float(ms.sigma_min), float(ms.sigma_max))


@scheduler("ddim_uniform")
def ddim_uniform(ms, steps: int) -> torch.Tensor:
    """Table sigmas 1, 1+ss, 1+2ss, ... reversed, with a leading-zero seed: ComfyUI `ddim_scheduler`."""
    ss = max(len(ms.sigmas) // steps, 1)
    x = 1
    sigs = [] if math.isclose(float(ms.sigmas[x]), 0, abs_tol=0.00001) else [0.0]
    while x < len(ms.sigmas):
        sigs.append(float(ms.sigmas[x]))
        x += ss
    return torch.FloatTensor(sigs[::-1])


@scheduler("beta")
def beta(ms, steps: int, alpha: float = 0.6, beta_: float = 0.6) -> torch.Tensor:
    """Beta(0.6, 0.6) quantile timesteps, consecutive duplicates dropped: ComfyUI `beta_scheduler`."""
    import scipy.stats  # only this scheduler needs scipy (a ~1 s import): keep it off every other path

    total = len(ms.sigmas) - 1
    ts = 1 - numpy.linspace(0, 1, steps, endpoint=False)
    ts = numpy.rint(scipy.stats.beta.ppf(ts, alpha, beta_) * total)
    sigs, last_t = [], -1
    for t in ts:
        if t != last_t:
            sigs.append(float(ms.sigmas[int(t)]))
        last_t = t
    return torch.FloatTensor(sigs + [0.0])


@scheduler("normal")
def normal(ms, steps: int) -> torch.Tensor:
    """Uniform integer-timestep linspace 999..0 mapped through log-interpolated sigma: ComfyUI `normal_scheduler`."""
    return _normal(ms, steps)


@scheduler("linear_quadratic")
def linear_quadratic(ms, steps: int, threshold_noise: float = 0.025) -> torch.Tensor:
    """Linear then quadratic ramp scaled by sigma_max: ComfyUI `linear_quadratic_schedule` (from Mochi)."""
    if steps == 1:
        sched = [1.0, 0.0]
    else:
        lin = steps // 2
        lin_sched = [i * threshold_noise / lin for i in range(lin)]
        diff = lin - threshold_noise * steps
        quad = steps - lin
        qc = diff / (lin * quad**2)
        lc = threshold_noise / lin - 2 * diff / (quad**2)
        const = qc * (lin**2)
        quad_sched = [qc * (i**2) + lc * i + const for i in range(lin, steps)]
        sched = [1.0 - x for x in lin_sched + quad_sched + [1.0]]
    return torch.FloatTensor(sched) * ms.sigma_max.cpu()


@scheduler("kl_optimal")
def kl_optimal(ms, steps: int) -> torch.Tensor:
    """tan of a linear ramp in atan(sigma) (AYS paper): ComfyUI `kl_optimal_scheduler` (steps=1 gives NaN)."""
    idx = torch.arange(steps, dtype=torch.float).div_(steps - 1)
    sigmas = idx.new_zeros(steps + 1)
    lo, hi = float(ms.sigma_min), float(ms.sigma_max)
    sigmas[:-1] = (idx * math.atan(lo) + (1 - idx) * math.atan(hi)).tan_()
    return sigmas


def sd_turbo_sigmas(ms, steps: int, denoise: float) -> torch.Tensor:
    """SDTurboScheduler: `steps` of the timesteps 999, 899, ..., 99 starting 10 - int(10 * denoise) in, then 0."""
    start = 10 - int(10 * denoise)
    timesteps = torch.flip(torch.arange(1, 11) * 100 - 1, (0,))[start:start + steps]
    sigmas = ms.sigma(timesteps)
    return torch.cat([sigmas, sigmas.new_zeros([1])])
