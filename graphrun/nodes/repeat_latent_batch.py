"""RepeatLatentBatch: the batch repeated `amount` times, with noise masks and batch indices (ComfyUI nodes.py)."""

from __future__ import annotations

from dataclasses import replace

from graphrun.nodes.base import Int, NodeType, Socket, register


@register
class RepeatLatentBatch(NodeType):
    CLASS_TYPE = "RepeatLatentBatch"
    DISPLAY_NAME = "Repeat Latent Batch"
    CATEGORY = "latent/batch"
    INPUTS = (Socket("samples", "LATENT"), Int("amount", 1, 1, 64))
    OUTPUTS = ("LATENT",)

    def run(self, ctx, samples, amount):
        s = samples.samples
        out = replace(samples, samples=s.repeat((amount,) + (1,) * (s.ndim - 1)))
        mask = samples.noise_mask
        if mask is not None and mask.shape[0] > 1:  # a single mask applies to every item as it is
            out = replace(out, noise_mask=mask.repeat((amount,) + (1,) * (mask.ndim - 1)))
        if samples.batch_index is not None:
            idx = list(samples.batch_index)
            offset = max(idx) - min(idx) + 1
            out = replace(out, batch_index=tuple(idx + [x + i * offset for i in range(1, amount) for x in idx]))
        return (out,)
