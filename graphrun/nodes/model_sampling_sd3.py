"""ModelSamplingSD3: a model clone with discrete-flow sampling, sigma(t) = shift*t/(1+(shift-1)*t), CONST
prediction, timestep = sigma*1000 (ComfyUI comfy_extras/nodes_model_advanced.py)."""

from __future__ import annotations

from graphrun.nodes.base import Float, NodeType, Socket, register


def discrete_flow_patch(model, shift: float, multiplier: float):
    from graphrun.sampling.model_sampling import ModelSamplingDiscreteFlow

    return (model.with_model_sampling(ModelSamplingDiscreteFlow(shift=shift, multiplier=multiplier)),)


@register
class ModelSamplingSD3(NodeType):
    CLASS_TYPE = "ModelSamplingSD3"
    DISPLAY_NAME = "ModelSamplingSD3"
    CATEGORY = "advanced/model"
    INPUTS = (Socket("model", "MODEL"), Float("shift", 3.0, 0.0, 100.0, step=0.01))
    OUTPUTS = ("MODEL",)

    def run(self, ctx, model, shift):
        return discrete_flow_patch(model, shift, 1000)

