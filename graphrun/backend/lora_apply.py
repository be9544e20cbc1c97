"""Apply a loaded LoRA to MODEL and CLIP values (ComfyUI's comfy.sd.load_lora_for_models).

MODEL: a clone with the patches added (the shared network is patched in place only while a patched clone runs,
see weight_patch.use_patches). CLIP: a copy whose text transformer is a `PatchedClipTransformer` over the
ORIGINAL weights plus the accumulated patch list; its patched tensors are computed once, on first use, from the
originals (two stacked LoRAs are summed in float32 and rounded to the fp16 storage dtype once, as ComfyUI does).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Mapping

import torch
from torch import Tensor

from graphrun.backend.clip.model import ClipTextTransformer
from graphrun.backend.lora import _base_weights, clip_key_map, clip_part_names, flux_bfl_key_map, load_patches, unet_key_map
from graphrun.backend.model import WeightPatch
from graphrun.backend.weight_patch import fits, patched_value


class PatchedClipTransformer(ClipTextTransformer):
    """A CLIP text transformer = `base` (the unpatched one, shared) + weight patches, evaluated lazily."""

    def __init__(self, base: ClipTextTransformer, patches: tuple[WeightPatch, ...]):
        self.base = base
        self.config = base.config
        self.act = base.act
        self.patches = patches
        self._weights: dict[str, Tensor] | None = None

    @property
    def weights(self) -> dict[str, Tensor]:  # type: ignore[override]
        if self._weights is None:
            out = dict(self.base.weights)
            by_key: dict[str, list] = {}
            for p in self.patches:
                by_key.setdefault(p.key, []).append(p)
            for key, plist in by_key.items():
                out[key] = patched_value(self.base.weights[key], plist)
            self._weights = out
        return self._weights


def _patch_clip_model(clip_model, patches: list[WeightPatch]):
    t = clip_model.transformer
    base = t.base if isinstance(t, PatchedClipTransformer) else t
    old = t.patches if isinstance(t, PatchedClipTransformer) else ()
    out = copy.copy(clip_model)
    out.transformer = PatchedClipTransformer(base, tuple(old) + tuple(patches))
    return out


def _clip_with_parts(clip, new_parts: Mapping[str, object]):
    from graphrun.backend.clip.multi import DualClip

    if isinstance(clip, DualClip):
        return DualClip(new_parts.get("clip_l", clip.l), new_parts.get("clip_g", clip.g))
    if hasattr(clip, "clip_l") and hasattr(clip, "t5"):
        out = copy.copy(clip)
        out.clip_l = new_parts.get("clip_l", clip.clip_l)
        return out
    (only,) = new_parts.values()
    return only


@dataclass
class LoraResult:
    model: object
    clip: object
    model_keys: int  # network weights patched
    clip_keys: int  # text-encoder weights patched
    unmatched: list[str]  # tensor names of the file no target used
    misfit: list[str]  # our weights a LoRA layer named but whose shape it does not fit (left unchanged)


def apply_lora(model, clip, sd: Mapping[str, Tensor], strength_model: float, strength_clip: float) -> LoraResult:
    """ComfyUI's load_lora_for_models: the union key map of model (when given) and clip (when given); MODEL and
    CLIP are cloned and patched even when their own strength is 0 (a zero patch changes no value)."""
    unet_map = unet_key_map(model.network) if model is not None else {}
    bfl_map = flux_bfl_key_map(model.network) if model is not None and not hasattr(model.network, "unet") else {}
    parts = clip_part_names(clip, model.family if model is not None else None) if clip is not None else {}
    clip_map = clip_key_map(parts) if parts else {}
    misfit: list[str] = []
    model_patches, used = load_patches(sd, {**bfl_map, **unet_map})  # ComfyUI's order: model-layout names first
    clip_patches, used_c = load_patches(sd, clip_map)
    if model_patches:  # a bias difference for a layer without bias patches nothing (ComfyUI: "NOT LOADED")
        from graphrun.backend.weight_patch import _module

        known = _module(model.network).state_dict()
        model_patches = {t: v for t, v in model_patches.items() if t[0] in known}
        misfit = [t[0] for t, v in model_patches.items() if not fits(v, known[t[0]].shape)]
        model_patches = {t: v for t, v in model_patches.items() if t[0] not in misfit}
    clip_patches = {t: v for t, v in clip_patches.items() if t[0][1] in _base_weights(parts[t[0][0]].transformer)}
    for t, v in list(clip_patches.items()):
        if not fits(v, _base_weights(parts[t[0][0]].transformer)[t[0][1]].shape):
            misfit.append(f"{t[0][0]}:{t[0][1]}")
            del clip_patches[t]
    used |= used_c
    new_model = None
    if model is not None:
        new_model = model.clone()
        new_model.patches = new_model.patches + tuple(  # (Model.add_patches allows one patch per key per call)
            WeightPatch(k, "lora", (v,), strength_model, 1.0) for (k, _), v in model_patches.items())
    new_clip = None
    if clip is not None:
        per_part: dict[str, list[WeightPatch]] = {}
        for ((part, key), _), data in clip_patches.items():
            per_part.setdefault(part, []).append(WeightPatch(key, "lora", (data,), strength_clip, 1.0))
        new_clip = _clip_with_parts(clip, {p: _patch_clip_model(parts[p], per_part.get(p, [])) for p in parts})
    unmatched = sorted(k for k in sd if k not in used)
    return LoraResult(new_model, new_clip, len({k for k, _ in model_patches}), len(clip_patches), unmatched, misfit)


def stub_lora(model, clip, rank: int = 4, seed: int = 0) -> dict[str, Tensor]:
    """A deterministic stand-in LoRA shaped for this model: kohya names on the UNet's (or diffusers names on Flux's)
    attention projections and on the text encoders' q/k/v/out projections; small values (|x| <= 0.02)."""
    import zlib

    from graphrun.backend.weight_patch import _module

    params = _module(model.network).state_dict()
    prefix = "lora_unet_" if hasattr(model.network, "unet") else "transformer."
    names = {n: k for n, k in unet_key_map(model.network).items() if n.startswith(prefix)}
    sd: dict[str, Tensor] = {}

    def add(name: str, shape: torch.Size) -> None:
        g = torch.Generator().manual_seed(seed + zlib.crc32(name.encode()))
        sd[name + ".lora_up.weight"] = ((torch.rand(shape[0], rank, generator=g) - 0.5) * 0.04).to(torch.float16)
        sd[name + ".lora_down.weight"] = ((torch.rand(rank, shape[1], generator=g) - 0.5) * 0.04).to(torch.float16)
        sd[name + ".alpha"] = torch.tensor(float(rank))

    for name, key in names.items():
        if params[key].dim() == 2 and any(p in key for p in ("to_q", "to_k", "to_v", "to_out")):
            add(name, params[key].shape)
    if clip is not None:
        parts = clip_part_names(clip, model.family)
        for name, (part, key) in clip_key_map(parts).items():
            if name.startswith(("lora_te_", "lora_te2_")) and "self_attn" in key:
                add(name, _base_weights(parts[part].transformer)[key].shape)
    return sd
