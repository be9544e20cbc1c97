"""Schedulers and KSampler/KSamplerAdvanced sigma slicing against ComfyUI's own sigmas (sigmas.json)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from graphrun.sampling.ksampler import calculate_sigmas, ksampler_sigmas
from graphrun.sampling.model_sampling import ModelSamplingDiscrete
from graphrun.sampling.schedulers import scheduler_names

from ._parity import load_sigmas_json

MS = ModelSamplingDiscrete()

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def ref(parity_dir):
    return load_sigmas_json(str(parity_dir / "sigmas.json"))


# Vectorised exp/pow/tan kernels differ by CPU SIMD level (the reference CPU vs AVX2 here): some float32 values
# land one ulp apart, so "exact" means within MAX_ULP units in the last place (0 ulp for zeros and lengths).
MAX_ULP = 1


def _ulps(a: float, b: float) -> int:
    ia, ib = (int(np.array(v, dtype=np.float32).view(np.int32)) for v in (a, b))
    return abs(ia - ib)


def _same(got: torch.Tensor | None, want) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if got.dtype != torch.float32 or len(got) != len(want):
        return False
    return all(
        (math.isnan(w) and math.isnan(g)) or g == w or (w != 0 and _ulps(g, w) <= MAX_ULP)
        for g, w in zip(got.tolist(), want)
    )


def test_table_matches(ref):
    about = ref["about"]["model_sampling"]
    assert MS.sigmas.tolist() == about["sigmas"]
    assert MS.log_sigmas.tolist() == about["log_sigmas"]
    assert float(MS.sigma_min) == about["sigma_min"] and float(MS.sigma_max) == about["sigma_max"]


def test_scheduler_names_in_comfy_order(ref):
    assert scheduler_names() == ref["about"]["schedulers"]


@pytest.mark.parametrize("table", ["ksampler", "ksampler_discard_penultimate"])
def test_ksampler_sigmas(ref, table):
    bad = []
    for e in ref[table]:
        got = ksampler_sigmas(MS, e["scheduler"], e["sampler"], e["steps"], e["denoise"])
        if not _same(got, e["sigmas"]):
            bad.append((e["scheduler"], e["steps"], e["denoise"], got, e["sigmas"]))
    assert not bad, f"{len(bad)} of {len(ref[table])} mismatch, first: {bad[0]}"
    assert {e["scheduler"] for e in ref[table]} == set(scheduler_names())


def test_ksampler_advanced_sigmas(ref):
    bad = []
    for e in ref["ksampler_advanced"]:
        full = calculate_sigmas(MS, e["scheduler"], e["sampler"], e["steps"])
        got = ksampler_sigmas(
            MS, e["scheduler"], e["sampler"], e["steps"], 1.0, e["start_at_step"], e["end_at_step"],
            e["force_full_denoise"],
        )
        if "full_schedule" in e and not _same(full, e["full_schedule"]):
            bad.append(("full", e))
        if not _same(got, e["sigmas"]) or (got is None) != e["returns_input_latent_unchanged"]:
            bad.append((e, got))
    assert not bad, f"{len(bad)} of {len(ref['ksampler_advanced'])} mismatch, first: {bad[0]}"


def test_unknown_scheduler_names_closest():
    with pytest.raises(ValueError, match="karras"):
        ksampler_sigmas(MS, "karas", "euler", 10)


def test_denoise_uses_double_truncation():
    # 14 / 0.56 = 24.999999999999996 -> 24 schedule steps (spec D.3)
    a = ksampler_sigmas(MS, "normal", "euler", 14, 0.56)
    assert torch.equal(a, calculate_sigmas(MS, "normal", "euler", 24)[-15:])
