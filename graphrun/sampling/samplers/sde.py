"""Stochastic solvers: DPM-Solver++ SDE family (Brownian tree), ER-SDE and SEEDS (seeded), ComfyUI v0.3.64.

lambda is the model sampling's half-log-SNR (-log sigma, or -logit sigma for flow) and alpha = sigma * e^lambda
(1 for EPS up to rounding, kept for bit parity); flow models get their first sigma offset below 1, as ComfyUI.
"""

from __future__ import annotations

import torch

from .registry import emit, get_ancestral_step, s_in, sampler, snr_fns, snr_sigmas


def _dpmpp_sde(model, x, sigmas, noise, callback, eta: float = 1.0, s_noise: float = 1.0, r: float = 0.5):
    """DPM-Solver++ (stochastic), 2 stages with midpoint r; step to 0 returns D."""
    if len(sigmas) <= 1:
        return x
    fac = 1 / (2 * r)
    t_fn, sigma_fn = snr_fns(model)
    sigmas = snr_sigmas(model, sigmas)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lam_s, lam_t = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = lam_t - lam_s
        lam_s1 = lam_s + r * h
        sigma_s1 = sigma_fn(lam_s1)
        alpha_s = sigmas[i] * lam_s.exp()
        alpha_s1 = sigma_s1 * lam_s1.exp()
        alpha_t = sigmas[i + 1] * lam_t.exp()
        # Step 1
        sd, su = get_ancestral_step(lam_s.neg().exp(), lam_s1.neg().exp(), eta)
        h_ = sd.log().neg() - lam_s
        x_2 = (alpha_s1 / alpha_s) * (-h_).exp() * x - alpha_s1 * (-h_).expm1() * denoised
        if eta > 0 and s_noise > 0:
            x_2 = x_2 + alpha_s1 * noise(sigmas[i], sigma_s1) * s_noise * su
        denoised_2 = model(x_2, sigma_s1 * s_in(x))
        # Step 2
        sd, su = get_ancestral_step(lam_s.neg().exp(), lam_t.neg().exp(), eta)
        h_ = sd.log().neg() - lam_s
        denoised_d = (1 - fac) * denoised + fac * denoised_2
        x = (alpha_t / alpha_s) * (-h_).exp() * x - alpha_t * (-h_).expm1() * denoised_d
        if eta > 0 and s_noise > 0:
            x = x + alpha_t * noise(sigmas[i], sigmas[i + 1]) * s_noise * su
    return x


@sampler("dpmpp_sde", noise="brownian")
def sample_dpmpp_sde(model, x, sigmas, *, noise=None, callback=None, eta=1.0, s_noise=1.0, r=0.5):
    """DPM-Solver++ SDE (Lu et al. 2022), Brownian tree on CPU."""
    return _dpmpp_sde(model, x, sigmas, noise, callback, eta, s_noise, r)


@sampler("dpmpp_sde_gpu", noise="brownian_gpu")
def sample_dpmpp_sde_gpu(model, x, sigmas, *, noise=None, callback=None, eta=1.0, s_noise=1.0, r=0.5):
    """DPM-Solver++ SDE, Brownian tree on the model device."""
    return _dpmpp_sde(model, x, sigmas, noise, callback, eta, s_noise, r)


def _dpmpp_multistep_sde(model, x, sigmas, noise, callback, solver: str, eta: float = 1.0, s_noise: float = 1.0):
    """DPM-Solver++(2M) SDE ('midpoint'/'heun') and (3M) SDE ('3m'); step to 0 returns D."""
    if len(sigmas) <= 1:
        return x
    d1 = d2 = None  # previous denoised values
    h = h1 = h2 = None
    t_fn, _ = snr_fns(model)
    sigmas = snr_sigmas(model, sigmas)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            lam_s, lam_t = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
            h = lam_t - lam_s
            h_eta = h * (eta + 1)
            alpha_t = sigmas[i + 1] * lam_t.exp()
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x + alpha_t * (-h_eta).expm1().neg() * denoised
            if solver == "3m" and h2 is not None:
                r0, r1 = h1 / h, h2 / h
                d1_0 = (denoised - d1) / r0
                d1_1 = (d1 - d2) / r1
                dd1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                dd2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + (alpha_t * phi_2) * dd1 - (alpha_t * phi_3) * dd2
            elif solver == "3m" and h1 is not None:
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                x = x + (alpha_t * phi_2) * ((denoised - d1) / (h1 / h))
            elif solver == "heun" and d1 is not None:
                x = x + alpha_t * ((-h_eta).expm1().neg() / (-h_eta) + 1) * (1 / (h1 / h)) * (denoised - d1)
            elif solver == "midpoint" and d1 is not None:
                x = x + 0.5 * alpha_t * (-h_eta).expm1().neg() * (1 / (h1 / h)) * (denoised - d1)
            if eta > 0 and s_noise > 0:
                x = x + noise(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * h * eta).expm1().neg().sqrt() * s_noise
        d1, d2 = denoised, d1
        h1, h2 = h, h1
    return x


def _register_multistep_sde(name: str, solver: str):
    for suffix, kind in (("", "brownian"), ("_gpu", "brownian_gpu")):

        def fn(model, x, sigmas, *, noise=None, callback=None, eta=1.0, s_noise=1.0, solver_type=solver):
            if solver_type not in ("midpoint", "heun", "3m"):
                raise ValueError(f"solver_type must be 'heun' or 'midpoint', got {solver_type!r}")
            return _dpmpp_multistep_sde(model, x, sigmas, noise, callback, solver_type, eta, s_noise)

        fn.__doc__ = f"DPM-Solver++ {name} ({solver}), Brownian tree on {'the model device' if suffix else 'CPU'}."
        sampler(name + suffix, noise=kind)(fn)


_register_multistep_sde("dpmpp_2m_sde", "midpoint")
_register_multistep_sde("dpmpp_2m_sde_heun", "heun")
_register_multistep_sde("dpmpp_3m_sde", "3m")


@sampler("er_sde", noise="seeded")
def sample_er_sde(model, x, sigmas, *, noise=None, callback=None, max_stage: int = 3, s_noise: float = 1.0,
                  noise_scaler=None):
    """VP ER-SDE-Solver-3 (Cui et al., arXiv 2309.06169), noise scaler x(e^(x^0.3) + 10), 200-point integrals.

    SamplerER_SDE sets `noise_scaler` (x^(eta+1) for its reverse-time SDE) and s_noise (0 for the ODE)."""
    scaler = noise_scaler or (lambda v: v * ((v**0.3).exp() + 10.0))
    n_points = 200.0
    idx = torch.arange(0, n_points, dtype=torch.float32, device=x.device)
    sigmas = snr_sigmas(model, sigmas)
    er_lambdas = snr_fns(model)[0](sigmas).neg().exp()  # sigma / alpha
    old_denoised = old_denoised_d = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        stage = min(max_stage, i + 1)
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            lam_s, lam_t = er_lambdas[i], er_lambdas[i + 1]
            alpha_s, alpha_t = sigmas[i] / lam_s, sigmas[i + 1] / lam_t
            r = scaler(lam_t) / scaler(lam_s)
            x = (alpha_t / alpha_s) * r * x + alpha_t * (1 - r) * denoised
            if stage >= 2:
                dt = lam_t - lam_s
                step = -dt / n_points
                pos = lam_t + idx * step
                scaled = scaler(pos)
                s = torch.sum(1 / scaled) * step
                denoised_d = (denoised - old_denoised) / (lam_s - er_lambdas[i - 1])
                x = x + alpha_t * (dt + s * scaler(lam_t)) * denoised_d
                if stage >= 3:
                    s_u = torch.sum((pos - lam_s) / scaled) * step
                    denoised_u = (denoised_d - old_denoised_d) / ((lam_s - er_lambdas[i - 2]) / 2)
                    x = x + alpha_t * ((dt**2) / 2 + s_u * scaler(lam_t)) * denoised_u
                old_denoised_d = denoised_d
            amp = (lam_t**2 - lam_s**2 * r**2).sqrt().nan_to_num(nan=0.0)
            if s_noise > 0:
                x = x + alpha_t * noise(sigmas[i], sigmas[i + 1]) * s_noise * amp
        old_denoised = denoised
    return x


def _phi1(h):
    return torch.expm1(h)


def _phi2(h):
    return (torch.expm1(h) - h) / h


@sampler("seeds_2", noise="seeded")
def sample_seeds_2(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0, r: float = 0.5):
    """SEEDS-2 (Gonzalez et al., NeurIPS 2023), VP data prediction, phi_1 solver."""
    fac = 1 / (2 * r)
    t_fn, sigma_fn = snr_fns(model)
    sigmas = snr_sigmas(model, sigmas)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lam_s, lam_t = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = lam_t - lam_s
        h_eta = h * (eta + 1)
        lam_s1 = torch.lerp(lam_s, lam_t, r)
        sigma_s1 = sigma_fn(lam_s1)
        alpha_s1 = sigma_s1 * lam_s1.exp()
        alpha_t = sigmas[i + 1] * lam_t.exp()
        x_2 = sigma_s1 / sigmas[i] * (-r * h * eta).exp() * x - alpha_s1 * _phi1(-r * h_eta) * denoised
        sde_noise = (-2 * r * h * eta).expm1().neg().sqrt() * noise(sigmas[i], sigma_s1)
        x_2 = x_2 + sde_noise * sigma_s1
        denoised_2 = model(x_2, sigma_s1 * s_in(x))
        denoised_d = torch.lerp(denoised, denoised_2, fac)
        x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x - alpha_t * _phi1(-h_eta) * denoised_d
        seg = (r - 1) * h * eta
        sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise(sigma_s1, sigmas[i + 1])
        x = x + sde_noise * sigmas[i + 1]
    return x


@sampler("seeds_3", noise="seeded")
def sample_seeds_3(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0, r_1=1.0 / 3, r_2=2.0 / 3):
    """SEEDS-3 (Gonzalez et al., NeurIPS 2023), VP data prediction, 3 stages."""
    t_fn, sigma_fn = snr_fns(model)
    sigmas = snr_sigmas(model, sigmas)
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        lam_s, lam_t = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = lam_t - lam_s
        h_eta = h * (eta + 1)
        lam_s1, lam_s2 = torch.lerp(lam_s, lam_t, r_1), torch.lerp(lam_s, lam_t, r_2)
        sigma_s1, sigma_s2 = sigma_fn(lam_s1), sigma_fn(lam_s2)
        alpha_s1, alpha_s2 = sigma_s1 * lam_s1.exp(), sigma_s2 * lam_s2.exp()
        alpha_t = sigmas[i + 1] * lam_t.exp()
        x_2 = sigma_s1 / sigmas[i] * (-r_1 * h * eta).exp() * x - alpha_s1 * _phi1(-r_1 * h_eta) * denoised
        sde_noise = (-2 * r_1 * h * eta).expm1().neg().sqrt() * noise(sigmas[i], sigma_s1)
        x_2 = x_2 + sde_noise * sigma_s1
        denoised_2 = model(x_2, sigma_s1 * s_in(x))
        a3_2 = r_2 / r_1 * _phi2(-r_2 * h_eta)
        a3_1 = _phi1(-r_2 * h_eta) - a3_2
        x_3 = sigma_s2 / sigmas[i] * (-r_2 * h * eta).exp() * x - alpha_s2 * (a3_1 * denoised + a3_2 * denoised_2)
        seg = (r_1 - r_2) * h * eta
        sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise(sigma_s1, sigma_s2)
        x_3 = x_3 + sde_noise * sigma_s2
        denoised_3 = model(x_3, sigma_s2 * s_in(x))
        b3 = _phi2(-h_eta) / r_2
        b1 = _phi1(-h_eta) - b3
        x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x - alpha_t * (b1 * denoised + b3 * denoised_3)
        seg = (r_2 - 1) * h * eta
        sde_noise = sde_noise * seg.exp() + seg.mul(2).expm1().neg().sqrt() * noise(sigma_s2, sigmas[i + 1])
        x = x + sde_noise * sigmas[i + 1]
    return x
