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
        from graphrun.backend.budget import require

        b, h, w = pixels.shape[:3]
        require(ctx.settings, "pixels", f"encoding a {w}x{h} image (batch {b})", vae.work_bytes(b, h, w),
                value=f"{w}x{h}x{b}")
        return (Latent(vae.encode(pixels)),)
