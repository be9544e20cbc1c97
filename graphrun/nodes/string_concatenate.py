"""StringConcatenate: string_a + delimiter + string_b (ComfyUI comfy_extras/nodes_string.py, str.join)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register


@register
class StringConcatenate(NodeType):
    CLASS_TYPE = "StringConcatenate"
    DISPLAY_NAME = "Concatenate"
    CATEGORY = "utils/string"
    INPUTS = (
        In("string_a", "STRING", {"multiline": True}),
        In("string_b", "STRING", {"multiline": True}),
        In("delimiter", "STRING", {"default": "", "multiline": False}),
    )
    OUTPUTS = ("STRING",)

    def run(self, ctx, string_a, string_b, delimiter):
        return (delimiter.join((string_a, string_b)),)
