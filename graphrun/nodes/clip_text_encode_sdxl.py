"""CLIPTextEncodeSDXL: text_g / text_l + size conditioning -> SDXL CONDITIONING (ComfyUI comfy_extras/nodes_clip_sdxl)."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import MAX_RESOLUTION, Int, NodeType, String, register
from graphrun.values import AdmInputs, CondEntry


@register
class CLIPTextEncodeSDXL(NodeType):
    CLASS_TYPE = "CLIPTextEncodeSDXL"
    DISPLAY_NAME = None  # as /object_info (a V3 node without display_name)
    CATEGORY = "advanced/conditioning"
    INPUTS = (
        V3Socket("clip", "CLIP"),
        Int("width", 1024, 0, MAX_RESOLUTION),
        Int("height", 1024, 0, MAX_RESOLUTION),
        Int("crop_w", 0, 0, MAX_RESOLUTION),
        Int("crop_h", 0, 0, MAX_RESOLUTION),
        Int("target_width", 1024, 0, MAX_RESOLUTION),
        Int("target_height", 1024, 0, MAX_RESOLUTION),
        String("text_g", multiline=True, dynamicPrompts=True),
        String("text_l", multiline=True, dynamicPrompts=True),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, clip, width, height, crop_w, crop_h, target_width, target_height, text_g, text_l):
        if clip is None:
            raise NodeInputError("clip", "the CLIP input is None: the checkpoint has no valid text encoder")
        if not hasattr(clip, "tokenize_pair"):
            raise NodeInputError("clip", "CLIPTextEncodeSDXL needs an SDXL CLIP (CLIP-L + OpenCLIP-G); this CLIP "
                                 "has a single text encoder")
        cond, pooled = clip.encode_tokens(clip.tokenize_pair(text_l, text_g))
        adm = AdmInputs(width=width, height=height, crop_w=crop_w, crop_h=crop_h, target_width=target_width,
                        target_height=target_height)
        return ((CondEntry(cond, pooled_output=pooled, adm=adm),),)
