"""Checkpoint tensors in the compute dtype, on CPU in one allocation instead of one `.to()` per tensor.

Loading a half-precision checkpoint for fp32 compute writes every weight once more (SD1.5: 3.4 GB for the UNet);
nearly all of that time is the kernel faulting in fresh pages. Converting into views of a single buffer gives the
same values (the same conversion kernel, `copy_`) with measurably less fault overhead than ~700 separate
allocations (docs/benchmarks.md, "Load"). Tensors already in the target dtype and device are returned as they
are, exactly as `.to()` does (memory-mapped checkpoint tensors stay mapped).
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor

_ALIGN_BYTES = 64  # each view starts on a cache line, as a separate torch allocation would


def to_compute(weights: Mapping[str, Tensor], *, device: torch.device | str, dtype: torch.dtype) -> dict[str, Tensor]:
    """`{k: v.to(device=device, dtype=dtype)}` with the same values; on CPU the converted tensors share one buffer."""
    dev = torch.device(device)
    if dev.type != "cpu":
        return {k: v.to(device=dev, dtype=dtype) for k, v in weights.items()}
    todo = [k for k, v in weights.items() if v.dtype != dtype or v.device != dev]
    if not todo:
        return dict(weights)
    step = max(1, _ALIGN_BYTES // torch.empty((), dtype=dtype).element_size())
    offsets, total = {}, 0
    for k in todo:
        offsets[k] = total
        total += -(-weights[k].numel() // step) * step
    arena = torch.empty(total, dtype=dtype)
    out = {}
    for k, v in weights.items():
        if k in offsets:
            view = arena[offsets[k]:offsets[k] + v.numel()].view(v.shape)
            view.copy_(v)
            out[k] = view
        else:
            out[k] = v
    return out
