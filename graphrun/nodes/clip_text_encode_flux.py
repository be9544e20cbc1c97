"""CLIPTextEncodeFlux: CLIP-L encodes `clip_l` (its pooled vector), T5-XXL encodes `t5xxl` (the token
conditioning), and the entry carries `guidance` (ComfyUI comfy_extras/nodes_flux.py)."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import Float, NodeType, String, register
from graphrun.values import CondEntry


@register
class CLIPTextEncodeFlux(NodeType):
    CLASS_TYPE = "CLIPTextEncodeFlux"
    DISPLAY_NAME = None
    CATEGORY = "advanced/conditioning/flux"
    INPUTS = (
        V3Socket("clip", "CLIP"),
        String("clip_l", multiline=True, dynamicPrompts=True),
        String("t5xxl", multiline=True, dynamicPrompts=True),
        Float("guidance", 3.5, 0.0, 100.0, step=0.1),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, clip, clip_l, t5xxl, guidance):
        encode_parts = getattr(clip, "encode_parts", None)
        if encode_parts is None:
            raise NodeInputError("clip", "CLIPTextEncodeFlux needs a Flux text encoder (CLIP-L + T5-XXL, "
                                 "DualCLIPLoader type flux); this CLIP has no T5-XXL", value=type(clip).__name__)
        cond, pooled = encode_parts(clip_l, t5xxl)
        return ((CondEntry(cond, pooled_output=pooled, guidance=float(guidance)),),)
