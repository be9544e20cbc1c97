"""ModelSamplingDiscrete: a MODEL clone with another discrete sampling type and optional zero-terminal-SNR
(ComfyUI comfy_extras/nodes_model_advanced.py; SD schedule settings, as every SD1/SD2/SDXL config has)."""

from __future__ import annotations

from graphrun.nodes.base import Combo, In, NodeType, Socket, register

SAMPLINGS = ["eps", "v_prediction", "lcm", "x0", "img_to_img"]


@register
class ModelSamplingDiscrete(NodeType):
    CLASS_TYPE = "ModelSamplingDiscrete"
    DISPLAY_NAME = "ModelSamplingDiscrete"
    CATEGORY = "advanced/model"
    INPUTS = (Socket("model", "MODEL"), Combo("sampling", SAMPLINGS), In("zsnr", "BOOLEAN", {"default": False}))
    OUTPUTS = ("MODEL",)

    def run(self, ctx, model, sampling, zsnr):
        from graphrun.sampling.model_sampling import discrete_sampling

        return (model.with_model_sampling(discrete_sampling(sampling, bool(zsnr))),)
