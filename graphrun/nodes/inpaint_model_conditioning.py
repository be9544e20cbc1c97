"""InpaintModelConditioning: latent of the whole image + its mask as noise mask, and the blanked image's latent
and the mask added to both conditionings (used by inpainting models' extra UNet input channels) (nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import In, NodeType, Socket, register
from graphrun.values import Latent


@register
class InpaintModelConditioning(NodeType):
    CLASS_TYPE = "InpaintModelConditioning"
    DISPLAY_NAME = "InpaintModelConditioning"
    CATEGORY = "conditioning/inpaint"
    INPUTS = (
        Socket("positive", "CONDITIONING"),
        Socket("negative", "CONDITIONING"),
        Socket("vae", "VAE"),
        Socket("pixels", "IMAGE"),
        Socket("mask", "MASK"),
        In("noise_mask", "BOOLEAN", {"default": True, "tooltip": "Add a noise mask to the latent so sampling will "
                                     "only happen within the mask. Might improve results or completely break "
                                     "things depending on the model."}),
    )
    OUTPUTS = ("CONDITIONING", "CONDITIONING", "LATENT")
    OUTPUT_NAMES = ("positive", "negative", "latent")

    def run(self, ctx, positive, negative, vae, pixels, mask, noise_mask=True):
        from graphrun.backend.masks import (blank_masked_pixels, check_image, check_mask, check_mask_batch,
                                            crop_offsets, resize_mask_to)
        from graphrun.nodes._conditioning import with_values

        check_image(pixels, "pixels")
        mask = check_mask(mask)
        check_mask_batch(mask, pixels.shape[0])
        h, w, oy, ox = crop_offsets(pixels.shape[1], pixels.shape[2], 8)  # ComfyUI uses 8 here, not the VAE's
        mask = resize_mask_to(mask, pixels.shape[1], pixels.shape[2])
        cropped = pixels
        if (h, w) != tuple(pixels.shape[1:3]):
            cropped = pixels[:, oy:oy + h, ox:ox + w, :]
            mask = mask[:, :, oy:oy + h, ox:ox + w]
        concat_latent = vae.encode(blank_masked_pixels(cropped, mask))
        latent = Latent(vae.encode(pixels), noise_mask=mask if noise_mask else None)
        values = {"concat_latent_image": concat_latent, "concat_mask": mask}
        return (with_values(positive, values), with_values(negative, values), latent)
