"""SA-Solver: stochastic Adams predictor-corrector (Xue et al., NeurIPS 2023, arXiv 2309.05019), ComfyUI v0.3.64."""

from __future__ import annotations

import math

import torch

from .registry import emit, s_in, sampler, snr_fns, snr_sigmas


def _exponential_coeffs(s, t, order: int, tau: float) -> torch.Tensor:
    """(1+tau^2) * int_s^t e^((1+tau^2)x) x^p dx for p < order, e^((1+tau^2)t) factored out (by parts)."""
    tau_mul = 1 + tau**2
    h = t - s
    p = torch.arange(order, dtype=s.dtype, device=s.device)
    product_terms = t**p - s**p * (-tau_mul * h).exp()
    depth = p.unsqueeze(1) - p.unsqueeze(0)
    log_fact = (p + 1).lgamma()
    coeff = log_fact.unsqueeze(1) - log_fact.unsqueeze(0)
    if tau > 0:
        coeff = coeff - depth * math.log(tau_mul)
    signs = torch.where(depth % 2 == 0, 1.0, -1.0)
    return (coeff.exp() * signs).tril() @ product_terms


def _simple_b_coeffs(sigma_next, lambdas, lambda_s, lambda_t, tau: float, corrector: bool) -> torch.Tensor:
    """The simplified order-2 coefficients (paper appendix D), used when simple_order_2 is set."""
    tau_mul = 1 + tau**2
    h = lambda_t - lambda_s
    alpha_t = sigma_next * lambda_t.exp()
    if corrector:
        b_1 = alpha_t * (0.5 * tau_mul * h)
        b_2 = alpha_t * (-h * tau_mul).expm1().neg() - b_1
    else:
        b_2 = alpha_t * (0.5 * tau_mul * h**2) / (lambdas[-2] - lambda_s)
        b_1 = alpha_t * (-h * tau_mul).expm1().neg() - b_2
    return torch.stack([b_2, b_1])


def _b_coeffs(sigma_next, lambdas, lambda_s, lambda_t, tau: float, simple_order_2: bool = False,
              corrector: bool = False) -> torch.Tensor:
    """Lagrange-basis integrals b_i (eqs. 15/18) via a transposed Vandermonde solve, times alpha_t."""
    n = lambdas.shape[0]
    if simple_order_2 and n == 2:
        return _simple_b_coeffs(sigma_next, lambdas, lambda_s, lambda_t, tau, corrector)
    vandermonde_t = torch.vander(lambdas, n, increasing=True).T
    integrals = torch.linalg.solve(vandermonde_t, _exponential_coeffs(lambda_s, lambda_t, n, tau))
    return sigma_next * lambda_t.exp() * integrals


def tau_interval(start_sigma: float, end_sigma: float, eta: float = 1.0):
    """tau(sigma) = eta inside [end_sigma, start_sigma], else 0 (0 everywhere when eta <= 0): the SDE interval."""
    return lambda sg: 0.0 if eta <= 0 else (eta if start_sigma >= float(sg) >= end_sigma else 0.0)


def _sa_solver(model, x, sigmas, noise, callback, use_pece: bool, predictor_order=3, corrector_order=4,
               tau_func=None, s_noise: float = 1.0, simple_order_2: bool = False):
    """Predict with order<=3, correct with order<=4; tau = 1 for sigma in [sigma(80%), sigma(20%)], else 0."""
    if len(sigmas) <= 1:
        return x
    ms = model.model_sampling
    tau_fn = tau_func or tau_interval(ms.percent_to_sigma(0.2), ms.percent_to_sigma(0.8))
    sigmas = snr_sigmas(model, sigmas)
    lambdas = snr_fns(model)[0](sigmas)
    max_order = max(predictor_order, corrector_order)
    x_pred, h, tau, step_noise, preds = x, 0.0, 0.0, 0.0, []
    lower_to_end = sigmas[-1].item() == 0
    for i in range(len(sigmas) - 1):
        denoised = model(x_pred, sigmas[i] * s_in(x))
        emit(callback, i, x_pred, denoised)
        preds = (preds + [denoised])[-max_order:]
        p_order = min(predictor_order, len(preds))
        c_order = 0 if i == 0 or (sigmas[i + 1] == 0 and not use_pece) else min(corrector_order, len(preds))
        if lower_to_end:
            p_order = min(p_order, len(sigmas) - 2 - i)
            c_order = min(c_order, len(sigmas) - 1 - i)
        if c_order == 0:
            x = x_pred
        else:
            b = _b_coeffs(sigmas[i], lambdas[i - c_order + 1 : i + 1], lambdas[i - 1], lambdas[i], tau,
                          simple_order_2, corrector=True)
            corr = torch.tensordot(torch.stack(preds[-c_order:], dim=1), b, dims=([1], [0]))
            x = sigmas[i] / sigmas[i - 1] * (-(tau**2) * h).exp() * x + corr
            if tau > 0 and s_noise > 0:
                x = x + step_noise
            if use_pece:
                denoised = model(x, sigmas[i] * s_in(x))
                preds[-1] = denoised
        if sigmas[i + 1] == 0:
            x_pred = denoised
        else:
            tau = tau_fn(sigmas[i + 1])
            b = _b_coeffs(sigmas[i + 1], lambdas[i - p_order + 1 : i + 1], lambdas[i], lambdas[i + 1], tau,
                          simple_order_2, corrector=False)
            pred = torch.tensordot(torch.stack(preds[-p_order:], dim=1), b, dims=([1], [0]))
            h = lambdas[i + 1] - lambdas[i]
            x_pred = sigmas[i + 1] / sigmas[i] * (-(tau**2) * h).exp() * x + pred
            if tau > 0 and s_noise > 0:
                step_noise = (noise(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * tau**2 * h).expm1().neg().sqrt()
                              * s_noise)
                x_pred = x_pred + step_noise
    return x_pred


@sampler("sa_solver", noise="seeded")
def sample_sa_solver(model, x, sigmas, *, noise=None, callback=None, use_pece=False, **knobs):
    """SA-Solver, predictor order 3, corrector order 4 (PEC); SamplerSASolver sets the knobs."""
    return _sa_solver(model, x, sigmas, noise, callback, use_pece=use_pece, **knobs)


@sampler("sa_solver_pece", noise="seeded")
def sample_sa_solver_pece(model, x, sigmas, *, noise=None, callback=None, **knobs):
    """SA-Solver in PECE mode (re-evaluates the corrected state)."""
    return _sa_solver(model, x, sigmas, noise, callback, use_pece=True, **knobs)
