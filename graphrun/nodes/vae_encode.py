"""VAEEncode: IMAGE -> LATENT (posterior mean, unscaled; ComfyUI v0.3.64)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register
from graphrun.values import Latent


@register
class VAEEncode(NodeType):
    CLASS_TYPE = "VAEEncode"
    DISPLAY_NAME = "VAE Encode"
    CATEGORY = "latent"
    INPUTS = (Socket("pixels", "IMAGE"), Socket("vae", "VAE"))
    OUTPUTS = ("LATENT",)

    def run(self, ctx, pixels, vae):
        return (Latent(vae.encode(pixels)),)
