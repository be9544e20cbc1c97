"""An independent re-derivation of ComfyUI v0.3.64's KSampler sigma lists (spec comfy-semantics B.1, C.2, C.4, D.2).

Written from the spec only, sharing no code with graphrun.sampling, so tests can check graphrun's conversions
against it (and it is itself checked against ../shared/parity/sigmas.json, which ComfyUI produced).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy.stats
import torch

DISCARD_PENULTIMATE = frozenset({"dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"})
SCHEDULERS = ("simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
              "linear_quadratic", "kl_optimal")


def _table() -> tuple[torch.Tensor, torch.Tensor]:
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    ac = torch.cumprod(1.0 - betas, dim=0)
    s64 = ((1 - ac) / ac) ** 0.5
    return s64.float(), s64.log().float()


SIGMAS, LOG_SIGMAS = _table()
SMIN, SMAX = SIGMAS[0], SIGMAS[-1]


def _t(sigma: torch.Tensor) -> torch.Tensor:
    return (sigma.log() - LOG_SIGMAS[:, None]).abs().argmin(dim=0).view(sigma.shape)


def _sigma(t: torch.Tensor) -> torch.Tensor:
    t = torch.clamp(t.float(), 0, 999)
    lo, hi, w = t.floor().long(), t.ceil().long(), t.frac()
    return ((1 - w) * LOG_SIGMAS[lo] + w * LOG_SIGMAS[hi]).exp()


def _uniform(n: int, sgm: bool) -> torch.Tensor:
    ts = torch.linspace(_t(SMAX), _t(SMIN), n + 1)[:-1] if sgm else torch.linspace(_t(SMAX), _t(SMIN), n)
    return torch.FloatTensor([float(_sigma(t)) for t in ts] + [0.0])


def _karras(n: int) -> torch.Tensor:
    lo, hi = float(SMIN) ** (1 / 7), float(SMAX) ** (1 / 7)
    ramp = torch.linspace(0, 1, n)
    return torch.cat([(hi + ramp * (lo - hi)) ** 7, torch.zeros(1)])


def _exponential(n: int) -> torch.Tensor:
    return torch.cat([torch.linspace(math.log(float(SMAX)), math.log(float(SMIN)), n).exp(), torch.zeros(1)])


def _simple(n: int) -> torch.Tensor:
    ss = 1000 / n
    return torch.FloatTensor([float(SIGMAS[-(1 + int(k * ss))]) for k in range(n)] + [0.0])


def _ddim_uniform(n: int) -> torch.Tensor:
    ss = max(1000 // n, 1)
    return torch.FloatTensor([float(SIGMAS[i]) for i in range(1, 1000, ss)][::-1] + [0.0])


def _beta(n: int) -> torch.Tensor:
    ts = np.rint(scipy.stats.beta.ppf(1 - np.linspace(0, 1, n, endpoint=False), 0.6, 0.6) * 999)
    out, last = [], -1
    for t in ts:
        if t != last:
            out.append(float(SIGMAS[int(t)]))
        last = t
    return torch.FloatTensor(out + [0.0])


def _linear_quadratic(n: int) -> torch.Tensor:
    if n == 1:
        sched = [1.0, 0.0]
    else:
        lin_n, thr = n // 2, 0.025
        quad_n, diff = n - lin_n, lin_n - thr * n
        qc = diff / (lin_n * quad_n ** 2)
        lc = thr / lin_n - 2 * diff / quad_n ** 2
        c = qc * lin_n ** 2
        vals = [i * thr / lin_n for i in range(lin_n)] + [qc * i * i + lc * i + c for i in range(lin_n, n)] + [1.0]
        sched = [1.0 - v for v in vals]
    return torch.FloatTensor(sched) * SMAX


def _kl_optimal(n: int) -> torch.Tensor:
    a = torch.arange(n, dtype=torch.float).div_(n - 1)
    out = a.new_zeros(n + 1)
    out[:-1] = (a * math.atan(float(SMIN)) + (1 - a) * math.atan(float(SMAX))).tan_()
    return out


_FNS = {"simple": _simple, "sgm_uniform": lambda n: _uniform(n, True), "karras": _karras,
        "exponential": _exponential, "ddim_uniform": _ddim_uniform, "beta": _beta,
        "normal": lambda n: _uniform(n, False), "linear_quadratic": _linear_quadratic, "kl_optimal": _kl_optimal}


@lru_cache(maxsize=4096)
def calc(scheduler: str, sampler: str, n: int) -> torch.Tensor:
    """Scheduler sigmas for n steps with the discard-penultimate rule (spec C.4)."""
    if sampler in DISCARD_PENULTIMATE:
        s = _FNS[scheduler](n + 1)
        return torch.cat([s[:-2], s[-1:]])
    return _FNS[scheduler](n)


def ksampler(scheduler, sampler, steps, denoise, start=None, last=None, force_full=False) -> torch.Tensor | None:
    """KSampler.set_steps + sample slicing (spec D.2); None when the node returns its input latent."""
    if denoise > 0.9999:
        s = calc(scheduler, sampler, steps).clone()
    elif denoise <= 0.0:
        return None
    else:
        s = calc(scheduler, sampler, int(steps / denoise))[-(steps + 1):].clone()
    if last is not None and last < len(s) - 1:
        s = s[:last + 1].clone()
        if force_full:
            s[-1] = 0
    if start is not None:
        if start < len(s) - 1:
            s = s[start:]
        else:
            return None
    return s


class ReferenceOracle:
    """The SigmaOracle protocol on this re-derivation."""

    sigma_max = float(SMAX)

    def sigmas(self, scheduler, sampler, steps, denoise, start_step, last_step, force_full_denoise):
        return ksampler(scheduler, sampler, steps, denoise, start_step, last_step, force_full_denoise)
