"""TripleCLIPLoader: CLIP-L + OpenCLIP-G + T5-XXL files -> CLIP (comfy_extras/nodes_sd3.py). ComfyUI builds SD3's
text encoder from any three files; graphrun does not support the SD3/SD3.5 family yet, so the node is declared (a
workflow validates, `graphrun nodes` lists it) and running it is refused with that reason."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes._v3 import V3Files
from graphrun.nodes.base import NodeType, register

DESCRIPTION = "[Recipes]\n\nsd3: clip-l, clip-g, t5"


@register
class TripleCLIPLoader(NodeType):
    CLASS_TYPE = "TripleCLIPLoader"
    DISPLAY_NAME = None  # as /object_info
    CATEGORY = "advanced/loaders"
    DESCRIPTION = DESCRIPTION
    INPUTS = (V3Files("clip_name1", "text_encoders"), V3Files("clip_name2", "text_encoders"),
              V3Files("clip_name3", "text_encoders"))
    OUTPUTS = ("CLIP",)

    def run(self, ctx, clip_name1, clip_name2, clip_name3):
        raise NodeInputError("clip_name1", "TripleCLIPLoader builds the SD3/SD3.5 text encoder (CLIP-L + OpenCLIP-G + "
                             "T5-XXL); graphrun does not support the SD3/SD3.5 family yet", value=clip_name1)
