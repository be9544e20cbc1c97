"""ImageScale / ImageScaleBy: resize IMAGE tensors (ComfyUI nodes.py; a zero side keeps the aspect ratio)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Combo, Float, Int, NodeType, Socket, register

IMAGE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]


def _resize(ctx, image, size, method: str, crop: str):
    from graphrun.backend.budget import require, resize_estimate
    from graphrun.backend.images import check_image_size
    from graphrun.backend.upscale import common_upscale

    if size is None:  # both sides 0: unchanged
        return image
    check_image_size(size[0], size[1], image.shape[0])
    b, h, w, c = image.shape
    require(ctx.settings, "image", f"resizing a {w}x{h} image to {size[0]}x{size[1]} (batch {b})",
            resize_estimate(b, c, (h, w), (size[1], size[0])), value=f"{size[0]}x{size[1]}x{b}")
    return common_upscale(image.movedim(-1, 1), size[0], size[1], method, crop).movedim(1, -1)


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
        from graphrun.backend.upscale import image_scale_size

        h, w = image.shape[1:3]
        return (_resize(ctx, image, image_scale_size(w, h, width, height), upscale_method, crop),)


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
        from graphrun.backend.upscale import scale_by_size

        h, w = image.shape[1:3]
        return (_resize(ctx, image, scale_by_size(w, h, scale_by), upscale_method, "disabled"),)
