"""ImageCompositeMasked: paste `source` onto `destination` at (x, y) through an optional mask
(comfy_extras/nodes_mask.py `composite` with multiplier 1; positions clamped, the part outside is dropped)."""

from __future__ import annotations

from graphrun.nodes.base import MAX_RESOLUTION, In, Int, NodeType, Socket, register


def composite(destination, source, x: int, y: int, mask=None, resize_source: bool = False):
    """NCHW destination (changed in place and returned) and source; mask [B,H,W] or [H,W] or None."""
    import math

    import torch.nn.functional as F
    import torch

    def to_batch(t, n):
        if t.shape[0] > n:
            return t[:n]
        if t.shape[0] < n:
            return t.repeat((math.ceil(n / t.shape[0]),) + (1,) * (t.ndim - 1))[:n]
        return t

    if resize_source:
        source = F.interpolate(source, size=(destination.shape[-2], destination.shape[-1]), mode="bilinear")
    source = to_batch(source, destination.shape[0])
    x = max(-source.shape[-1], min(x, destination.shape[-1]))
    y = max(-source.shape[-2], min(y, destination.shape[-2]))
    left, top = x, y
    right, bottom = left + source.shape[-1], top + source.shape[-2]
    if mask is None:
        mask = torch.ones_like(source)
    else:
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])).clone(),
                             size=(source.shape[-2], source.shape[-1]), mode="bilinear")
        mask = to_batch(mask, source.shape[0])
    visible_w, visible_h = destination.shape[-1] - left + min(0, x), destination.shape[-2] - top + min(0, y)
    mask = mask[:, :, :visible_h, :visible_w]
    inverse = torch.ones_like(mask) - mask
    src = mask * source[..., :visible_h, :visible_w]
    dst = inverse * destination[..., top:bottom, left:right]
    destination[..., top:bottom, left:right] = src + dst
    return destination


@register
class ImageCompositeMasked(NodeType):
    CLASS_TYPE = "ImageCompositeMasked"
    DISPLAY_NAME = "ImageCompositeMasked"
    CATEGORY = "image"
    INPUTS = (
        Socket("destination", "IMAGE"),
        Socket("source", "IMAGE"),
        Int("x", 0, 0, MAX_RESOLUTION, step=1),
        Int("y", 0, 0, MAX_RESOLUTION, step=1),
        In("resize_source", "BOOLEAN", {"default": False}),
        In("mask", "MASK", group="optional"),
    )
    OUTPUTS = ("IMAGE",)

    def run(self, ctx, destination, source, x, y, resize_source, mask=None):
        import torch.nn.functional as F

        from graphrun.backend.masks import check_image, check_mask

        check_image(destination, "destination")
        check_image(source, "source")
        if mask is not None:
            mask = check_mask(mask)
        # node_helpers.image_alpha_fix: drop the source's alpha, or give the destination an opaque one
        if destination.shape[-1] < source.shape[-1]:
            source = source[..., :destination.shape[-1]]
        elif destination.shape[-1] > source.shape[-1]:
            destination = F.pad(destination, (0, 1))
            destination[..., -1] = 1.0
        out = composite(destination.clone().movedim(-1, 1), source.movedim(-1, 1), x, y, mask, resize_source)
        return (out.movedim(1, -1),)
