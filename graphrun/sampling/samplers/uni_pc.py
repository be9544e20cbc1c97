"""UniPC multistep predictor-corrector (Zhao et al. 2023), B(h) = h (bh1) or e^h - 1 (bh2), as ComfyUI v0.3.64
`comfy/extra_samplers/uni_pc.py::sample_unipc` runs it: VP space, data prediction, order min(3, len-2),
lower order at the end, corrector on every step but the last, final sigma 0 replaced by 0.001.
"""

from __future__ import annotations

import torch

from .registry import sampler


class _VP:
    """VP view of sigma (ComfyUI `SigmaConvert`): log alpha = 0.5 log(1/(sigma^2+1))."""

    @staticmethod
    def log_alpha(s):
        return 0.5 * torch.log(1 / ((s * s) + 1))

    def alpha(self, s):
        return torch.exp(self.log_alpha(s))

    def std(self, s):
        return torch.sqrt(1.0 - torch.exp(2.0 * self.log_alpha(s)))

    def lam(self, s):
        la = self.log_alpha(s)
        return la - 0.5 * torch.log(1.0 - torch.exp(2.0 * la))


def _bcast(v, ndim):
    return v[(...,) + (None,) * (ndim - 1)]


class _UniPC:
    def __init__(self, model, variant: str):
        self.model, self.variant, self.ns = model, variant, _VP()

    def data_pred(self, x, t):
        """x0 from the eps implied by the k-diffusion denoiser evaluated at x*sqrt(sigma^2+1)."""
        sigma = _bcast(t, x.ndim)
        inp = x * ((sigma**2 + 1.0) ** 0.5)
        eps = (inp - self.model(inp, t)) / sigma
        return (x - _bcast(self.ns.std(t), x.ndim) * eps) / _bcast(self.ns.alpha(t), x.ndim)

    def update(self, x, model_prev, t_prev, t, order: int, use_corrector: bool):
        """One UniP step (+ UniC when use_corrector); returns (x_t, model value at t or None)."""
        ns, nd = self.ns, x.ndim
        t_prev_0, model_prev_0 = t_prev[-1], model_prev[-1]
        lam_prev_0, lam_t = ns.lam(t_prev_0), ns.lam(t)
        sigma_prev_0, sigma_t = ns.std(t_prev_0), ns.std(t)
        alpha_t = torch.exp(ns.log_alpha(t))
        h = lam_t - lam_prev_0
        rks, d1s = [], []
        for i in range(1, order):
            rk = ((ns.lam(t_prev[-(i + 1)]) - lam_prev_0) / h)[0]
            rks.append(rk)
            d1s.append((model_prev[-(i + 1)] - model_prev_0) / rk)
        rks.append(1.0)
        rks = torch.tensor(rks, device=x.device)
        hh = -h[0]
        h_phi_1 = torch.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        b_h = hh if self.variant == "bh1" else torch.expm1(hh)
        R, b, fact = [], [], 1
        for i in range(1, order + 1):
            R.append(torch.pow(rks, i - 1))
            b.append(h_phi_k * fact / b_h)
            fact *= i + 1
            h_phi_k = h_phi_k / hh - 1 / fact
        R, b = torch.stack(R), torch.tensor(b, device=x.device)
        D1s = torch.stack(d1s, dim=1) if d1s else None
        x_t_ = _bcast(sigma_t / sigma_prev_0, nd) * x - _bcast(alpha_t * h_phi_1, nd) * model_prev_0
        if D1s is not None:
            rhos_p = torch.tensor([0.5], device=x.device) if order == 2 else torch.linalg.solve(R[:-1, :-1], b[:-1])
            pred_res = torch.tensordot(D1s, rhos_p, dims=([1], [0]))
        else:
            pred_res = 0
        x_t = x_t_ - _bcast(alpha_t * b_h, nd) * pred_res
        if not use_corrector:
            return x_t, None
        rhos_c = torch.tensor([0.5], device=x.device) if order == 1 else torch.linalg.solve(R, b)
        model_t = self.data_pred(x_t, t)
        corr_res = torch.tensordot(D1s, rhos_c[:-1], dims=([1], [0])) if D1s is not None else 0
        x_t = x_t_ - _bcast(alpha_t * b_h, nd) * (corr_res + rhos_c[-1] * (model_t - model_prev_0))
        return x_t, model_t

    def sample(self, x, ts, order: int, callback):
        steps = len(ts) - 1
        B = x.shape[0]
        for step_index in range(steps):
            if step_index == 0:
                vec_t = ts[0].expand(B)
                model_prev, t_prev = [self.data_pred(x, vec_t)], [vec_t]
            elif step_index < order:
                vec_t = ts[step_index].expand(B)
                x, model_x = self.update(x, model_prev, t_prev, vec_t, step_index, True)
                model_prev.append(model_x if model_x is not None else self.data_pred(x, vec_t))
                t_prev.append(vec_t)
            else:
                last = step_index + 1 + (1 if step_index == steps - 1 else 0)
                for step in range(step_index, last):
                    vec_t = ts[step].expand(B)
                    step_order = min(order, steps + 1 - step)
                    x, model_x = self.update(x, model_prev, t_prev, vec_t, step_order, step != steps)
                    for i in range(order - 1):
                        t_prev[i], model_prev[i] = t_prev[i + 1], model_prev[i + 1]
                    t_prev[-1] = vec_t
                    if step < steps:
                        model_prev[-1] = model_x if model_x is not None else self.data_pred(x, vec_t)
            if callback is not None:
                callback(step_index, x, model_prev[-1])
        return x


def _sample_unipc(model, x, sigmas, callback, variant: str):
    ts = sigmas.clone()
    if sigmas[-1] == 0:
        ts[-1] = 0.001
    x = x / torch.sqrt(1.0 + ts[0] ** 2.0)
    x = _UniPC(model, variant).sample(x, ts, min(3, len(ts) - 2), callback)
    return x / _VP().alpha(ts[-1])


@sampler("uni_pc", discard_penultimate=True)
def sample_uni_pc(model, x, sigmas, *, noise=None, callback=None):
    """UniPC bh1 (callback x is the VP-space state after each step, as in ComfyUI)."""
    return _sample_unipc(model, x, sigmas, callback, "bh1")


@sampler("uni_pc_bh2", discard_penultimate=True)
def sample_uni_pc_bh2(model, x, sigmas, *, noise=None, callback=None):
    """UniPC bh2."""
    return _sample_unipc(model, x, sigmas, callback, "bh2")
