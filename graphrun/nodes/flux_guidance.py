"""FluxGuidance: set the guidance value Flux dev embeds on every conditioning entry (ComfyUI comfy_extras/nodes_flux.py,
node_helpers.conditioning_set_values). Entries without it get ComfyUI's model default, 3.5, at sampling time."""

from __future__ import annotations

from graphrun.nodes._v3 import V3Socket
from graphrun.nodes.base import Float, NodeType, register


@register
class FluxGuidance(NodeType):
    CLASS_TYPE = "FluxGuidance"
    DISPLAY_NAME = None
    CATEGORY = "advanced/conditioning/flux"
    INPUTS = (
        V3Socket("conditioning", "CONDITIONING"),
        Float("guidance", 3.5, 0.0, 100.0, step=0.1),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, guidance):
        return (tuple(entry.replace(guidance=float(guidance)) for entry in conditioning),)
