"""VAEDecode: LATENT -> IMAGE NHWC in 0..1 (ComfyUI nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import NodeType, Socket, register


@register
class VAEDecode(NodeType):
    CLASS_TYPE = "VAEDecode"
    DISPLAY_NAME = "VAE Decode"
    CATEGORY = "latent"
    DESCRIPTION = "Decodes latent images back into pixel space images."
    INPUTS = (
        Socket("samples", "LATENT", tooltip="The latent to be decoded."),
        Socket("vae", "VAE", tooltip="The VAE model used for decoding the latent."),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, samples, vae):
        from graphrun.backend.budget import require

        b, _, h, w = samples.samples.shape[:4]
        height, width = h * vae.downscale, w * vae.downscale
        require(ctx.settings, "samples", f"decoding a {width}x{height} latent (batch {b})",
                vae.work_bytes(b, height, width), value=f"{width}x{height}x{b}")
        return (vae.decode(samples.samples),)
