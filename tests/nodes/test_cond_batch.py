"""cond_batch against hand-derived values: a stand-in model predicts a constant per context, so every latent cell
of a side's result is the mult-weighted mean of those constants (ComfyUI's get_area_and_mult / calc_cond_batch)."""

from __future__ import annotations

import torch

from graphrun.sampling.cond_batch import calc_cond_batch, pair_areas, prepare
from graphrun.values import CondEntry


class _Sampling:
    def percent_to_sigma(self, p):  # a simple monotone stand-in: 10 at 0 %, 0 at 100 %
        return 10.0 * (1.0 - p)


def _entry(value: float, tokens: int = 3, **fields) -> CondEntry:
    return CondEntry(torch.full((1, tokens, 2), value), **fields)


def _predict(calls):
    def predict(x_in, sigma_in, context, conds):
        calls.append(x_in.shape[0])
        return context.mean(dim=(1, 2)).reshape(-1, 1, 1, 1).expand_as(x_in).clone()
    return predict


X = torch.zeros(1, 4, 16, 32)
SIGMA = torch.tensor([6.0])


def test_area_strength_and_edge_fade():
    a, b, s = 1.0, 5.0, 0.5
    side = prepare([_entry(a), _entry(b, area=(16, 16, 0, 16), strength=s)], X.shape, _Sampling())
    calls = []
    (out,) = calc_cond_batch(_predict(calls), [side], X, SIGMA)
    # area of 16 columns from x=16: the left edge fades over min(8, 16 // 4) = 4 columns, the other edges touch
    # the latent border and do not fade
    m = torch.tensor([s * min(1.0, (j + 1) / 4) for j in range(16)])
    expected = torch.cat([torch.full((16,), a), (a + b * m) / (1 + m)])
    assert torch.allclose(out[0, 0, 0], expected, rtol=1e-6, atol=1e-6)
    assert torch.equal(out[0, :, 3], out[0, :, 11])  # no fade along the height
    assert calls == [1, 1]  # different input shapes (whole latent vs crop): two model calls


def test_timestep_range_and_mask():
    ms = _Sampling()
    mask = torch.zeros(1, 8, 16)
    mask[:, :, 8:] = 1.0  # right half, half resolution: resized bilinearly to 16x32
    late = _entry(7.0, timestep_start=0.5)  # only once sigma <= percent_to_sigma(0.5) = 5
    masked = _entry(3.0, mask=mask, mask_strength=2.0)
    side = prepare([_entry(1.0), late, masked], X.shape, ms)
    (early_out,) = calc_cond_batch(_predict([]), [side], X, SIGMA)  # sigma 6: `late` is skipped
    m = torch.nn.functional.interpolate(mask.unsqueeze(1), size=(16, 32), mode="bilinear")[0, 0] * 2.0
    assert torch.allclose(early_out[0, 0], (1.0 + 3.0 * m) / (1.0 + m), rtol=1e-6, atol=1e-6)
    (late_out,) = calc_cond_batch(_predict([]), [side], X, torch.tensor([4.0]))
    assert torch.allclose(late_out[0, 0], (1.0 + 7.0 + 3.0 * m) / (2.0 + m), rtol=1e-6, atol=1e-6)


def test_negative_gets_an_entry_for_each_positive_area():
    ms = _Sampling()
    pos = prepare([_entry(1.0), _entry(5.0, area=(8, 8, 4, 4))], X.shape, ms)
    neg = prepare([_entry(-1.0)], X.shape, ms)
    pair_areas([pos, neg])
    assert len(pos) == 2 and len(neg) == 2
    assert neg[1].area == (8, 8, 4, 4) and float(neg[1].cross_attn.mean()) == -1.0
    calls = []
    cond, uncond = calc_cond_batch(_predict(calls), [pos, neg], X, SIGMA)
    assert calls == [2, 2]  # whole-latent pair, then the two crops together
    assert torch.allclose(uncond, torch.full_like(uncond, -1.0))  # the copy predicts the same constant
