"""Weight patches (LoRA, full diffs) computed as ComfyUI v0.3.64 computes them, and applied to a shared network.

Maths (ComfyUI comfy/lora.py calculate_weight + weight_adapter/lora.py): for each patch of one weight, in the order
they were added, on a float32 copy of the ORIGINAL weight W:
    W *= strength_model                   (only when != 1; 1 for LoRA loaders)
    W += (strength · alpha/rank) · (up @ down)    up/down (and lora_mid, Tucker-style) cast to float32
    (DoRA: W = W + strength·(dora_scale·(W+alpha·diff)/‖W+alpha·diff‖ - W), norms per output or input channel)
then the result is cast back to the weight's storage dtype once (float32 UNet on CPU: no rounding at all).

How patches reach the network (ComfyUI's ModelPatcher does the same at model-load time): MODEL clones share one
network; `use_patches(network, patches)` writes the patched values into the parameters in place, keeping ONE backup
of each original weight it changed, and restores those originals before a differently patched (or unpatched) clone
runs. So no per-LoRA copy of the base weights is kept: at most one backup per patched weight, as ComfyUI keeps.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor

_LOCK = threading.Lock()  # one network may be shared by concurrently running prompts (sweeps with --threads)


@dataclass(frozen=True)
class LoraWeights:
    """One LoRA adapter for one target weight. `rows`: when the target is a slice/permutation of the rows the
    LoRA was trained for (Flux fused qkv in BFL layout vs split diffusers weights), the up rows to use."""

    up: Tensor
    down: Tensor
    alpha: float | None = None
    mid: Tensor | None = None
    dora_scale: Tensor | None = None
    rows: Tensor | None = None

    def diff(self, shape: torch.Size) -> Tensor:
        """(up @ down) in float32, reshaped to the weight's shape (ComfyUI: mm of the flattened matrices)."""
        up = self.up.to(torch.float32)
        down = self.down.to(torch.float32)
        if self.rows is not None:
            up = up[self.rows]
        if self.mid is not None:  # LoCon "lora_mid": fold the mid conv into down (Tucker layout)
            mid = self.mid.to(torch.float32)
            final = [down.shape[1], down.shape[0], mid.shape[2], mid.shape[3]]
            down = torch.mm(down.transpose(0, 1).flatten(start_dim=1),
                            mid.transpose(0, 1).flatten(start_dim=1)).reshape(final).transpose(0, 1)
        return torch.mm(up.flatten(start_dim=1), down.flatten(start_dim=1)).reshape(shape)

    def fits(self, shape: torch.Size) -> bool:
        """Whether (up @ down) has the weight's number of elements (ComfyUI logs an error and leaves the weight
        unchanged when it has not)."""
        rows = len(self.rows) if self.rows is not None else self.up.shape[0]
        inner = self.up[0].numel() if self.up.dim() > 1 else 1
        cols = self.down[0].numel()
        if self.mid is not None:
            cols = self.down.shape[1] * self.mid.shape[2] * self.mid.shape[3]
        return inner == self.down.shape[0] and rows * cols == shape.numel()

    def scale(self) -> float:
        return 1.0 if self.alpha is None else self.alpha / self.down.shape[0]


def fits(data, shape: torch.Size) -> bool:
    """Whether a patch can apply to a weight of `shape` (LoRA: element count; full diffs: equal shapes)."""
    return data.fits(shape) if isinstance(data, LoraWeights) else tuple(data[1][0].shape) == tuple(shape)


def apply_one(weight: Tensor, data, strength: float) -> Tensor:
    """Add one patch to `weight` (float32, modified in place and returned)."""
    if isinstance(data, LoraWeights):
        diff = data.diff(weight.shape)
        alpha = data.scale()
        if data.dora_scale is None:
            weight += ((strength * alpha) * diff).type(weight.dtype)
            return weight
        return _dora(weight, diff, alpha, data.dora_scale.to(torch.float32), strength)
    kind, tensors = data
    if kind == "diff":  # full-difference patch (ComfyUI "diff"): W += strength · diff
        weight += (strength * tensors[0].to(torch.float32)).type(weight.dtype)
        return weight
    raise ValueError(f"unknown weight patch kind {kind!r}")


def _dora(weight: Tensor, diff: Tensor, alpha: float, dora_scale: Tensor, strength: float) -> Tensor:
    diff = diff * alpha
    calc = weight + diff.type(weight.dtype)
    if dora_scale.shape[0] == calc.shape[0]:  # magnitude per output channel: norm of each row of W (the original)
        norm = weight.reshape(weight.shape[0], -1).norm(dim=1, keepdim=True)
        norm = norm.reshape(weight.shape[0], *[1] * (weight.dim() - 1))
    else:  # per input channel: norm of each column of W + diff
        norm = (calc.transpose(0, 1).reshape(calc.shape[1], -1).norm(dim=1, keepdim=True)
                .reshape(calc.shape[1], *[1] * (calc.dim() - 1)).transpose(0, 1))
    norm = norm + torch.finfo(weight.dtype).eps
    calc *= (dora_scale / norm).type(weight.dtype)
    if strength != 1.0:
        calc -= weight
        weight += strength * calc
    else:
        weight[:] = calc
    return weight


def patched_value(original: Tensor, patches: Sequence) -> Tensor:
    """The patched weight in `original`'s dtype and device; `patches` are WeightPatch-like (data,
    strength_patch, strength_model), applied in order."""
    w = original.to(torch.float32, copy=True)
    for p in patches:
        if p.strength_model != 1.0:
            w *= p.strength_model
        w = apply_one(w, p.data[0] if len(p.data) == 1 else p.data, p.strength_patch)
    return w.to(original.dtype)


def _module(network) -> torch.nn.Module:
    """The network's torch module, unwrapped from torch.compile (--fast compile) so state-dict names are ours."""
    mod = getattr(network, "unet", None)
    mod = mod if isinstance(mod, torch.nn.Module) else network.model
    return getattr(mod, "_orig_mod", mod)


class _State:
    def __init__(self) -> None:
        self.applied: tuple = ()
        self.backup: dict[str, Tensor] = {}


def use_patches(network, patches: tuple) -> None:
    """Make the shared network's weights equal its originals plus `patches` (a MODEL's patch list), patching
    or restoring in place only when the last call used a different list."""
    with _LOCK:
        state = getattr(network, "_graphrun_patch_state", None)
        if state is None:
            if not patches:
                return
            state = network._graphrun_patch_state = _State()
        if len(state.applied) == len(patches) and all(a is b for a, b in zip(state.applied, patches)):
            return
        params = _module(network).state_dict(keep_vars=True)
        with torch.no_grad():
            for key, orig in state.backup.items():  # back to the originals
                params[key].data.copy_(orig)
            by_key: dict[str, list] = {}
            for p in patches:
                by_key.setdefault(p.key, []).append(p)
            for key in [k for k in state.backup if k not in by_key]:
                del state.backup[key]  # no longer patched: drop its backup
            for key, plist in by_key.items():
                param = params[key]
                if key not in state.backup:
                    state.backup[key] = param.detach().clone()
                param.data.copy_(patched_value(state.backup[key], plist))
        state.applied = patches
        if not patches:  # fully restored: the network is as loaded again (no trace of the patching left)
            del network._graphrun_patch_state
