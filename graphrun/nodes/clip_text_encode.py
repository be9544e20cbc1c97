"""CLIPTextEncode: prompt text -> CONDITIONING [(cond [1,77k,D], {pooled_output})] (ComfyUI nodes.py)."""

from __future__ import annotations

from graphrun.errors import NodeInputError
from graphrun.nodes.base import NodeType, Socket, String, register
from graphrun.values import CondEntry


@register
class CLIPTextEncode(NodeType):
    CLASS_TYPE = "CLIPTextEncode"
    DISPLAY_NAME = "CLIP Text Encode (Prompt)"
    CATEGORY = "conditioning"
    DESCRIPTION = ("Encodes a text prompt using a CLIP model into an embedding that can be used to guide the "
                   "diffusion model towards generating specific images.")
    INPUTS = (
        String("text", multiline=True, dynamicPrompts=True, tooltip="The text to be encoded."),
        Socket("clip", "CLIP", tooltip="The CLIP model used for encoding the text."),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, text, clip):
        if clip is None:  # ComfyUI raises the same way for checkpoints without a text encoder
            raise NodeInputError("clip", "the CLIP input is None: the checkpoint has no valid text encoder")
        cond, pooled = clip.encode(text)
        return ((CondEntry(cond, pooled_output=pooled),),)
