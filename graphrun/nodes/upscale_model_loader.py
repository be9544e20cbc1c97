"""UpscaleModelLoader: an image upscale model from models/upscale_models via spandrel (safe loading only)."""

from __future__ import annotations

from graphrun.nodes._v3 import V3Files
from graphrun.nodes.base import NodeType, register


@register
class UpscaleModelLoader(NodeType):
    CLASS_TYPE = "UpscaleModelLoader"
    DISPLAY_NAME = "Load Upscale Model"
    CATEGORY = "loaders"
    INPUTS = (V3Files("model_name", "upscale_models"),)
    OUTPUTS = ("UPSCALE_MODEL",)

    def run(self, ctx, model_name):
        from graphrun.backend.upscale_models import load_upscale_model
        from graphrun.nodes._model_files import find_path

        path = find_path(ctx, "upscale_models", model_name)
        if path is None:  # --stub-models
            return (_stand_in(ctx, model_name),)
        return (load_upscale_model(path),)


def _stand_in(ctx, model_name: str):
    from graphrun.backend.upscale_stub import make_upscale_stand_in, scale_from_name

    scale = scale_from_name(model_name)
    note = (f"{model_name}: random-weight Real-ESRGAN compact stand-in ({scale}x from the file name; tiny, any "
            "--stub-models size), not the real upscale model")
    if note not in ctx.stub_notes:
        ctx.stub_notes.append(note)
        ctx.log(f"STUB MODEL: {note}")
    return ctx.store.get_or_load(ctx.store.stubs, ("upscale", scale), lambda: make_upscale_stand_in(scale))
