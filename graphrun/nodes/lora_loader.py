"""LoraLoader ("Load LoRA"): MODEL + CLIP patched by a LoRA file from models/loras (ComfyUI nodes.py, v0.3.64).
Formats, maths and the wrong-family refusal: graphrun.backend.lora / weight_patch, nodes._lora_common."""

from __future__ import annotations

from graphrun.nodes._lora_common import load_lora_node
from graphrun.nodes.base import Files, Float, NodeType, Socket, register

DESCRIPTION = ("LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are denoised "
               "such as applying styles. Multiple LoRA nodes can be linked together.")


@register
class LoraLoader(NodeType):
    CLASS_TYPE = "LoraLoader"
    DISPLAY_NAME = "Load LoRA"
    CATEGORY = "loaders"
    DESCRIPTION = DESCRIPTION
    INPUTS = (
        Socket("model", "MODEL", tooltip="The diffusion model the LoRA will be applied to."),
        Socket("clip", "CLIP", tooltip="The CLIP model the LoRA will be applied to."),
        Files("lora_name", "loras", tooltip="The name of the LoRA."),
        Float("strength_model", 1.0, -100.0, 100.0, 0.01,
              tooltip="How strongly to modify the diffusion model. This value can be negative."),
        Float("strength_clip", 1.0, -100.0, 100.0, 0.01,
              tooltip="How strongly to modify the CLIP model. This value can be negative."),
    )
    OUTPUTS = ("MODEL", "CLIP")

    def run(self, ctx, model, clip, lora_name, strength_model, strength_clip):
        return load_lora_node(ctx, model, clip, lora_name, strength_model, strength_clip)
