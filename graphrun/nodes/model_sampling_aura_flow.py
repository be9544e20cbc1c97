"""ModelSamplingAuraFlow: ModelSamplingSD3 with timestep = sigma*1 (multiplier 1) and default shift 1.73 (ComfyUI
comfy_extras/nodes_model_advanced.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register
from graphrun.nodes.model_sampling_sd3 import discrete_flow_patch


@register
class ModelSamplingAuraFlow(NodeType):
    CLASS_TYPE = "ModelSamplingAuraFlow"
    DISPLAY_NAME = "ModelSamplingAuraFlow"
    CATEGORY = "advanced/model"
    INPUTS = (Socket("model", "MODEL"), Float("shift", 1.73, 0.0, 100.0, step=0.01))
    OUTPUTS = ("MODEL",)

    def run(self, ctx, model, shift):
        return discrete_flow_patch(model, shift, 1.0)
