"""CLIPSetLastLayer: choose the CLIP layer whose output (with final LayerNorm) is used ("clip skip")."""

from __future__ import annotations

from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class CLIPSetLastLayer(NodeType):
    CLASS_TYPE = "CLIPSetLastLayer"
    DISPLAY_NAME = "CLIP Set Last Layer"
    CATEGORY = "conditioning"
    INPUTS = (Socket("clip", "CLIP"), Int("stop_at_clip_layer", -1, -24, -1, step=1))
    OUTPUTS = ("CLIP",)

    def run(self, ctx, clip, stop_at_clip_layer):
        return (clip.with_last_layer(stop_at_clip_layer),)
