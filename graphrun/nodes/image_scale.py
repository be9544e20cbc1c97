"""ImageScale / ImageScaleBy: resize IMAGE tensors (ComfyUI nodes.py; a zero side keeps the aspect ratio)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Combo, Float, Int, NodeType, Socket, register

IMAGE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]


def _resize(image, width: int, height: int, method: str, crop: str):
    from graphrun.backend.images import check_image_size
    from graphrun.backend.upscale import common_upscale

    check_image_size(width, height, image.shape[0])
    return common_upscale(image.movedim(-1, 1), width, height, method, crop).movedim(1, -1)


@register
class ImageScale(NodeType):
    CLASS_TYPE = "ImageScale"
    DISPLAY_NAME = "Upscale Image"
    CATEGORY = "image/upscaling"
    INPUTS = (
        Socket("image", "IMAGE"),
        Combo("upscale_method", IMAGE_METHODS),
        Int("width", 512, 0, MAX_RESOLUTION, step=1),
        Int("height", 512, 0, MAX_RESOLUTION, step=1),
        Combo("crop", ["disabled", "center"]),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, image, upscale_method, width, height, crop):
        if width == 0 and height == 0:
            return (image,)
        h, w = image.shape[1:3]
        if width == 0:
            width = max(1, round(w * height / h))
        elif height == 0:
            height = max(1, round(h * width / w))
        return (_resize(image, width, height, upscale_method, crop),)


@register
class ImageScaleBy(NodeType):
    CLASS_TYPE = "ImageScaleBy"
    DISPLAY_NAME = "Upscale Image By"
    CATEGORY = "image/upscaling"
    INPUTS = (
        Socket("image", "IMAGE"),
        Combo("upscale_method", IMAGE_METHODS),
        Float("scale_by", 1.0, 0.01, 8.0, step=0.01),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, image, upscale_method, scale_by):
        h, w = image.shape[1:3]
        return (_resize(image, round(w * scale_by), round(h * scale_by), upscale_method, "disabled"),)
