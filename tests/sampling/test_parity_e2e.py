"""End-to-end KSampler / KSamplerAdvanced parity with ComfyUI v0.3.64 on the tiny SD1.5 checkpoint.

Conditioning comes from ComfyUI's own CLIPTextEncode outputs (g_clip_positive/negative, the sampling prompts)
and the img2img latent from its VAEEncode output, so only graphrun's UNet + sampling stack is under test.
"""

from __future__ import annotations

import pytest
import torch

from graphrun.sampling.ksampler import common_ksampler
from graphrun.values import CondEntry, Latent

from ._parity import PARITY_PREFIXES, case_names, input_latent, ksampler_kwargs, load_case, rel_l2

TOL = 1e-5
# Cases outside TOL for reasons outside graphrun.sampling, with the bound they are held to instead. Sampling
# itself replays bit-exactly on them (test_replay); the UNet's first prediction at the bit-identical start
# state already differs from ComfyUI's by ~1.1e-5 relative (no noise added, so D ~ x is small and the UNet's
# rounding shows), and the trajectory carries that to the output.
KNOWN = {"b_adv_euler_normal_s20_start04_addnoise_disable": 5e-5}

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def model(tiny_ckpt):
    from graphrun.backend.checkpoints import load_checkpoint

    torch.set_num_threads(1)
    return load_checkpoint(tiny_ckpt, device="cpu").model


def _cond(parity_dir, name):
    t = load_case(str(parity_dir), name)[1]
    return (CondEntry(t["cond"], pooled_output=t["pooled_output"]),)


def test_end_to_end_cases(parity_dir, model):
    pos, neg = _cond(parity_dir, "g_clip_positive"), _cond(parity_dir, "g_clip_negative")
    results = []
    for name in case_names(parity_dir, PARITY_PREFIXES):
        meta, t = load_case(str(parity_dir), name)
        s = meta["settings"]
        assert s.get("pos", s.get("positive_prompt")) in (None, meta["environment"]["positive_prompt"])
        latent = Latent(input_latent(parity_dir, s))
        with torch.inference_mode():
            out = common_ksampler(model, positive=pos, negative=neg, latent=latent, **ksampler_kwargs(s))
        if meta["sigmas_used"] is None or meta["sigmas_used"] == []:
            assert out is latent and torch.equal(out.samples, t["samples"]), name
        results.append((rel_l2(out.samples, t["samples"]), s["sampler_name"], s["scheduler"], name))
    results.sort(reverse=True)
    print("\nworst end-to-end rel L2:")
    for r in results[:12]:
        print(f"  {r[0]:.3e}  {r[3]}")
    bad = [r for r in results if not r[0] <= KNOWN.get(r[3], TOL)]
    assert not bad, f"{len(bad)} of {len(results)} cases above {TOL}: {bad}"
