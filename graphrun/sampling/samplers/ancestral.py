"""Ancestral / per-step-noise samplers using the seeded noise source (ComfyUI v0.3.64 k_diffusion/sampling.py)."""

from __future__ import annotations

import torch

from .registry import emit, get_ancestral_step, s_in, sampler, sigma_fn, t_fn, to_d


@sampler("euler_ancestral", noise="seeded")
def sample_euler_ancestral(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0, s_noise: float = 1.0):
    """Ancestral Euler (k-diffusion); NEW: x = D when sigma_down is 0, else fused Euler step + noise."""
    if model.model_sampling.is_flow:
        return _euler_ancestral_rf(model, x, sigmas, noise, callback, eta)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        if sigma_down == 0:
            x = denoised
        else:
            d = to_d(x, sigmas[i], denoised)
            x = x + d * (sigma_down - sigmas[i]) + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@sampler("dpm_2_ancestral", discard_penultimate=True, noise="seeded")
def sample_dpm_2_ancestral(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0, s_noise: float = 1.0):
    """Ancestral DPM-Solver-2 midpoint steps to sigma_down, then noise * sigma_up (k-diffusion)."""
    if model.model_sampling.is_flow:
        return _dpm_2_ancestral_rf(model, x, sigmas, noise, callback, eta)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        d = to_d(x, sigmas[i], denoised)
        if sigma_down == 0:
            x = x + d * (sigma_down - sigmas[i])
        else:
            sigma_mid = sigmas[i].log().lerp(sigma_down.log(), 0.5).exp()
            x_2 = x + d * (sigma_mid - sigmas[i])
            d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in(x)))
            x = x + d_2 * (sigma_down - sigmas[i])
            x = x + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@sampler("dpmpp_2s_ancestral", noise="seeded")
def sample_dpmpp_2s_ancestral(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0,
                              s_noise: float = 1.0):
    """Ancestral DPM-Solver++(2S), Lu et al. (2022)."""
    if model.model_sampling.is_flow:
        return _dpmpp_2s_ancestral_rf(model, x, sigmas, noise, callback, eta)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        if sigma_down == 0:
            x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(sigma_down)
            h = t_next - t
            s = t + 0.5 * h
            x_2 = (sigma_fn(s) / sigma_fn(t)) * x - (-h * 0.5).expm1() * denoised
            denoised_2 = model(x_2, sigma_fn(s) * s_in(x))
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised_2
        if sigmas[i + 1] > 0:
            x = x + noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


# ---- rectified-flow forms ComfyUI switches to for CONST models (k_diffusion `*_RF`) ----


def _rf_step(sigma, sigma_next, eta: float):
    """(sigma_down, alpha_next / alpha_down, renoise coefficient) of an RF ancestral step."""
    sigma_down = sigma_next * (1 + (sigma_next / sigma - 1) * eta)
    alpha_next, alpha_down = 1 - sigma_next, 1 - sigma_down
    renoise = (sigma_next**2 - sigma_down**2 * alpha_next**2 / alpha_down**2) ** 0.5
    return sigma_down, alpha_next / alpha_down, renoise


def _euler_ancestral_rf(model, x, sigmas, noise, callback, eta: float):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        sigma_down, ratio, renoise = _rf_step(sigmas[i], sigmas[i + 1], eta)
        down = sigma_down / sigmas[i]
        x = down * x + (1 - down) * denoised
        if eta > 0:
            x = ratio * x + noise(sigmas[i], sigmas[i + 1]) * renoise
    return x


def _dpm_2_ancestral_rf(model, x, sigmas, noise, callback, eta: float):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        sigma_down, ratio, renoise = _rf_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        d = to_d(x, sigmas[i], denoised)
        if sigma_down == 0:
            x = x + d * (sigma_down - sigmas[i])
        else:
            sigma_mid = sigmas[i].log().lerp(sigma_down.log(), 0.5).exp()
            x_2 = x + d * (sigma_mid - sigmas[i])
            d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in(x)))
            x = x + d_2 * (sigma_down - sigmas[i])
            x = ratio * x + noise(sigmas[i], sigmas[i + 1]) * renoise
    return x


def _dpmpp_2s_ancestral_rf(model, x, sigmas, noise, callback, eta: float):
    lambda_fn = lambda sg: ((1 - sg) / sg).log()  # noqa: E731 - ComfyUI's local forms, not logit()
    sigma_of = lambda lb: (lb.exp() + 1) ** -1  # noqa: E731
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        sigma_down, ratio, renoise = _rf_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i])
        else:
            if sigmas[i] == 1.0:
                sigma_s = 0.9999
            else:
                t_i, t_down = lambda_fn(sigmas[i]), lambda_fn(sigma_down)
                sigma_s = sigma_of(t_i + 0.5 * (t_down - t_i))
            r_s = sigma_s / sigmas[i]
            d_i = model(r_s * x + (1 - r_s) * denoised, sigma_s * s_in(x))
            r_down = sigma_down / sigmas[i]
            x = r_down * x + (1 - r_down) * d_i
        if sigmas[i + 1] > 0 and eta > 0:
            x = ratio * x + noise(sigmas[i], sigmas[i + 1]) * renoise
    return x


def _ddpm_step(x, sigma, sigma_prev, eps, noise):
    """One VP ancestral DDPM step in alphas_cumprod terms (ComfyUI `DDPMSampler_step`)."""
    ac = 1 / ((sigma * sigma) + 1)
    ac_prev = 1 / ((sigma_prev * sigma_prev) + 1)
    alpha = ac / ac_prev
    mu = (1.0 / alpha).sqrt() * (x - (1 - alpha) * eps / (1 - ac).sqrt())
    if sigma_prev > 0:
        mu += ((1 - alpha) * (1.0 - ac_prev) / (1.0 - ac)).sqrt() * noise(sigma, sigma_prev)
    return mu


@sampler("ddpm", noise="seeded")
def sample_ddpm(model, x, sigmas, *, noise=None, callback=None):
    """DDPM ancestral sampling run in VP space (ComfyUI `generic_step_sampler` + `DDPMSampler_step`)."""
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        x_vp, eps = x / torch.sqrt(1.0 + sigmas[i] ** 2.0), (x - denoised) / sigmas[i]
        x = _ddpm_step(x_vp, sigmas[i], sigmas[i + 1], eps, noise)
        if sigmas[i + 1] != 0:
            x *= torch.sqrt(1.0 + sigmas[i + 1] ** 2.0)
    return x


@sampler("lcm", noise="seeded")
def sample_lcm(model, x, sigmas, *, noise=None, callback=None):
    """Latent Consistency Model sampling: x = D, re-noised to the next sigma with fresh noise."""
    ms = model.model_sampling
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        x = denoised
        if sigmas[i + 1] > 0:
            x = ms.noise_scaling(sigmas[i + 1], noise(sigmas[i], sigmas[i + 1]), x)
    return x
