"""LatentUpscale / LatentUpscaleBy: resize latents (ComfyUI nodes.py; sizes in pixels, min 64 when resizing)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Combo, Float, Int, NodeType, Socket, register

LATENT_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "bislerp"]
CROP = ["disabled", "center"]


def _resize(latent, width_px: int, height_px: int, method: str, crop: str):
    from graphrun.backend.images import check_image_size
    from graphrun.backend.upscale import common_upscale

    check_image_size(width_px, height_px, latent.samples.shape[0])
    return latent.with_samples(common_upscale(latent.samples, width_px // 8, height_px // 8, method, crop))


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
        Combo("crop", CROP),
    )
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, upscale_method, width, height, crop):
        if width == 0 and height == 0:
            return (samples,)
        h, w = samples.samples.shape[-2:]
        # A zero side keeps the aspect ratio (computed in latent units, then x8 pixels); both at least 64 px.
        if width == 0:
            height = max(64, height)
            width = max(64, round(w * height / h))
        elif height == 0:
            width = max(64, width)
            height = max(64, round(h * width / w))
        else:
            width, height = max(64, width), max(64, height)
        return (_resize(samples, width, height, upscale_method, crop),)


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
        from graphrun.backend.upscale import common_upscale

        h, w = samples.samples.shape[-2:]
        # ComfyUI rounds in latent units here (not pixels).
        width, height = round(w * scale_by), round(h * scale_by)
        return (samples.with_samples(common_upscale(samples.samples, width, height, upscale_method, "disabled")),)
