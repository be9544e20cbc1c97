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

        path = ctx.folders.find("upscale_models", model_name)
        return (load_upscale_model(path),)
