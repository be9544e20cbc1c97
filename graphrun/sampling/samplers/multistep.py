"""Multistep samplers with optional CFG++ variants: DEIS, RES multistep, gradient estimation (ComfyUI v0.3.64)."""

from __future__ import annotations

import torch

from .registry import emit, get_ancestral_step, s_in, sampler, sigma_fn, t_fn, to_d


def _edm_to_vp_t(sigmas: torch.Tensor, eps_s: float = 1e-3, sigma_min: float = 0.002, sigma_max: float = 80.0):
    """Map sigmas to VP time with DEIS's fixed EDM constants (zju-pi `edm2t`); returns (t, beta_0, beta_1)."""
    lo, hi = torch.tensor(sigma_min), torch.tensor(sigma_max)
    beta_d = 2 * ((lo**2 + 1).log() / eps_s - (hi**2 + 1).log()) / (eps_s - 1)
    beta_min = (hi**2 + 1).log() - 0.5 * beta_d
    t = ((beta_min**2 + 2 * beta_d * (sigmas.detach().cpu() ** 2 + 1).log()).sqrt() - beta_min) / beta_d
    return t, beta_min, beta_d + beta_min


def _deis_integrand(beta_0, beta_1, taus):
    """-0.5 dlog(alpha)/dtau / sqrt(alpha (1 - alpha)), derivative by autograd as in the reference."""
    with torch.inference_mode(False), torch.enable_grad():
        taus = taus.clone().requires_grad_(True)
        alpha = torch.exp(-0.5 * taus**2 * (beta_1.clone() - beta_0.clone()) - taus * beta_0.clone())
        alpha.log().sum().backward()
        grad = taus.grad
    return (-0.5 * grad / torch.sqrt(alpha * (1 - alpha))).detach()


def deis_coefficients(sigmas: torch.Tensor, max_order: int, n: int = 10000) -> list[list[torch.Tensor]]:
    """DEIS 'tab' coefficients: Lagrange basis x integrand, Riemann sum over n points (zju-pi `get_deis_coeff_list`)."""
    t_steps, beta_0, beta_1 = _edm_to_vp_t(sigmas)
    coeffs = []
    for i, (t_cur, t_next) in enumerate(zip(t_steps[:-1], t_steps[1:])):
        order = min(i + 1, max_order)
        if order == 1:
            coeffs.append([])
            continue
        taus = torch.linspace(t_cur, t_next, n)
        dtau = (t_next - t_cur) / n
        prev_t = t_steps[[i - k for k in range(order)]]
        integrand = _deis_integrand(beta_0, beta_1, taus)
        row = []
        for j in range(order):
            poly = 1
            for k in range(order):
                if k != j:
                    poly *= (taus - prev_t[k]) / (prev_t[j] - prev_t[k])
            row.append(torch.sum(integrand * poly) * dtau)
        coeffs.append(row)
    return coeffs


@sampler("deis")
def sample_deis(model, x, sigmas, *, noise=None, callback=None, max_order: int = 3):
    """DEIS multistep (Zhang & Chen 2022), 'tab' mode, order 3; Euler on the step to 0."""
    coeffs = deis_coefficients(sigmas, max_order)
    buf = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, t_cur * s_in(x))
        emit(callback, i, x, denoised)
        d = (x - denoised) / t_cur
        order = 1 if t_next <= 0 else min(max_order, i + 1)
        if order == 1:
            x_next = x + (t_next - t_cur) * d
        else:
            c = coeffs[i]
            x_next = x + c[0] * d
            for k in range(1, order):
                x_next = x_next + c[k] * buf[-k]
        buf = (buf + [d])[-(max_order - 1):]
        x = x_next
    return x


def _res_multistep(model, x, sigmas, noise, callback, eta: float, cfg_pp: bool):
    """RES 2nd-order exponential multistep (arXiv 2308.02157), ancestral when eta > 0 (ComfyUI `res_multistep`)."""
    phi1 = lambda t: torch.expm1(t) / t  # noqa: E731
    phi2 = lambda t: (phi1(t) - 1.0) / t  # noqa: E731
    old_sigma_down = old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        uncond = model.uncond_denoised if cfg_pp else None
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        if sigma_down == 0 or old_denoised is None:
            if cfg_pp:
                x = denoised + to_d(x, sigmas[i], uncond) * sigma_down
            else:
                x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            t, t_old, t_next, t_prev = t_fn(sigmas[i]), t_fn(old_sigma_down), t_fn(sigma_down), t_fn(sigmas[i - 1])
            h = t_next - t
            c2 = (t_prev - t_old) / h
            p1, p2 = phi1(-h), phi2(-h)
            b1 = torch.nan_to_num(p1 - p2 / c2, nan=0.0)
            b2 = torch.nan_to_num(p2 / c2, nan=0.0)
            if cfg_pp:
                x = x + (denoised - uncond)
                x = sigma_fn(h) * x + h * (b1 * uncond + b2 * old_denoised)
            else:
                x = sigma_fn(h) * x + h * (b1 * denoised + b2 * old_denoised)
        if sigmas[i + 1] > 0 and eta:
            x = x + noise(sigmas[i], sigmas[i + 1]) * sigma_up
        old_denoised = uncond if cfg_pp else denoised
        old_sigma_down = sigma_down
    return x


@sampler("res_multistep")  # eta 0: noise x 0, not drawn
def sample_res_multistep(model, x, sigmas, *, noise=None, callback=None):
    """RES multistep, eta 0."""
    return _res_multistep(model, x, sigmas, noise, callback, eta=0.0, cfg_pp=False)


@sampler("res_multistep_cfg_pp", needs_uncond=True)
def sample_res_multistep_cfg_pp(model, x, sigmas, *, noise=None, callback=None):
    """RES multistep with CFG++, eta 0."""
    return _res_multistep(model, x, sigmas, noise, callback, eta=0.0, cfg_pp=True)


@sampler("res_multistep_ancestral", noise="seeded")
def sample_res_multistep_ancestral(model, x, sigmas, *, noise=None, callback=None):
    """RES multistep, ancestral (eta 1)."""
    return _res_multistep(model, x, sigmas, noise, callback, eta=1.0, cfg_pp=False)


@sampler("res_multistep_ancestral_cfg_pp", noise="seeded", needs_uncond=True)
def sample_res_multistep_ancestral_cfg_pp(model, x, sigmas, *, noise=None, callback=None):
    """RES multistep, ancestral (eta 1), CFG++."""
    return _res_multistep(model, x, sigmas, noise, callback, eta=1.0, cfg_pp=True)


def _gradient_estimation(model, x, sigmas, callback, cfg_pp: bool, ge_gamma: float = 2.0):
    """Gradient-estimation sampler (Permenter & Yuan, openreview o2ND9v0CeK), gamma 2; step to 0 returns D."""
    old_d = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        d = to_d(x, sigmas[i], model.uncond_denoised if cfg_pp else denoised)
        emit(callback, i, x, denoised)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            x = denoised + d * sigmas[i + 1] if cfg_pp else x + d * dt
            if i >= 1:
                x = x + (ge_gamma - 1) * (d - old_d) * dt
        old_d = d
    return x


@sampler("gradient_estimation")
def sample_gradient_estimation(model, x, sigmas, *, noise=None, callback=None):
    """Gradient estimation (gamma 2)."""
    return _gradient_estimation(model, x, sigmas, callback, cfg_pp=False)


@sampler("gradient_estimation_cfg_pp", needs_uncond=True)
def sample_gradient_estimation_cfg_pp(model, x, sigmas, *, noise=None, callback=None):
    """Gradient estimation (gamma 2) with CFG++."""
    return _gradient_estimation(model, x, sigmas, callback, cfg_pp=True)
