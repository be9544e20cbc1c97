"""LoadImageMask: one channel of an input image as a MASK (ComfyUI nodes.py; alpha inverted, 1 = transparent)."""

from __future__ import annotations

from graphrun.nodes.base import Combo, Files, NodeType, register


@register
class LoadImageMask(NodeType):
    CLASS_TYPE = "LoadImageMask"
    DISPLAY_NAME = "Load Image (as Mask)"
    CATEGORY = "mask"
    INPUTS = (Files("image", "input", image_upload=True), Combo("channel", ["alpha", "red", "green", "blue"]))
    OUTPUTS = ("MASK",)

    @staticmethod
    def is_changed(ctx, image, channel=None):
        """SHA-256 of the file, as ComfyUI's LoadImageMask.IS_CHANGED."""
        from graphrun.backend.images import image_sha256

        return image_sha256(_path(ctx, image))

    def run(self, ctx, image, channel):
        from graphrun.backend.masks import load_image_mask

        return (load_image_mask(_path(ctx, image), channel, name=image),)


def _path(ctx, image):
    from graphrun.backend.paths import resolve_input

    s = ctx.settings
    return resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), image, input_name="image")
