"""CFG++ samplers (Chung et al. 2024): step with the uncond prediction, add the guidance (ComfyUI v0.3.64).

They need `model.uncond_denoised` (the CFG denoiser always evaluates uncond for them, even at cfg 1).
"""

from __future__ import annotations

from .registry import emit, get_ancestral_step, s_in, sampler, sigma_fn, snr_fns, t_fn, to_d


def _euler_ancestral_cfg_pp(model, x, sigmas, noise, callback, eta: float, s_noise: float):
    """Euler (ancestral) CFG++ in the alpha/half-logSNR form (alpha = sigma*e^lambda, 1 for EPS up to rounding)."""
    lambda_fn = snr_fns(model)[0]
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        uncond = model.uncond_denoised
        emit(callback, i, x, denoised)
        if sigmas[i + 1] == 0:
            x = denoised
            continue
        alpha_s = sigmas[i] * lambda_fn(sigmas[i]).exp()
        alpha_t = sigmas[i + 1] * lambda_fn(sigmas[i + 1]).exp()
        d = to_d(x, sigmas[i], alpha_s * uncond)
        sigma_down, sigma_up = get_ancestral_step(sigmas[i] / alpha_s, sigmas[i + 1] / alpha_t, eta)
        x = alpha_t * denoised + (alpha_t * sigma_down) * d
        if eta > 0 and s_noise > 0:
            x = x + alpha_t * noise(sigmas[i], sigmas[i + 1]) * s_noise * sigma_up
    return x


@sampler("euler_cfg_pp", needs_uncond=True)
def sample_euler_cfg_pp(model, x, sigmas, *, noise=None, callback=None):
    """Euler CFG++ (eta 0)."""
    return _euler_ancestral_cfg_pp(model, x, sigmas, noise, callback, eta=0.0, s_noise=0.0)


@sampler("euler_ancestral_cfg_pp", noise="seeded", needs_uncond=True)
def sample_euler_ancestral_cfg_pp(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0,
                                  s_noise: float = 1.0):
    """Ancestral Euler CFG++ (eta 1 unless set by SamplerEulerAncestralCFGPP)."""
    return _euler_ancestral_cfg_pp(model, x, sigmas, noise, callback, eta=eta, s_noise=s_noise)


@sampler("dpmpp_2s_ancestral_cfg_pp", noise="seeded", needs_uncond=True)
def sample_dpmpp_2s_ancestral_cfg_pp(model, x, sigmas, *, noise=None, callback=None, eta: float = 1.0):
    """Ancestral DPM-Solver++(2S) CFG++: stages start from x + (D - D_uncond) (ComfyUI v0.3.64 form)."""
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        uncond = model.uncond_denoised
        sigma_down, sigma_up = get_ancestral_step(sigmas[i], sigmas[i + 1], eta)
        emit(callback, i, x, denoised)
        if sigma_down == 0:
            x = denoised + to_d(x, sigmas[i], uncond) * sigma_down
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(sigma_down)
            h = t_next - t
            s = t + 0.5 * h
            x_2 = (sigma_fn(s) / sigma_fn(t)) * (x + (denoised - uncond)) - (-h * 0.5).expm1() * denoised
            denoised_2 = model(x_2, sigma_fn(s) * s_in(x))
            # the uncond read here is the midpoint call's (ComfyUI reads its post-cfg slot after that call)
            x = (sigma_fn(t_next) / sigma_fn(t)) * (x + (denoised - model.uncond_denoised)) - (-h).expm1() * denoised_2
        if sigmas[i + 1] > 0:
            x = x + noise(sigmas[i], sigmas[i + 1]) * sigma_up
    return x


@sampler("dpmpp_2m_cfg_pp", needs_uncond=True)
def sample_dpmpp_2m_cfg_pp(model, x, sigmas, *, noise=None, callback=None):
    """DPM-Solver++(2M) CFG++."""
    old_uncond = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i] * s_in(x))
        uncond = model.uncond_denoised
        emit(callback, i, x, denoised)
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old_uncond is None or sigmas[i + 1] == 0:
            mix = -(-h).exp() * uncond
        else:
            r = (t - t_fn(sigmas[i - 1])) / h
            mix = -(-h).exp() * uncond - (-h).expm1() * (1 / (2 * r)) * (denoised - old_uncond)
        x = denoised + mix + (-h).exp() * x
        old_uncond = uncond
    return x
