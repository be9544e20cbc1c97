"""ModelSamplingFlux: a model clone whose Flux sampling shift follows the image size (ComfyUI
comfy_extras/nodes_model_advanced.py): shift = base_shift at 256 2x2 latent patches, max_shift at 4096, linear in
width*height/(8*8*2*2) and extrapolated beyond; ModelSamplingFlux table, CONST prediction."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Float, Int, NodeType, Socket, register


def resolution_shift(max_shift: float, base_shift: float, width: int, height: int) -> float:
    x1, x2 = 256, 4096
    mm = (max_shift - base_shift) / (x2 - x1)
    b = base_shift - mm * x1
    return (width * height / (8 * 8 * 2 * 2)) * mm + b


@register
class ModelSamplingFlux(NodeType):
    CLASS_TYPE = "ModelSamplingFlux"
    DISPLAY_NAME = "ModelSamplingFlux"
    CATEGORY = "advanced/model"
    INPUTS = (
        Socket("model", "MODEL"),
        Float("max_shift", 1.15, 0.0, 100.0, step=0.01),
        Float("base_shift", 0.5, 0.0, 100.0, step=0.01),
        Int("width", 1024, 16, MAX_RESOLUTION, step=8),
        Int("height", 1024, 16, MAX_RESOLUTION, step=8),
    )
    OUTPUTS = ("MODEL",)

    def run(self, ctx, model, max_shift, base_shift, width, height):
        from graphrun.sampling.model_sampling import ModelSamplingFlux as Sampling

        return (model.with_model_sampling(Sampling(resolution_shift(max_shift, base_shift, width, height))),)
