"""Deterministic ODE samplers (k-diffusion / ComfyUI v0.3.64 `comfy/k_diffusion/sampling.py`)."""

from __future__ import annotations

import torch

from .registry import emit, s_in, sampler, sigma_fn, t_fn, to_d


@sampler("euler")
@sampler("ddim")  # ComfyUI maps ddim to euler (its seed+1 inpaint noise only matters with a mask)
def sample_euler(model, x, sigmas, *, noise=None, callback=None):
    """Algorithm 2 (Euler steps) of Karras et al. (2022), s_churn = 0."""
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        d = to_d(x, sigmas[i], denoised)
        emit(callback, i, x, denoised)
        x = x + d * (sigmas[i + 1] - sigmas[i])
    return x


@sampler("heun")
def sample_heun(model, x, sigmas, *, noise=None, callback=None):
    """Algorithm 2 (Heun steps) of Karras et al. (2022); Euler on the step to 0."""
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        d = to_d(x, sigmas[i], denoised)
        emit(callback, i, x, denoised)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x_2 = x + d * dt
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1] * s_in(x)))
            x = x + (d + d_2) / 2 * dt
    return x


@sampler("heunpp2")
def sample_heunpp2(model, x, sigmas, *, noise=None, callback=None):
    """Heun++ (3-stage, sigma-weighted) from Carzit/sd-webui-samplers-scheduler, s_churn = 0."""
    s_end = sigmas[-1]
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        d = to_d(x, sigmas[i], denoised)
        emit(callback, i, x, denoised)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == s_end:
            x = x + d * dt
        elif sigmas[i + 2] == s_end:
            x_2 = x + d * dt
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1] * s_in(x)))
            w2 = sigmas[i + 1] / (2 * sigmas[0])
            x = x + (d * (1 - w2) + d_2 * w2) * dt
        else:
            x_2 = x + d * dt
            d_2 = to_d(x_2, sigmas[i + 1], model(x_2, sigmas[i + 1] * s_in(x)))
            x_3 = x_2 + d_2 * (sigmas[i + 2] - sigmas[i + 1])
            d_3 = to_d(x_3, sigmas[i + 2], model(x_3, sigmas[i + 2] * s_in(x)))
            w = 3 * sigmas[0]
            w2, w3 = sigmas[i + 1] / w, sigmas[i + 2] / w
            x = x + ((1 - w2 - w3) * d + w2 * d_2 + w3 * d_3) * dt
    return x


@sampler("dpm_2", discard_penultimate=True)
def sample_dpm_2(model, x, sigmas, *, noise=None, callback=None):
    """DPM-Solver-2-like midpoint steps in log sigma (k-diffusion `sample_dpm_2`)."""
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        d = to_d(x, sigmas[i], denoised)
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = x + d * (sigmas[i + 1] - sigmas[i])
        else:
            sigma_mid = sigmas[i].log().lerp(sigmas[i + 1].log(), 0.5).exp()
            x_2 = x + d * (sigma_mid - sigmas[i])
            d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in(x)))
            x = x + d_2 * (sigmas[i + 1] - sigmas[i])
    return x


def _lms_coeff(order: int, t, i: int, j: int) -> float:
    """Integral over [t_i, t_i+1] of the j-th Lagrange basis polynomial (scipy quad, epsrel 1e-4)."""
    from scipy import integrate  # only lms needs scipy (a ~1 s import)

    def fn(tau):
        prod = 1.0
        for k in range(order):
            if j != k:
                prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
        return prod

    return integrate.quad(fn, t[i], t[i + 1], epsrel=1e-4)[0]


@sampler("lms")
def sample_lms(model, x, sigmas, *, noise=None, callback=None, order: int = 4):
    """Linear multistep (order 4) on float32 CPU sigmas; NEW (v0.3.64): the step to 0 returns D."""
    sigmas_cpu = sigmas.detach().cpu().numpy()
    ds = []
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        ds = (ds + [to_d(x, sigmas[i], denoised)])[-order:]
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            cur = min(i + 1, order)
            coeffs = [_lms_coeff(cur, sigmas_cpu, i, j) for j in range(cur)]
            x = x + sum(c * d for c, d in zip(coeffs, reversed(ds)))
    return x


@sampler("dpmpp_2m")
def sample_dpmpp_2m(model, x, sigmas, *, noise=None, callback=None):
    """DPM-Solver++(2M), Lu et al. (2022)."""
    old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old_denoised is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised
        else:
            r = (t - t_fn(sigmas[i - 1])) / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised_d
        old_denoised = denoised
    return x


def _push(buffer: list, d, max_order: int) -> list:
    return (buffer + [d])[-(max_order - 1):]


@sampler("ipndm")
def sample_ipndm(model, x, sigmas, *, noise=None, callback=None, max_order: int = 4):
    """Improved PNDM (fixed Adams-Bashforth weights), zju-pi/diff-sampler; step to 0 returns D."""
    buf = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, t_cur * s_in(x))
        emit(callback, i, x, denoised)
        d = (x - denoised) / t_cur
        order = min(max_order, i + 1)
        if t_next == 0:
            x_next = denoised
        elif order == 1:
            x_next = x + (t_next - t_cur) * d
        elif order == 2:
            x_next = x + (t_next - t_cur) * (3 * d - buf[-1]) / 2
        elif order == 3:
            x_next = x + (t_next - t_cur) * (23 * d - 16 * buf[-1] + 5 * buf[-2]) / 12
        else:
            x_next = x + (t_next - t_cur) * (55 * d - 59 * buf[-1] + 37 * buf[-2] - 9 * buf[-3]) / 24
        buf = _push(buf, d, max_order)
        x = x_next
    return x


def _ipndm_v_coeffs(order: int, t, i: int):
    """Variable-step Adams-Bashforth weights from the actual sigma gaps (orders 2-4)."""
    h = t[i + 1] - t[i]
    h1 = t[i] - t[i - 1]
    if order == 2:
        return [(2 + h / h1) / 2, -(h / h1) / 2]
    h2 = t[i - 1] - t[i - 2]
    tmp1 = (1 - h / (3 * (h + h1)) * (h * (h + h1)) / (h1 * (h1 + h2))) / 2
    if order == 3:
        return [(2 + h / h1) / 2 + tmp1, -(h / h1) / 2 - (1 + h1 / h2) * tmp1, tmp1 * h1 / h2]
    h3 = t[i - 2] - t[i - 3]
    q = h1 * (h1 + h2) / (h2 * (h2 + h3))
    tmp2 = ((1 - h / (3 * (h + h1))) / 2 + (1 - h / (2 * (h + h1))) * h / (6 * (h + h1 + h2))) * (
        h * (h + h1) * (h + h1 + h2)
    ) / (h1 * (h1 + h2) * (h1 + h2 + h3))
    return [
        (2 + h / h1) / 2 + tmp1 + tmp2,
        -(h / h1) / 2 - (1 + h1 / h2) * tmp1 - (1 + (h1 / h2) + q) * tmp2,
        tmp1 * h1 / h2 + ((h1 / h2) + q * (1 + h2 / h3)) * tmp2,
        -tmp2 * q * h1 / h2,
    ]


@sampler("ipndm_v")
def sample_ipndm_v(model, x, sigmas, *, noise=None, callback=None, max_order: int = 4):
    """Improved PNDM with variable-step coefficients, zju-pi/diff-sampler; step to 0 returns D."""
    buf = []
    for i in range(len(sigmas) - 1):
        t_cur, t_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, t_cur * s_in(x))
        emit(callback, i, x, denoised)
        d = (x - denoised) / t_cur
        order = min(max_order, i + 1)
        if t_next == 0:
            x_next = denoised
        elif order == 1:
            x_next = x + (t_next - t_cur) * d
        else:
            c = _ipndm_v_coeffs(order, sigmas, i)
            acc = c[0] * d
            for k in range(1, order):
                acc = acc + c[k] * buf[-k]
            x_next = x + (t_next - t_cur) * acc
        buf = _push(buf, d, max_order)
        x = x_next
    return x
