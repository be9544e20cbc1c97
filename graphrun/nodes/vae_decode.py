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
        return (vae.decode(samples.samples),)
