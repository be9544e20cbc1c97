"""LoraLoaderModelOnly: a LoRA applied to the MODEL only (ComfyUI nodes.py, v0.3.64: LoraLoader with no CLIP and
strength_clip 0, so strength_model 0 returns the input MODEL itself)."""

from __future__ import annotations

from graphrun.nodes._lora_common import load_lora_node
from graphrun.nodes.base import Files, Float, NodeType, Socket, register
from graphrun.nodes.lora_loader import DESCRIPTION


@register
class LoraLoaderModelOnly(NodeType):
    CLASS_TYPE = "LoraLoaderModelOnly"
    DISPLAY_NAME = "LoraLoaderModelOnly"
    CATEGORY = "loaders"
    DESCRIPTION = DESCRIPTION
    INPUTS = (Socket("model", "MODEL"), Files("lora_name", "loras"), Float("strength_model", 1.0, -100.0, 100.0, 0.01))
    OUTPUTS = ("MODEL",)

    def run(self, ctx, model, lora_name, strength_model):
        return (load_lora_node(ctx, model, None, lora_name, strength_model, 0.0)[0],)
