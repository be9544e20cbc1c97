"""VAEEncodeForInpaint: encode with the masked pixels blanked to grey, and a grown noise mask (ComfyUI nodes.py).

The mask is resized (bilinear) to the image, both are centre-cropped to the VAE's 8× grid, masked pixels
(mask rounded) become 0.5 before encoding, and the noise mask is the rounded mask dilated by grow_mask_by.
"""

from __future__ import annotations

from graphrun.nodes.base import Int, NodeType, Socket, register
from graphrun.values import Latent


@register
class VAEEncodeForInpaint(NodeType):
    CLASS_TYPE = "VAEEncodeForInpaint"
    DISPLAY_NAME = "VAE Encode (for Inpainting)"
    CATEGORY = "latent/inpaint"
    INPUTS = (Socket("pixels", "IMAGE"), Socket("vae", "VAE"), Socket("mask", "MASK"),
              Int("grow_mask_by", 6, 0, 64, step=1))
    OUTPUTS = ("LATENT",)

    def run(self, ctx, pixels, vae, mask, grow_mask_by=6):
        from graphrun.backend.masks import (blank_masked_pixels, check_image, check_mask, check_mask_batch,
                                            crop_offsets, grow_mask, resize_mask_to)

        check_image(pixels, "pixels")
        mask = check_mask(mask)
        check_mask_batch(mask, pixels.shape[0])
        h, w, oy, ox = crop_offsets(pixels.shape[1], pixels.shape[2], vae.downscale)
        mask = resize_mask_to(mask, pixels.shape[1], pixels.shape[2])
        if (h, w) != tuple(pixels.shape[1:3]):
            pixels = pixels[:, oy:oy + h, ox:ox + w, :]
            mask = mask[:, :, oy:oy + h, ox:ox + w]
        grown = grow_mask(mask, grow_mask_by)
        latent = vae.encode(blank_masked_pixels(pixels, mask))
        return (Latent(latent, noise_mask=grown[:, :, :h, :w].round()),)
