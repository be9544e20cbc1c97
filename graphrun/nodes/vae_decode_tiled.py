"""VAEDecodeTiled: decode in overlapping tiles (nodes.py; sizes given in pixels, divided by the VAE's 8×).

The temporal inputs only matter for video VAEs; graphrun's image VAEs ignore them, as ComfyUI does for these.
"""

from __future__ import annotations

from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class VAEDecodeTiled(NodeType):
    CLASS_TYPE = "VAEDecodeTiled"
    DISPLAY_NAME = "VAE Decode (Tiled)"
    CATEGORY = "_for_testing"
    INPUTS = (
        Socket("samples", "LATENT"),
        Socket("vae", "VAE"),
        Int("tile_size", 512, 64, 4096, step=32),
        Int("overlap", 64, 0, 4096, step=32),
        Int("temporal_size", 64, 8, 4096, step=4,
            tooltip="Only used for video VAEs: Amount of frames to decode at a time."),
        Int("temporal_overlap", 8, 4, 4096, step=4, tooltip="Only used for video VAEs: Amount of frames to overlap."),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, samples, vae, tile_size, overlap, temporal_size=64, temporal_overlap=8):
        from graphrun.backend.vae_tiled import decode_tiled

        if tile_size < overlap * 4:  # ComfyUI caps the overlap at a quarter tile
            overlap = tile_size // 4
        ratio = vae.downscale
        return (decode_tiled(vae, samples.samples, tile_size // ratio, tile_size // ratio, overlap // ratio),)
