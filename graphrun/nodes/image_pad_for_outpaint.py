"""ImagePadForOutpaint: grey (0.5) borders added around an image, and a mask that is 1 on the borders and fades
into the image over `feathering` pixels from the padded sides, squared (ComfyUI nodes.py)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, Int, NodeType, Socket, register


def outpaint_mask(height: int, width: int, left: int, top: int, right: int, bottom: int, feathering: int):
    import torch

    mask = torch.ones((height + top + bottom, width + left + right), dtype=torch.float32)
    inner = torch.zeros((height, width), dtype=torch.float32)
    if feathering > 0 and feathering * 2 < height and feathering * 2 < width:
        # distance to the nearest padded side (unpadded sides count as far away), as ComfyUI's loop computes it
        i = torch.arange(height).reshape(-1, 1).expand(height, width)
        j = torch.arange(width).reshape(1, -1).expand(height, width)
        far_h = torch.full_like(i, height)
        far_w = torch.full_like(j, width)
        d = torch.minimum(torch.minimum(i if top else far_h, height - i if bottom else far_h),
                          torch.minimum(j if left else far_w, width - j if right else far_w))
        v = (feathering - d).double() / feathering
        inner = torch.where(d < feathering, (v * v).float(), inner)
    mask[top:top + height, left:left + width] = inner
    return mask.unsqueeze(0)


@register
class ImagePadForOutpaint(NodeType):
    CLASS_TYPE = "ImagePadForOutpaint"
    DISPLAY_NAME = "Pad Image for Outpainting"
    CATEGORY = "image"
    INPUTS = (
        Socket("image", "IMAGE"),
        Int("left", 0, 0, MAX_RESOLUTION, step=8),
        Int("top", 0, 0, MAX_RESOLUTION, step=8),
        Int("right", 0, 0, MAX_RESOLUTION, step=8),
        Int("bottom", 0, 0, MAX_RESOLUTION, step=8),
        Int("feathering", 40, 0, MAX_RESOLUTION, step=1),
    )
    OUTPUTS = ("IMAGE", "MASK")

    def run(self, ctx, image, left, top, right, bottom, feathering):
        import torch

        from graphrun.backend.images import check_image_size

        b, h, w, c = image.shape
        check_image_size(w + left + right, h + top + bottom, b, input_name="left")
        out = torch.ones((b, h + top + bottom, w + left + right, c), dtype=torch.float32) * 0.5
        out[:, top:top + h, left:left + w, :] = image
        return (out, outpaint_mask(h, w, left, top, right, bottom, feathering))
