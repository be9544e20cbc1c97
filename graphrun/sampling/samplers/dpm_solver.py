"""DPM-Solver fast / adaptive (Lu et al. 2022, arXiv 2206.00927), k-diffusion `DPMSolver`, as ComfyUI wraps them.

They integrate in t = -log(sigma) from sigmas[0] to the last non-zero sigma and ignore intermediate sigmas;
eta = 0: ComfyUI draws seeded noise and multiplies it by 0; skipped here (identical result), so noise "none".
"""

from __future__ import annotations

import math

import torch

from .registry import emit, get_ancestral_step, sampler


class _Solver:
    """Noise-prediction wrapper with a per-step eps cache; sigma(t) = e^-t."""

    def __init__(self, model):
        self.model = model

    @staticmethod
    def sigma(t):
        return t.neg().exp()

    def eps(self, cache: dict, key: str, x, t):
        if key not in cache:
            cache[key] = (x - self.model(x, self.sigma(t) * x.new_ones([x.shape[0]]))) / self.sigma(t)
        return cache[key]

    def step1(self, x, t, t_next, cache):
        h = t_next - t
        return x - self.sigma(t_next) * h.expm1() * self.eps(cache, "eps", x, t)

    def step2(self, x, t, t_next, cache, r1=1 / 2):
        h = t_next - t
        eps = self.eps(cache, "eps", x, t)
        s1 = t + r1 * h
        u1 = x - self.sigma(s1) * (r1 * h).expm1() * eps
        eps_r1 = self.eps(cache, "eps_r1", u1, s1)
        return x - self.sigma(t_next) * h.expm1() * eps - self.sigma(t_next) / (2 * r1) * h.expm1() * (eps_r1 - eps)

    def step3(self, x, t, t_next, cache, r1=1 / 3, r2=2 / 3):
        h = t_next - t
        eps = self.eps(cache, "eps", x, t)
        s1, s2 = t + r1 * h, t + r2 * h
        u1 = x - self.sigma(s1) * (r1 * h).expm1() * eps
        eps_r1 = self.eps(cache, "eps_r1", u1, s1)
        u2 = (
            x
            - self.sigma(s2) * (r2 * h).expm1() * eps
            - self.sigma(s2) * (r2 / r1) * ((r2 * h).expm1() / (r2 * h) - 1) * (eps_r1 - eps)
        )
        eps_r2 = self.eps(cache, "eps_r2", u2, s2)
        return x - self.sigma(t_next) * h.expm1() * eps - self.sigma(t_next) / r2 * (h.expm1() / h - 1) * (eps_r2 - eps)


def _t_range(sigmas):
    """(t_start, t_end) = -log of sigmas[0] and of the last non-zero sigma (ComfyUI's dpm_fast/adaptive wrapper)."""
    sigma_min = sigmas[-1] if sigmas[-1] != 0 else sigmas[-2]
    return sigmas[0].clone().log().neg(), sigma_min.clone().log().neg()


@sampler("dpm_fast")
def sample_dpm_fast(model, x, sigmas, *, noise=None, callback=None):
    """DPM-Solver-fast: len(sigmas)-1 evaluations on uniform t steps of orders 3..3,(2,1 | nfe%3)."""
    if len(sigmas) <= 1:
        return x
    solver, (t_start, t_end), nfe = _Solver(model), _t_range(sigmas), len(sigmas) - 1
    m = math.floor(nfe / 3) + 1
    ts = torch.linspace(t_start, t_end, m + 1, device=x.device)
    orders = [3] * (m - 2) + [2, 1] if nfe % 3 == 0 else [3] * (m - 1) + [nfe % 3]
    for i, order in enumerate(orders):
        cache: dict = {}
        t, t_next = ts[i], ts[i + 1]
        eps = solver.eps(cache, "eps", x, t)
        emit(callback, i, x, x - solver.sigma(t) * eps)
        x = (solver.step1, solver.step2, solver.step3)[order - 1](x, t, t_next, cache)
    return x


class _PID:
    """PID step-size controller (k-diffusion `PIDStepSizeController`)."""

    def __init__(self, h, pcoeff, icoeff, dcoeff, order, accept_safety=0.81, eps=1e-8):
        self.h = h
        self.b1 = (pcoeff + icoeff + dcoeff) / order
        self.b2 = -(pcoeff + 2 * dcoeff) / order
        self.b3 = dcoeff / order
        self.accept_safety, self.eps, self.errs = accept_safety, eps, []

    def propose_step(self, error) -> bool:
        inv = 1 / (float(error) + self.eps)
        if not self.errs:
            self.errs = [inv, inv, inv]
        self.errs[0] = inv
        factor = self.errs[0] ** self.b1 * self.errs[1] ** self.b2 * self.errs[2] ** self.b3
        factor = 1 + math.atan(factor - 1)
        accept = factor >= self.accept_safety
        if accept:
            self.errs[2], self.errs[1] = self.errs[1], self.errs[0]
        self.h *= factor
        return accept


@sampler("dpm_adaptive")
def sample_dpm_adaptive(model, x, sigmas, *, noise=None, callback=None, order=3, rtol=0.05, atol=0.0078, h_init=0.05,
                        pcoeff=0.0, icoeff=1.0, dcoeff=0.0, accept_safety=0.81, eta=0.0, s_noise=1.0):
    """DPM-Solver-12 / 23 adaptive with a PID step controller; callback after every attempt. With eta > 0 each
    accepted step stops at the ancestral sigma_down and adds s_noise * sigma_up of seeded noise (SamplerDPMAdaptative)."""
    if order not in (2, 3):
        raise ValueError(f"order should be 2 or 3, got {order}")
    if len(sigmas) <= 1:
        return x
    solver, (s, t_end) = _Solver(model), _t_range(sigmas)
    atol_t, rtol_t = torch.tensor(atol), torch.tensor(rtol)
    x_prev, pid, steps = x, _PID(abs(h_init), pcoeff, icoeff, dcoeff, 1.5 if eta else order, accept_safety), 0
    while s < t_end - 1e-5:
        cache: dict = {}
        t = torch.minimum(t_end, s + pid.h)
        if eta:
            sd, _ = get_ancestral_step(solver.sigma(s), solver.sigma(t), eta)
            t_ = torch.minimum(t_end, sd.log().neg())
            su = (solver.sigma(t) ** 2 - solver.sigma(t_) ** 2) ** 0.5
        else:
            t_, su = t, 0.0
        eps = solver.eps(cache, "eps", x, s)
        denoised = x - solver.sigma(s) * eps
        if order == 2:
            x_low, x_high = solver.step1(x, s, t_, cache), solver.step2(x, s, t_, cache)
        else:
            x_low, x_high = solver.step2(x, s, t_, cache, r1=1 / 3), solver.step3(x, s, t_, cache)
        delta = torch.maximum(atol_t, rtol_t * torch.maximum(x_low.abs(), x_prev.abs()))
        error = torch.linalg.norm((x_low - x_high) / delta) / x.numel() ** 0.5
        if pid.propose_step(error):
            x_prev, x = x_low, x_high
            if eta:  # with eta 0 ComfyUI adds 0 * noise: the same x
                x = x_high + su * s_noise * noise(solver.sigma(s), solver.sigma(t))
            s = t
        steps += 1
        emit(callback, steps - 1, x, denoised)
    return x
