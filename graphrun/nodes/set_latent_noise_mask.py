"""SetLatentNoiseMask: attach a noise mask to a LATENT; samplers then only change where it is 1 (nodes.py)."""

from __future__ import annotations

from dataclasses import replace

from graphrun.nodes.base import NodeType, Socket, register


@register
class SetLatentNoiseMask(NodeType):
    CLASS_TYPE = "SetLatentNoiseMask"
    DISPLAY_NAME = "Set Latent Noise Mask"
    CATEGORY = "latent/inpaint"
    INPUTS = (Socket("samples", "LATENT"), Socket("mask", "MASK"))
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, mask):
        from graphrun.backend.masks import check_mask, check_mask_batch

        mask = check_mask(mask)
        check_mask_batch(mask, samples.samples.shape[0], what="latent")
        return (replace(samples, noise_mask=mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1]))),)
