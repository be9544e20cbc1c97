"""ImageScaleToTotalPixels: resize to about `megapixels`·2^20 pixels, aspect kept (comfy_extras/nodes_post_processing)."""

from __future__ import annotations

from graphrun.nodes._v3 import V3Combo, V3Float, V3Socket
from graphrun.nodes.base import NodeType, register

METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]


def total_pixels_size(width: int, height: int, megapixels: float) -> tuple[int, int]:
    """ComfyUI: s = sqrt(int(mp·1024·1024) / (w·h)); (round(w·s), round(h·s)), Python rounding."""
    import math

    scale = math.sqrt(int(megapixels * 1024 * 1024) / (width * height))
    return round(width * scale), round(height * scale)


@register
class ImageScaleToTotalPixels(NodeType):
    CLASS_TYPE = "ImageScaleToTotalPixels"
    DISPLAY_NAME = None
    CATEGORY = "image/upscaling"
    INPUTS = (
        V3Socket("image", "IMAGE"),
        V3Combo("upscale_method", METHODS),
        V3Float("megapixels", 1.0, 0.01, 16.0, step=0.01),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, image, upscale_method, megapixels):
        from graphrun.backend.upscale import common_upscale

        width, height = total_pixels_size(image.shape[2], image.shape[1], megapixels)
        out = common_upscale(image.movedim(-1, 1), width, height, upscale_method, "disabled")
        return (out.movedim(1, -1),)
