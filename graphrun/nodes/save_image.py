"""SaveImage: PNGs named prefix_00001_.png with prompt/workflow tEXt chunks, 8-bit by truncation."""

from __future__ import annotations

from graphrun.nodes._output_common import metadata
from graphrun.nodes.base import NodeType, Socket, String, register


@register
class SaveImage(NodeType):
    CLASS_TYPE = "SaveImage"
    DISPLAY_NAME = "Save Image"
    CATEGORY = "image"
    DESCRIPTION = "Saves the input images to your ComfyUI output directory."
    INPUTS = (
        Socket("images", "IMAGE", tooltip="The images to save."),
        String("filename_prefix", "ComfyUI", tooltip="The prefix for the file to save."),
    )
    HIDDEN = {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    OUTPUT_NODE = True

    def run(self, ctx, images, filename_prefix):
        from graphrun.backend.images import save_images

        prompt, extra = metadata(ctx)
        saved = save_images(images, output_dir=ctx.settings.output_dir,
                            filename_prefix=filename_prefix, prompt=prompt,
                            extra_pnginfo=extra)
        ctx.written.extend(s.path for s in saved)
        return ()
