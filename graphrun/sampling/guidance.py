"""Classifier-free guidance denoiser with ComfyUI v0.3.64 batching (comfy/samplers.py `sampling_function`,
`_calc_cond_batch`, `cfg_function`; comfy/conds.py `CONDCrossAttn`).

`CFGDenoiser(model, positive, negative, cfg)(x, sigma) -> D` where `model` exposes `.model_sampling`,
`.apply_model(x_in, t, context, **conds) -> output` (x_in already scaled by the model sampling), `.device` and
optionally `.model_conds(entry, prompt_type) -> {name: tensor}` (SDXL `y`, Flux `guidance`; ComfyUI
`extra_conds`), batched with the cross-attention like ComfyUI's CONDRegular.
"""

from __future__ import annotations

import math

import torch

from graphrun.values import CondEntry, Conditioning

from .cond_batch import calc_cond_batch, is_plain, pair_areas, prepare, spread_control

MAX_TILE_RATIO = 4  # contexts of different lengths share a batch only when lcm/min <= 4 (CONDCrossAttn.can_concat)


def single_entry(conditioning: Conditioning, what: str) -> CondEntry:
    """The entry of a single-entry CONDITIONING; several entries/areas are not supported."""
    if len(conditioning) == 0:
        raise ValueError(f"`{what}` conditioning is empty")
    if len(conditioning) > 1:
        raise NotImplementedError(
            f"`{what}` conditioning has {len(conditioning)} entries; combined/area conditioning is not supported "
            "(only one CLIPTextEncode output per input)"
        )
    return conditioning[0]


def cond_tensor(conditioning: Conditioning, what: str) -> torch.Tensor:
    """The cross-attention tensor of a single-entry CONDITIONING."""
    return single_entry(conditioning, what).cond


def _model_conds(model, entry: CondEntry, prompt_type: str) -> dict[str, torch.Tensor]:
    fn = getattr(model, "model_conds", None)
    return {} if fn is None else fn(entry, prompt_type)


def _repeat_to_batch(t: torch.Tensor, batch: int) -> torch.Tensor:
    """comfy/utils.py `repeat_to_batch_size`."""
    if t.shape[0] > batch:
        return t[:batch]
    if t.shape[0] < batch:
        return t.repeat([math.ceil(batch / t.shape[0])] + [1] * (t.ndim - 1))[:batch]
    return t


def _can_share_batch(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape == b.shape:
        return True
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[2]:
        return False
    return math.lcm(a.shape[1], b.shape[1]) // min(a.shape[1], b.shape[1]) <= MAX_TILE_RATIO


def _tile_tokens(ctxs: list[torch.Tensor]) -> list[torch.Tensor]:
    """Repeat shorter contexts along the token axis to the LCM length (no change to attention maths)."""
    length = math.lcm(*(c.shape[1] for c in ctxs))
    return [c.repeat(1, length // c.shape[1], 1) if c.shape[1] < length else c for c in ctxs]


def check_controls(model, sides, names=("positive", "negative")) -> None:
    """ControlNets in the conditioning must be for the sampled model's family."""
    from .control import check_family

    for side, name in zip(sides, names):
        for e in side:
            if getattr(e, "control", None) is not None:
                try:
                    check_family(e.control, model)
                except ValueError as exc:
                    raise ValueError(f"{name} conditioning: {exc}") from None


class CFGDenoiser:
    """D(x, sigma) = D_u + (D_c - D_u) * cfg with one batched [uncond, cond] UNet call; cfg == 1 skips uncond."""

    def __init__(self, model, positive: Conditioning, negative: Conditioning, cfg: float, needs_uncond: bool = False):
        self.model = model
        self.model_sampling = model.model_sampling
        self.cfg = float(cfg)
        self.skip_uncond = math.isclose(self.cfg, 1.0) and not needs_uncond
        # several entries, areas, masks, strengths or timestep ranges: ComfyUI's general batching (cond_batch.py)
        self.general = not (is_plain(positive) and (self.skip_uncond or is_plain(negative)))
        self._sides = (positive, negative)
        self._items: list | None = None
        if not self.general:
            pos = single_entry(positive, "positive")
            neg = pos if self.skip_uncond else single_entry(negative, "negative")
            self.cond, self.uncond = pos.cond, neg.cond
            # per role: (cross-attention, extra network inputs such as SDXL's y)
            self.inputs = {"cond": (pos.cond, _model_conds(model, pos, "positive")),
                           "uncond": (neg.cond, _model_conds(model, neg, "negative"))}
        self.uncond_denoised: torch.Tensor | None = None  # uncond prediction of the latest call (cfg_pp samplers)
        self.calls = 0

    def _denoise(self, x: torch.Tensor, sigma: torch.Tensor, roles: list[str]) -> list[torch.Tensor]:
        """Run the UNet once on len(roles) copies of x (one per role); returns the denoised part per role."""
        device = getattr(self.model, "device", x.device)
        n, batch = len(roles), x.shape[0]
        x_in, sigma_in = torch.cat([x] * n), torch.cat([sigma] * n)
        ctxs = [self.inputs[r][0] for r in roles]
        extras = [self.inputs[r][1] for r in roles]
        context = torch.cat([_repeat_to_batch(c, batch) for c in _tile_tokens(ctxs)]).to(device)
        conds = {k: torch.cat([_repeat_to_batch(e[k], batch) for e in extras]).to(device) for k in extras[0]}
        ms = self.model_sampling
        out = self.model.apply_model(ms.calculate_input(sigma_in, x_in), ms.timestep(sigma_in).float(), context,
                                     **conds)
        self.calls += 1
        return list(ms.calculate_denoised(sigma_in, out.float(), x_in).chunk(n))

    def _predict(self, x_in: torch.Tensor, sigma_in: torch.Tensor, context: torch.Tensor,
                 conds: dict[str, torch.Tensor], control=None) -> torch.Tensor:
        """One model call on a prepared batch (cond_batch.calc_cond_batch): the denoised prediction.
        `control`: the batch's ControlNet output ({'output': [...], 'middle': [...]}, ComfyUI's c['control'])."""
        device = getattr(self.model, "device", x_in.device)
        ms = self.model_sampling
        extra = {k: v.to(device) for k, v in conds.items()}
        if control is not None:
            from .control import as_unet_residuals

            extra["control"] = as_unet_residuals(control)
        out = self.model.apply_model(ms.calculate_input(sigma_in, x_in), ms.timestep(sigma_in).float(),
                                     context.to(device), **extra)
        self.calls += 1
        return ms.calculate_denoised(sigma_in, out.float(), x_in)

    def _general(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        if self._items is None:
            for side, name in zip(self._sides, ("positive", "negative")):
                if len(side) == 0:
                    raise ValueError(f"`{name}` conditioning is empty")
            check_controls(self.model, self._sides)
            controls: dict = {}  # one run state per Control object, across both sides (pre_run_control)
            pos, neg = (prepare(c, x.shape, self.model_sampling, lambda e, t=t: _model_conds(self.model, e, t),
                                controls)
                        for c, t in zip(self._sides, ("positive", "negative")))
            pair_areas([pos, neg])
            spread_control(pos, neg)
            self._items = [pos, neg]
        pos, neg = self._items
        d_cond, d_uncond = calc_cond_batch(self._predict, [pos, None if self.skip_uncond else neg], x, sigma)
        self.uncond_denoised = d_uncond
        return d_uncond + (d_cond - d_uncond) * self.cfg

    def __call__(self, x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        if self.general:
            return self._general(x, sigma)
        if self.skip_uncond:
            self.uncond_denoised = torch.zeros_like(x)
            return self._denoise(x, sigma, ["cond"])[0]
        if _can_share_batch(self.uncond, self.cond):
            d_uncond, d_cond = self._denoise(x, sigma, ["uncond", "cond"])
        else:
            d_uncond = self._denoise(x, sigma, ["uncond"])[0]
            d_cond = self._denoise(x, sigma, ["cond"])[0]
        self.uncond_denoised = d_uncond
        return d_uncond + (d_cond - d_uncond) * self.cfg
