"""RandomNoise: NOISE drawn like KSampler's (CPU generator seeded with noise_seed, batch_index aware)."""

from __future__ import annotations

from graphrun.nodes._custom_common import SEED_MAX
from graphrun.nodes.base import Int, NodeType, register


@register
class RandomNoise(NodeType):
    CLASS_TYPE = "RandomNoise"
    DISPLAY_NAME = "RandomNoise"
    CATEGORY = "sampling/custom_sampling/noise"
    INPUTS = (Int("noise_seed", 0, 0, SEED_MAX, control_after_generate=True),)
    OUTPUTS = ("NOISE",)

    def run(self, ctx, noise_seed):
        from graphrun.sampling.custom import Noise

        return (Noise(noise_seed),)
