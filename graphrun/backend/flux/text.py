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


def text_encoder_kind(sd: Mapping[str, object]) -> str | None:
    """'clip_g' | 'clip_h' | 'clip_l' | 't5xxl' | None from the keys, as ComfyUI's sd.detect_te_model tells them
    apart (HF layouts without prefix: layer 30 -> CLIP-G, layer 22 -> CLIP-H, else CLIP-L; T5 encoder blocks)."""
    if "text_model.encoder.layers.30.mlp.fc1.weight" in sd:
        return "clip_g"
    if "text_model.encoder.layers.22.mlp.fc1.weight" in sd:
        return "clip_h"
    if "text_model.encoder.layers.0.mlp.fc1.weight" in sd:
        return "clip_l"
    if T5_MARKER in sd:
        return "t5xxl"
    return None


KIND_LABELS = {"clip_g": "an OpenCLIP-G text encoder", "clip_h": "an OpenCLIP-H text encoder",
               "clip_l": "a CLIP-L text encoder", "t5xxl": "a T5-XXL text encoder"}


def load_flux_text_encoder(state_dicts: list[Mapping[str, Tensor]], names: list[str], *,
                           device: torch.device | str = "cpu") -> FluxTextEncoder:
    """DualCLIPLoader type=flux: one CLIP-L and one T5-XXL file, in either order (ComfyUI routes by keys)."""
    parts: dict[str, Mapping[str, Tensor]] = {}
    for sd, name in zip(state_dicts, names):
        kind = text_encoder_kind(sd)
        if kind not in ("clip_l", "t5xxl"):
            what = KIND_LABELS.get(kind, "not a text encoder graphrun recognises")
            raise ModelError(f"{name} is {what}; DualCLIPLoader type flux needs one CLIP-L and one T5-XXL file")
        if kind in parts:
            raise ModelError(f"{name} is {KIND_LABELS[kind]} like the other file; DualCLIPLoader type flux needs "
                             "one CLIP-L and one T5-XXL file")
        parts[kind] = sd
    if set(parts) != {"clip_l", "t5xxl"}:
        raise ModelError("DualCLIPLoader type flux needs one CLIP-L and one T5-XXL file")
    return FluxTextEncoder(load_clip(parts["clip_l"], device=device), load_t5(parts["t5xxl"], device=device))
