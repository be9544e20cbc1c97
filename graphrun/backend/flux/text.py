"""Flux's text encoder: CLIP-L + T5-XXL as ComfyUI v0.3.64's `FluxClipModel` combines them. The conditioning tensor
is T5's output (256+ tokens), the pooled vector is CLIP-L's (final layer norm at the end token, not projected);
CLIP-L's token output is computed by ComfyUI and dropped. CLIPTextEncodeFlux gives each encoder its own text."""

from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor

from graphrun.backend.clip.encoder import ClipModel, load_clip
from graphrun.backend.t5.encoder import T5Model, load_t5
from graphrun.errors import ModelError

CLIP_L_MARKER = "text_model.encoder.layers.1.mlp.fc1.weight"  # ComfyUI FluxClipModel.load_sd routes on this key
T5_MARKER = "encoder.block.0.layer.0.SelfAttention.k.weight"


class FluxTextEncoder:
    family = "flux"

    def __init__(self, clip_l: ClipModel, t5: T5Model):
        self.clip_l = clip_l
        self.t5 = t5

    def encode_parts(self, clip_l_text: str, t5_text: str) -> tuple[Tensor, Tensor]:
        """(cond [1, n, d_t5], pooled [1, d_clip]) float32 on CPU."""
        cond = self.t5.encode(t5_text)
        pooled = self.clip_l.encode(clip_l_text)[1]
        return cond, pooled

    def encode(self, text: str) -> tuple[Tensor, Tensor]:
        return self.encode_parts(text, text)


def text_encoder_kind(sd: Mapping[str, Tensor]) -> str | None:
    """'clip_l' | 't5xxl' | None, by the keys ComfyUI uses (prefix-free HF layouts)."""
    if CLIP_L_MARKER in sd or ("text_model." + CLIP_L_MARKER.removeprefix("text_model.")) in sd:
        return "clip_l"
    if T5_MARKER in sd:
        return "t5xxl"
    return None


def load_flux_text_encoder(state_dicts: list[Mapping[str, Tensor]], names: list[str], *,
                           device: torch.device | str = "cpu") -> FluxTextEncoder:
    """DualCLIPLoader type=flux: one CLIP-L and one T5-XXL file, in either order (ComfyUI routes by keys)."""
    parts: dict[str, Mapping[str, Tensor]] = {}
    for sd, name in zip(state_dicts, names):
        kind = text_encoder_kind(sd)
        if kind is None:
            raise ModelError(f"{name}: neither a CLIP-L nor a T5-XXL text encoder (flux needs one of each)")
        if kind in parts:
            raise ModelError(f"{name}: a second {kind} file; DualCLIPLoader type flux needs one CLIP-L and one T5-XXL")
        parts[kind] = sd
    if set(parts) != {"clip_l", "t5xxl"}:
        raise ModelError("DualCLIPLoader type flux needs one CLIP-L and one T5-XXL file")
    return FluxTextEncoder(load_clip(parts["clip_l"], device=device), load_t5(parts["t5xxl"], device=device))
