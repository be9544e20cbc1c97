"""ControlNet chains in conditioning, evaluated as ComfyUI v0.3.64 does (comfy/controlnet.py `ControlBase`,
`ControlNet.get_control`, `control_merge`; comfy/samplers.py `pre_run_control`, `apply_empty_x_to_equal_area`,
`calc_cond_batch`).

`Control` is the value ControlNetApply(Advanced) stores in a CondEntry: a net, the hint image [B,C,H,W],
strength, start/end percent and the previous control of the chain. Entries sharing one Control object batch
together (ComfyUI compares control objects by identity). Per sampling run, `ControlRun` holds the timestep range
as sigmas and the resized hint; `residuals()` returns the summed, strength-scaled outputs of the whole chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True, eq=False)  # identity semantics, as ComfyUI's `is` checks
class Control:
    net: Any                       # backend.controlnet.ControlNet
    hint: torch.Tensor             # [B, C, H, W] in 0..1 (the IMAGE moved to channels-first)
    strength: float = 1.0
    start_percent: float = 0.0
    end_percent: float = 1.0
    previous: "Control | None" = None
    vae: Any = None                # accepted and unused: SD ControlNets take pixels (ComfyUI ignores it too)

    def chain(self) -> list["Control"]:
        out, c = [], self
        while c is not None:
            out.append(c)
            c = c.previous
        return out


def _broadcast_hint(hint: torch.Tensor, batch: int, batched_number: int) -> torch.Tensor:
    """comfy/controlnet.py broadcast_image_to: the hint batch per cond/uncond chunk, repeated per chunk."""
    if hint.shape[0] == 1:
        return hint
    per_batch = batch // batched_number
    hint = hint[:per_batch]
    if per_batch > hint.shape[0]:
        hint = torch.cat([hint] * (per_batch // hint.shape[0]) + [hint[:per_batch % hint.shape[0]]], dim=0)
    if hint.shape[0] == batch:
        return hint
    return torch.cat([hint] * batched_number, dim=0)


class ControlRun:
    """One Control during one sampling run (ComfyUI's control object after pre_run), and its chain."""

    def __init__(self, control: Control, model_sampling, runs: dict):
        self.control = control
        self.model_sampling = model_sampling
        # percent_to_sigma of the MODEL's sampling (pre_run_control)
        self.sigma_start = model_sampling.percent_to_sigma(control.start_percent)
        self.sigma_end = model_sampling.percent_to_sigma(control.end_percent)
        self.previous = None if control.previous is None else run_for(control.previous, model_sampling, runs)
        self.hint: torch.Tensor | None = None

    def residuals(self, x: torch.Tensor, sigma: torch.Tensor, context: torch.Tensor, conds: dict,
                  batched_number: int):
        """{'output': [down residuals], 'middle': [mid]} for a batch, or None when no control of the chain is
        active at this sigma (ComfyUI get_control + control_merge)."""
        prev = None if self.previous is None else self.previous.residuals(x, sigma, context, conds, batched_number)
        if bool(sigma[0] > self.sigma_start) or bool(sigma[0] < self.sigma_end):
            return prev
        c, net = self.control, self.control.net
        h, w = x.shape[2] * 8, x.shape[3] * 8  # compression_ratio 8 of SD ControlNets
        if self.hint is None or self.hint.shape[2] != h or self.hint.shape[3] != w:
            self.hint = net.resize_hint(c.hint, w, h)
        if x.shape[0] != self.hint.shape[0]:
            self.hint = _broadcast_hint(self.hint, x.shape[0], batched_number)
        ms = self.model_sampling
        t = ms.timestep(sigma)
        down, mid = net.residuals(ms.calculate_input(sigma, x), t, context, self.hint, y=conds.get("y"))
        out = {"output": down, "middle": [mid]}
        for key, values in out.items():
            merged = []
            for v in values:
                if net.global_average_pooling:
                    v = torch.mean(v, dim=(2, 3), keepdim=True).repeat(1, 1, v.shape[2], v.shape[3])
                merged.append(v * c.strength)
            out[key] = merged
        if prev is not None:
            for key in ("output", "middle"):
                o = out[key]
                for i, p in enumerate(prev[key]):
                    if i >= len(o):
                        o.append(p)
                    elif p is not None:
                        o[i] = p if o[i] is None else p + o[i]
        return out


def run_for(control: Control, model_sampling, runs: dict) -> ControlRun:
    """The run state of `control` in this sampling run (one per Control object, shared by every entry)."""
    key = id(control)
    if key not in runs:
        runs[key] = (control, ControlRun(control, model_sampling, runs))
    return runs[key][1]


def check_family(control: Control, model) -> None:
    """Every net of the chain must be for the sampled model's family (ComfyUI would fail on shapes)."""
    fam = getattr(model, "family", None)
    for c in control.chain():
        if hasattr(c.net, "bind"):  # the --stub-models stand-in: built for this model's UNet
            c.net.bind(model)
            continue
        if fam is not None and c.net.family.name != fam.name:
            raise ValueError(f"the ControlNet {c.net.source} is for {c.net.family.label} but the model is "
                             f"{fam.label}")


def as_unet_residuals(control_out) -> tuple[list, torch.Tensor] | None:
    """ComfyUI adds control['output'][i] to the i-th skip connection and control['middle'][0] after the middle
    block; diffusers' down_block_additional_residuals / mid_block_additional_residual do the same adds."""
    if control_out is None:
        return None
    return control_out["output"], control_out["middle"][0]

