"""CLIP objects made of several text encoders: SDXL base (CLIP-L + OpenCLIP-G), as ComfyUI's SDXLClipModel.

The context is cat(clip_l output, clip_g output) along features, both cut to the shorter token count; the pooled
output is clip_g's (projected). CLIPTextEncodeSDXL encodes text_l with clip_l and text_g with clip_g and pads the
side with fewer 77-token chunks with chunks of the empty prompt.
"""

from __future__ import annotations

import torch

from .chunking import TokenizedPrompt
from .encoder import ClipModel


class DualClip:
    """SDXL's CLIP: `parts` = {"l": ClipModel, "g": ClipModel}."""

    def __init__(self, l: ClipModel, g: ClipModel):  # noqa: E741 - ComfyUI's part names
        self.l, self.g = l, g

    @property
    def device(self) -> torch.device:
        return self.g.device

    def with_last_layer(self, stop_at_clip_layer: int) -> "DualClip":
        """CLIPSetLastLayer sets the layer of both encoders (SDXLClipModel.set_clip_options)."""
        return DualClip(self.l.with_last_layer(stop_at_clip_layer), self.g.with_last_layer(stop_at_clip_layer))

    def tokenize(self, text: str) -> dict[str, TokenizedPrompt]:
        return {"l": self.l.tokenize(text), "g": self.g.tokenize(text)}

    def tokenize_pair(self, text_l: str, text_g: str) -> dict[str, TokenizedPrompt]:
        """CLIPTextEncodeSDXL: text_l for clip_l, text_g for clip_g, chunk counts equalised with empty chunks."""
        tl, tg = self.l.tokenize(text_l), self.g.tokenize(text_g)
        if tl.ids.shape[0] != tg.ids.shape[0]:
            el, eg = self.l.tokenize(""), self.g.tokenize("")
            while tl.ids.shape[0] < tg.ids.shape[0]:
                tl = _concat(tl, el)
            while tg.ids.shape[0] < tl.ids.shape[0]:
                tg = _concat(tg, eg)
        return {"l": tl, "g": tg}

    def encode_tokens(self, tokens: dict[str, TokenizedPrompt]) -> tuple[torch.Tensor, torch.Tensor]:
        g_out, g_pooled = self.g.encode_tokens(tokens["g"])
        l_out, _ = self.l.encode_tokens(tokens["l"])
        cut = min(l_out.shape[1], g_out.shape[1])
        return torch.cat([l_out[:, :cut], g_out[:, :cut]], dim=-1), g_pooled

    def encode(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encode_tokens(self.tokenize(text))


def _concat(a: TokenizedPrompt, b: TokenizedPrompt) -> TokenizedPrompt:
    return TokenizedPrompt(torch.cat([a.ids, b.ids]), torch.cat([a.weights, b.weights]))
