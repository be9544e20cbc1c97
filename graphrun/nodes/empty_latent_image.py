"""EmptyLatentImage: zeros [B, 4, H//8, W//8] (ComfyUI nodes.py; the server checks min/max, not step)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Int, NodeType, register
from graphrun.values import Latent


@register
class EmptyLatentImage(NodeType):
    CLASS_TYPE = "EmptyLatentImage"
    DISPLAY_NAME = "Empty Latent Image"
    CATEGORY = "latent"
    DESCRIPTION = "Create a new batch of empty latent images to be denoised via sampling."
    INPUTS = (
        Int("width", 512, 16, MAX_RESOLUTION, step=8, tooltip="The width of the latent images in pixels."),
        Int("height", 512, 16, MAX_RESOLUTION, step=8, tooltip="The height of the latent images in pixels."),
        Int("batch_size", 1, 1, 4096, tooltip="The number of latent images in the batch."),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, width, height, batch_size):
        import torch

        from graphrun.backend.budget import require
        from graphrun.backend.images import check_image_size

        check_image_size(width, height, batch_size, input_name="width")
        require(ctx.settings, "batch_size", f"a {width}x{height} latent batch of {batch_size}",
                batch_size * 4 * (height // 8) * (width // 8) * 4, value=batch_size)
        return (Latent(torch.zeros([batch_size, 4, height // 8, width // 8], dtype=torch.float32)),)
