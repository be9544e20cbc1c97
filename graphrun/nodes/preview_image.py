"""PreviewImage: like SaveImage, into the temp folder with a random suffix and compress_level 1."""

from __future__ import annotations

from graphrun.nodes._output_common import metadata
from graphrun.nodes.base import NodeType, Socket, register


@register
class PreviewImage(NodeType):
    CLASS_TYPE = "PreviewImage"
    DISPLAY_NAME = "Preview Image"
    CATEGORY = "image"
    INPUTS = (Socket("images", "IMAGE"),)
    HIDDEN = {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    OUTPUT_NODE = True

    def run(self, ctx, images):
        from graphrun.backend.images import preview_images

        prompt, extra = metadata(ctx)
        saved = preview_images(images, temp_dir=ctx.settings.resolved_temp_dir(), prompt=prompt,
                               extra_pnginfo=extra)
        ctx.written.extend(s.path for s in saved)
        return ()
