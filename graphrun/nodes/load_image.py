"""LoadImage: file in the input folder -> IMAGE [F,H,W,3] + MASK (ComfyUI v0.3.64 semantics)."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register


@register
class LoadImage(NodeType):
    CLASS_TYPE = "LoadImage"
    DISPLAY_NAME = "Load Image"
    CATEGORY = "image"
    INPUTS = (Files("image", "input", image_upload=True),)
    OUTPUTS = ("IMAGE", "MASK")

    @staticmethod
    def is_changed(ctx, image):
        """SHA-256 of the file, as ComfyUI's LoadImage.IS_CHANGED."""
        from graphrun.backend.images import image_sha256

        return image_sha256(_path(ctx, image))

    def run(self, ctx, image):
        from graphrun.backend.images import load_image

        return load_image(_path(ctx, image), name=image)


def _path(ctx, image):
    from graphrun.backend.paths import resolve_input

    s = ctx.settings
    return resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), image, input_name="image")
