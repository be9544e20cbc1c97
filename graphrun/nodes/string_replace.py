"""StringReplace: every occurrence of `find` replaced by `replace` (ComfyUI comfy_extras/nodes_string.py, str.replace;
an empty `find` therefore inserts `replace` between every character and at both ends)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, register


@register
class StringReplace(NodeType):
    CLASS_TYPE = "StringReplace"
    DISPLAY_NAME = "Replace"
    CATEGORY = "utils/string"
    INPUTS = (
        In("string", "STRING", {"multiline": True}),
        In("find", "STRING", {"multiline": True}),
        In("replace", "STRING", {"multiline": True}),
    )
    OUTPUTS = ("STRING",)

    def run(self, ctx, string, find, replace):
        return (string.replace(find, replace),)
