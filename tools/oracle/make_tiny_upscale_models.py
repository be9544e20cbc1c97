"""Tiny deterministic upscale models in layouts spandrel recognises, for the upscale-model parity cases.

  tiny-srvgg-x2.safetensors   Real-ESRGAN compact (SRVGGNetCompact): 3 -> 3 channels, num_feat 8, num_conv 2, 2x
  tiny-esrgan-x2.safetensors  old-arch ESRGAN (RRDBNet, "model.N" keys): num_filters 8, 1 RRDB block, 2x

Weights: each tensor (sorted by name) drawn from its own torch.Generator seeded BASE_SEED + index, uniform in
±1/sqrt(fan_in) for weights, ±0.05 for biases/PReLU slopes; saved as float32 with safetensors (byte-reproducible,
SHA256 below; not committed: the tests and the oracle regenerate them). Runs with graphrun's spandrel import (no torchvision needed).

    python tools/oracle/make_tiny_upscale_models.py --out-dir MODELS/upscale_models
"""
import argparse
import math
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BASE_SEED = 20251205
SHA256 = {"tiny-srvgg-x2.safetensors": "d738cd625c1473c86240574e4352cdedefc4bb80010c7459f88e5b3ca3a44eb5",
          "tiny-esrgan-x2.safetensors": "ca7b4e5bb70a531ce93ab547f5fdf1bb1d9e46188803fa2175bd15da2594d76d"}


def _fill(sd):
    out = {}
    for i, name in enumerate(sorted(sd)):
        t = sd[name]
        g = torch.Generator().manual_seed(BASE_SEED + i)
        if t.ndim >= 2:
            bound = 1.0 / math.sqrt(t[0].numel())
        else:
            bound = 0.05
        out[name] = ((torch.rand(t.shape, generator=g, dtype=torch.float64) * 2 - 1) * bound).float().contiguous()
    return out


def models():
    if "spandrel" not in sys.modules:  # graphrun's import copes with a missing torchvision
        sys.path.insert(0, REPO)
        from graphrun.backend.upscale_models import import_spandrel

        import_spandrel()
    from spandrel.architectures.Compact import Compact
    from spandrel.architectures.ESRGAN import ESRGAN

    compact = Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=2)
    esrgan = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=2)
    esrgan_sd = _fill(esrgan.state_dict())
    last = "model.%d.bias" % max(int(k.split(".")[1]) for k in esrgan_sd)
    esrgan_sd[last] = esrgan_sd[last] + 0.5  # centre the output in 0..1 (it would be clamped to ~0 otherwise)
    return {"tiny-srvgg-x2.safetensors": _fill(compact.state_dict()), "tiny-esrgan-x2.safetensors": esrgan_sd}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for name, sd in models().items():
        save_file(sd, os.path.join(a.out_dir, name))
        print("wrote", name, sum(t.numel() for t in sd.values()), "parameters")


if __name__ == "__main__":
    main()
