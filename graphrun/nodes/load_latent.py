"""LoadLatent: a .latent file from the input folder (ComfyUI nodes.py; old-format files are rescaled)."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register
from graphrun.values import Latent


@register
class LoadLatent(NodeType):
    CLASS_TYPE = "LoadLatent"
    DISPLAY_NAME = "LoadLatent"
    CATEGORY = "_for_testing"
    INPUTS = (Files("latent", "input_latents"),)
    OUTPUTS = ("LATENT",)

    def run(self, ctx, latent):
        from graphrun.backend.latent_io import load_latent
        from graphrun.backend.paths import resolve_input

        s = ctx.settings
        path = resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), latent, input_name="latent")
        return (Latent(load_latent(path, name=latent)),)
