"""Initial noise (prepare_noise) against ComfyUI's recorded noise, bit for bit."""

from __future__ import annotations

import pytest
import torch

from graphrun.sampling.noise import prepare_noise, seeded_noise_sampler

from ._parity import load_case

SEED = 280823642470253

pytestmark = pytest.mark.parity


def test_noise_single_and_batch(parity_dir):
    for shape in ([1, 4, 8, 12], [2, 4, 8, 12]):
        name = f"noise_seed{SEED}_{'x'.join(map(str, shape))}"
        ref = load_case(str(parity_dir), name)[1]["noise"]
        got = prepare_noise(torch.zeros(shape), SEED)
        assert got.dtype == torch.float32 and torch.equal(got, ref), name


def test_batch_index_replicates_per_index_draws(parity_dir):
    ref1 = load_case(str(parity_dir), f"noise_seed{SEED}_1x4x8x12")[1]["noise"]
    got = prepare_noise(torch.zeros([3, 4, 8, 12]), SEED, batch_index=[0, 2, 0])
    assert torch.equal(got[0], ref1[0]) and torch.equal(got[2], ref1[0])
    g = torch.Generator().manual_seed(SEED)
    draws = [torch.randn([1, 4, 8, 12], generator=g) for _ in range(3)]
    assert torch.equal(got[1], draws[2][0])


def test_first_seeded_step_noise_equals_initial_noise(parity_dir):
    ref = load_case(str(parity_dir), f"noise_seed{SEED}_1x4x8x12")[1]["noise"]
    ns = seeded_noise_sampler(torch.zeros([1, 4, 8, 12]), SEED)
    assert torch.equal(ns(None, None), ref)
