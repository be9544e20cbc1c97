"""CLIPTextEncodeSD3: three prompts (CLIP-L, CLIP-G, T5-XXL) -> SD3 CONDITIONING (comfy_extras/nodes_sd3.py).
Declared as in /object_info; graphrun has no SD3 text encoder (SD3/SD3.5 is not supported yet), so running it is
refused naming the CLIP it was given."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes._v3 import V3Combo, V3Socket, _V3In
from graphrun.nodes.base import NodeType, register


def _text(name: str) -> _V3In:
    return _V3In(name, "STRING", {"multiline": True, "dynamicPrompts": True})


@register
class CLIPTextEncodeSD3(NodeType):
    CLASS_TYPE = "CLIPTextEncodeSD3"
    DISPLAY_NAME = None  # as /object_info
    CATEGORY = "advanced/conditioning"
    INPUTS = (V3Socket("clip", "CLIP"), _text("clip_l"), _text("clip_g"), _text("t5xxl"),
              V3Combo("empty_padding", ["none", "empty_prompt"]))
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, clip, clip_l, clip_g, t5xxl, empty_padding):
        what = type(clip).__name__ if clip is not None else "None"
        raise NodeInputError("clip", f"CLIPTextEncodeSD3 needs an SD3/SD3.5 text encoder (TripleCLIPLoader); graphrun "
                             f"does not support the SD3/SD3.5 family yet (got a {what})", value=what)
