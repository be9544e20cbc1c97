"""LatentFromBatch: items [batch_index, batch_index+length) of a latent batch, clamped to the batch (nodes.py).

The result remembers which items it came from (`batch_index`), so KSampler draws the same noise for them as it
would inside the whole batch.
"""

from __future__ import annotations

import math
from dataclasses import replace

from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class LatentFromBatch(NodeType):
    CLASS_TYPE = "LatentFromBatch"
    DISPLAY_NAME = "Latent From Batch"
    CATEGORY = "latent/batch"
    INPUTS = (Socket("samples", "LATENT"), Int("batch_index", 0, 0, 63), Int("length", 1, 1, 64))
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, batch_index, length):
        s = samples.samples
        start = min(s.shape[0] - 1, batch_index)
        length = min(s.shape[0] - start, length)
        out = replace(samples, samples=s[start:start + length].clone())
        mask = samples.noise_mask
        if mask is not None:
            if mask.shape[0] == 1:
                out = replace(out, noise_mask=mask.clone())
            else:
                if mask.shape[0] < s.shape[0]:
                    mask = mask.repeat(math.ceil(s.shape[0] / mask.shape[0]), 1, 1, 1)[:s.shape[0]]
                out = replace(out, noise_mask=mask[start:start + length].clone())
        if samples.batch_index is None:
            index = tuple(range(start, start + length))
        else:
            index = tuple(samples.batch_index[start:start + length])
        return (replace(out, batch_index=index),)
