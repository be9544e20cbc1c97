"""Memory budget: refuse work whose estimated peak memory is over the budget, before allocating anything.

The estimates are deliberately simple upper-bound-ish figures, said in the error: a VAE keeps about four
full-resolution activations of its widest full-resolution layer (block_out_channels[0]) alive at once, plus
its input and output; a resize holds its input and output. The budget is `Settings.memory_budget_gb`
(`--memory-budget`, $GRAPHRUN_MEMORY_BUDGET_GB), by default 80% of the machine's physical memory.
"""

from __future__ import annotations

import os

from graphrun.errors import NodeInputError

GIB = 1 << 30
_VAE_LIVE_ACTIVATIONS = 4


def physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def budget_bytes(settings) -> int | None:
    """The budget in bytes (None: unlimited, when neither configured nor the machine's memory is known)."""
    gb = getattr(settings, "memory_budget_gb", None)
    if gb is not None:
        return int(gb * GIB)
    total = physical_memory()
    return int(total * 0.8) if total else None


def vae_estimate(batch: int, height: int, width: int, widest: int, dtype_bytes: int, channels: int = 3) -> int:
    """Peak bytes of a VAE encode/decode at pixel size height x width."""
    pixels = batch * height * width
    return pixels * (widest * _VAE_LIVE_ACTIVATIONS * dtype_bytes + 2 * channels * 4)


def resize_estimate(batch: int, channels: int, old_hw: tuple[int, int], new_hw: tuple[int, int]) -> int:
    """Peak bytes of resizing float32 [batch, channels, H, W] to new_hw (input + output, plus a working copy)."""
    return batch * channels * 4 * (old_hw[0] * old_hw[1] + 2 * new_hw[0] * new_hw[1])


def require(settings, input_name: str | None, what: str, estimate: int, value=None) -> None:
    """Raise NodeInputError when `estimate` bytes exceed the budget; the message carries both numbers."""
    budget = budget_bytes(settings)
    if budget is None or estimate <= budget:
        return
    raise NodeInputError(input_name, f"{what} would need about {estimate / GIB:.1f} GiB (estimate), over the "
                         f"memory budget of {budget / GIB:.1f} GiB; use a smaller size, or raise the budget with "
                         f"--memory-budget GB (or GRAPHRUN_MEMORY_BUDGET_GB)", value=value)
