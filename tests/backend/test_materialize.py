"""to_compute: the same tensors as `.to(dtype)`, converted into one buffer on CPU (graphrun.backend.materialize)."""

from __future__ import annotations

import torch

from graphrun.backend.materialize import to_compute


def _weights():
    g = torch.Generator().manual_seed(0)
    return {
        "a.weight": torch.randn(7, 3, 3, 3, generator=g).half(),
        "a.bias": torch.randn(7, generator=g).half(),
        "scalar": torch.tensor(0.3, dtype=torch.float16),
        "b.weight": torch.randn(5, 4, generator=g).t().bfloat16(),  # non-contiguous source
        "kept": torch.randn(3, generator=g),  # already float32: returned as is, like .to()
        "empty": torch.empty(0, 4, dtype=torch.float16),
    }


def test_values_dtypes_and_shapes_match_to():
    w = _weights()
    got = to_compute(w, device="cpu", dtype=torch.float32)
    assert list(got) == list(w)
    for k, v in w.items():
        ref = v.to(dtype=torch.float32)
        assert got[k].dtype == torch.float32 and got[k].shape == v.shape
        assert torch.equal(got[k], ref), k


def test_converted_tensors_share_one_aligned_buffer_and_matching_ones_are_not_copied():
    w = _weights()
    got = to_compute(w, device="cpu", dtype=torch.float32)
    assert got["kept"] is w["kept"]
    converted = [k for k in w if k != "kept"]
    storages = {got[k].untyped_storage().data_ptr() for k in converted}
    assert len(storages) == 1
    assert all(got[k].data_ptr() % 64 == 0 for k in converted if got[k].numel())
    # the views do not overlap: writing one leaves the others unchanged
    before = {k: got[k].clone() for k in converted}
    got["a.bias"].fill_(123.0)
    assert all(torch.equal(got[k], before[k]) for k in converted if k != "a.bias")


def test_nothing_to_convert_returns_the_same_tensors():
    w = {"x": torch.zeros(2), "y": torch.ones(3)}
    got = to_compute(w, device="cpu", dtype=torch.float32)
    assert got["x"] is w["x"] and got["y"] is w["y"]
