"""`--threads N` (and the opt-in `--dtype`/`--fast`): option helpers for every command that computes (run, sweep).

Default: the physical cores available to this process (hyper-threads share a core's FPU; on a busy machine extra
threads only add contention). The count is applied once per process with torch.set_num_threads before any
model work; torch is imported only then, so declaring the option keeps the CLI's start-up light.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from graphrun.errors import UsageError


def physical_cores() -> int:
    """Distinct (package, core) pairs among the CPUs this process may run on; os.cpu_count() if unknown."""
    try:
        allowed = os.sched_getaffinity(0)
    except AttributeError:  # not Linux
        allowed = set(range(os.cpu_count() or 1))
    cores = set()
    for cpu in allowed:
        topo = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(((topo / "physical_package_id").read_text().strip(), (topo / "core_id").read_text().strip()))
        except OSError:
            return max(1, len(allowed))
    return max(1, len(cores))


def add_threads_argument(p: argparse.ArgumentParser) -> None:
    """Declare --threads N (default None = the physical cores; see resolve_threads)."""
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default: the physical cores, here %d). CPU results can differ in the "
                        "last bits between thread counts" % physical_cores())


def resolve_threads(value: int | None) -> int:
    if value is None:
        return physical_cores()
    if value < 1:
        raise UsageError(f"--threads must be at least 1, got {value}")
    return value


def apply_threads(value: int | None) -> int:
    """Set torch's intra-op thread count for this process; returns the count used."""
    n = resolve_threads(value)
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def _fast_list(text: str) -> tuple[str, ...]:
    allowed = ("compile", "channels_last")
    items = tuple(t for t in text.split(",") if t)
    bad = [t for t in items if t not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown --fast option(s) {bad}; allowed: {', '.join(allowed)}")
    return items


def add_fast_arguments(p: argparse.ArgumentParser) -> None:
    """Opt-in speed modes, off the parity path (graphrun.backend.fast says what each changes)."""
    p.add_argument("--dtype", choices=["bf16", "fp16"], default=None,
                   help="compute the UNet and VAE in bf16/fp16 where the device has kernels for it (default: "
                        "ComfyUI's fp32 on CPU); numbers move off ComfyUI parity")
    p.add_argument("--fast", type=_fast_list, default=(), metavar="compile[,channels_last]",
                   help="torch.compile the UNet (compile cache reused across runs; first run compiles for "
                        "minutes) and/or channels_last weights; numbers may move at rounding level")
