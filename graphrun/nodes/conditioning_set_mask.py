"""ConditioningSetMask: weight the entries per latent pixel by a mask (resized bilinearly when sampling), times
`strength`; "mask bounds" also crops sampling to the mask's bounding box (nodes.py, comfy/samplers.py)."""

from __future__ import annotations

from graphrun.nodes.base import Combo, Float, NodeType, Socket, register


@register
class ConditioningSetMask(NodeType):
    CLASS_TYPE = "ConditioningSetMask"
    DISPLAY_NAME = "Conditioning (Set Mask)"
    CATEGORY = "conditioning"
    INPUTS = (
        Socket("conditioning", "CONDITIONING"),
        Socket("mask", "MASK"),
        Float("strength", 1.0, 0.0, 10.0, step=0.01),
        Combo("set_cond_area", ["default", "mask bounds"]),
    )
    OUTPUTS = ("CONDITIONING",)

    def run(self, ctx, conditioning, mask, strength, set_cond_area):
        from graphrun.backend.masks import check_mask
        from graphrun.nodes._conditioning import with_values

        mask = check_mask(mask)
        if mask.ndim == 4:  # [B,1,H,W]: ComfyUI would keep 4 dims and fail when sampling
            mask = mask[:, 0]
        if mask.ndim < 3:
            mask = mask.unsqueeze(0)
        return (with_values(conditioning, mask=mask, set_area_to_bounds=set_cond_area != "default",
                            mask_strength=strength),)
