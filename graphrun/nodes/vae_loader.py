"""VAELoader: a standalone VAE file from models/vae (ComfyUI nodes.py). TAESD previews are not supported."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register


@register
class VAELoader(NodeType):
    CLASS_TYPE = "VAELoader"
    DISPLAY_NAME = "Load VAE"
    CATEGORY = "loaders"
    INPUTS = (Files("vae_name", "vae"),)
    OUTPUTS = ("VAE",)

    def run(self, ctx, vae_name):
        from graphrun.backend.checkpoints import load_vae

        return (load_vae(ctx.folders.find("vae", vae_name), device=ctx.device, cache=ctx.store.files),)
