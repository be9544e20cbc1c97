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

    @staticmethod
    def is_changed(ctx, latent):
        """SHA-256 hex of the file, as ComfyUI's LoadLatent.IS_CHANGED (recorded in the prompt it runs)."""
        from graphrun.backend.paths import file_sha256

        return file_sha256(_path(ctx, latent))

    def run(self, ctx, latent):
        from graphrun.backend.latent_io import load_latent

        return (Latent(load_latent(_path(ctx, latent), name=latent)),)


def _path(ctx, latent):
    from graphrun.backend.paths import resolve_input

    s = ctx.settings
    return resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), latent, input_name="latent")
