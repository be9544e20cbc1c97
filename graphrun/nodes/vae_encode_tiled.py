"""VAEEncodeTiled: encode in overlapping pixel tiles (nodes.py); temporal inputs only matter for video VAEs."""

from __future__ import annotations

from graphrun.nodes.base import Int, NodeType, Socket, register
from graphrun.values import Latent


@register
class VAEEncodeTiled(NodeType):
    CLASS_TYPE = "VAEEncodeTiled"
    DISPLAY_NAME = "VAE Encode (Tiled)"
    CATEGORY = "_for_testing"
    INPUTS = (
        Socket("pixels", "IMAGE"),
        Socket("vae", "VAE"),
        Int("tile_size", 512, 64, 4096, step=64),
        Int("overlap", 64, 0, 4096, step=32),
        Int("temporal_size", 64, 8, 4096, step=4,
            tooltip="Only used for video VAEs: Amount of frames to encode at a time."),
        Int("temporal_overlap", 8, 4, 4096, step=4, tooltip="Only used for video VAEs: Amount of frames to overlap."),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, pixels, vae, tile_size, overlap, temporal_size=64, temporal_overlap=8):
        from graphrun.backend.vae_tiled import encode_tiled
        from graphrun.errors import NodeInputError

        # ComfyUI also runs a half-size tiling (tile/2); an overlap that fills it leaves pixels no tile covers
        # and ComfyUI returns NaN there. Refuse instead.
        if overlap >= tile_size // 2 and max(pixels.shape[1:3]) > tile_size // 2:
            raise NodeInputError("overlap", f"overlap {overlap} must be smaller than half the tile size "
                                 f"({tile_size // 2}) for an image of {pixels.shape[2]}x{pixels.shape[1]}",
                                 value=overlap)
        return (Latent(encode_tiled(vae, pixels, tile_size, tile_size, overlap)),)
