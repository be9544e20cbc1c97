"""LatentUpscale / LatentUpscaleBy: resize latents (ComfyUI nodes.py; sizes in pixels, min 64 when resizing)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Combo, Float, Int, NodeType, Socket, register

LATENT_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "bislerp"]


def _resize(ctx, latent, size, method: str, crop: str):
    from graphrun.backend.budget import require, resize_estimate
    from graphrun.backend.images import check_image_size
    from graphrun.backend.upscale import common_upscale

    if size is None:  # both sides 0: ComfyUI returns the latent unchanged
        return latent
    check_image_size(size[0] * 8, size[1] * 8, latent.samples.shape[0])
    b, c, h, w = latent.samples.shape[:4]
    require(ctx.settings, "samples", f"resizing a {w}x{h} latent to {size[0]}x{size[1]} (batch {b})",
            resize_estimate(b, c, (h, w), (size[1], size[0])), value=f"{size[0]}x{size[1]}x{b}")
    return latent.with_samples(common_upscale(latent.samples, size[0], size[1], method, crop))


@register
class LatentUpscale(NodeType):
    CLASS_TYPE = "LatentUpscale"
    DISPLAY_NAME = "Upscale Latent"
    CATEGORY = "latent"
    INPUTS = (
        Socket("samples", "LATENT"),
        Combo("upscale_method", LATENT_METHODS),
        Int("width", 512, 0, MAX_RESOLUTION, step=8),
        Int("height", 512, 0, MAX_RESOLUTION, step=8),
        Combo("crop", ["disabled", "center"]),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, upscale_method, width, height, crop):
        from graphrun.backend.upscale import latent_upscale_size

        h, w = samples.samples.shape[-2:]
        return (_resize(ctx, samples, latent_upscale_size(w, h, width, height), upscale_method, crop),)


@register
class LatentUpscaleBy(NodeType):
    CLASS_TYPE = "LatentUpscaleBy"
    DISPLAY_NAME = "Upscale Latent By"
    CATEGORY = "latent"
    INPUTS = (
        Socket("samples", "LATENT"),
        Combo("upscale_method", LATENT_METHODS),
        Float("scale_by", 1.5, 0.01, 8.0, step=0.01),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, upscale_method, scale_by):
        from graphrun.backend.upscale import scale_by_size

        h, w = samples.samples.shape[-2:]
        return (_resize(ctx, samples, scale_by_size(w, h, scale_by), upscale_method, "disabled"),)
