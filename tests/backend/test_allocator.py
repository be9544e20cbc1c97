"""keep_freed_memory (graphrun.backend.allocator): a freed large tensor's pages are reused, not faulted in again.

Each case runs in a fresh interpreter, since the glibc setting is process-wide and cannot be undone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")

PROBE = r"""
import json, resource, torch
from graphrun.backend.allocator import keep_freed_memory
applied = keep_freed_memory()
x = torch.ones(1, 64, 512, 512)  # 64 MB activations: above glibc's default 32 MB mmap ceiling
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(8):  # a chain of out-of-place ops, each result freeing the one before, as in a VAE pass
    x = torch.nn.functional.silu(x) * 0.5 + 1.0
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"applied": applied, "faults": faults, "pages": x.numel() * 4 // 4096, "sum": float(x.sum())}))
"""


def _probe(**env) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         env={**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _glibc() -> bool:
    import platform

    return platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not _glibc(), reason="needs glibc")
def test_freed_activations_are_reused_instead_of_faulted_in_again():
    kept, default = _probe(), _probe(GRAPHRUN_MALLOC="default")
    assert kept["applied"] is True and default["applied"] is False
    assert kept["sum"] == default["sum"]  # same values either way
    # glibc's default maps and faults in every one of the 24 results (8 x silu, mul, add)
    assert default["faults"] > 20 * default["pages"]
    assert kept["faults"] < default["faults"] / 2
