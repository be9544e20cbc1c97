"""EmptySD3LatentImage: zeros [B, 16, H//8, W//8], the empty latent of the 16-channel families (SD3, Flux)
(ComfyUI comfy_extras/nodes_sd3.py)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Int, NodeType, register
from graphrun.values import Latent


@register
class EmptySD3LatentImage(NodeType):
    CLASS_TYPE = "EmptySD3LatentImage"
    DISPLAY_NAME = None  # ComfyUI's /object_info has no display name for this node
    CATEGORY = "latent/sd3"
    INPUTS = (
        Int("width", 1024, 16, MAX_RESOLUTION, step=16),
        Int("height", 1024, 16, MAX_RESOLUTION, step=16),
        Int("batch_size", 1, 1, 4096),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, width, height, batch_size):
        import torch

        from graphrun.backend.images import check_image_size

        check_image_size(width, height, batch_size, input_name="width")
        return (Latent(torch.zeros([batch_size, 16, height // 8, width // 8], dtype=torch.float32)),)
