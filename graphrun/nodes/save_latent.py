"""SaveLatent: ComfyUI's .latent file (safetensors `latent_tensor` + format marker) in the output folder."""

from __future__ import annotations

from graphrun.nodes._output_common import metadata
from graphrun.nodes.base import NodeType, Socket, String, register


@register
class SaveLatent(NodeType):
    CLASS_TYPE = "SaveLatent"
    DISPLAY_NAME = "SaveLatent"
    CATEGORY = "_for_testing"
    INPUTS = (Socket("samples", "LATENT"), String("filename_prefix", "latents/ComfyUI"))
    HIDDEN = {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    OUTPUT_NODE = True

    def run(self, ctx, samples, filename_prefix):
        from graphrun.backend.latent_io import save_latent

        prompt, extra = metadata(ctx)
        saved = save_latent(samples.samples, output_dir=ctx.settings.output_dir,
                            filename_prefix=filename_prefix, prompt=prompt,
                            extra_pnginfo=extra)
        ctx.written.append(saved.path)
        return ()
