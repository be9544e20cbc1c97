"""CLIPTextEncodeSDXLRefiner: text + aesthetic score and size -> refiner CONDITIONING (comfy_extras/nodes_clip_sdxl)."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import MAX_RESOLUTION, Float, Int, NodeType, String, register
from graphrun.values import AdmInputs, CondEntry


@register
class CLIPTextEncodeSDXLRefiner(NodeType):
    CLASS_TYPE = "CLIPTextEncodeSDXLRefiner"
    DISPLAY_NAME = None  # as /object_info (a V3 node without display_name)
    CATEGORY = "advanced/conditioning"
    INPUTS = (
        Float("ascore", 6.0, 0.0, 1000.0, step=0.01),
        Int("width", 1024, 0, MAX_RESOLUTION),
        Int("height", 1024, 0, MAX_RESOLUTION),
        String("text", multiline=True, dynamicPrompts=True),
        V3Socket("clip", "CLIP"),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, ascore, width, height, text, clip):
        if clip is None:
            raise NodeInputError("clip", "the CLIP input is None: the checkpoint has no valid text encoder")
        cond, pooled = clip.encode(text)
        adm = AdmInputs(width=width, height=height, aesthetic_score=ascore)
        return ((CondEntry(cond, pooled_output=pooled, adm=adm),),)
