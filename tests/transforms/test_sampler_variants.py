"""KSampler <-> KSamplerAdvanced equivalence, checked with the spec's slicing rules on ComfyUI-checked sigma lists."""

from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphrun.transforms.sampler_variants import (
    AdvancedSettings, KSamplerSettings, bits_equal, denoise_for, to_advanced, to_ksampler,
)
from graphrun.sampling.ksampler import calculate_sigmas
from graphrun.sampling.model_sampling import ModelSamplingDiscrete

# Full scheduler lists come from graphrun's scheduler registry, which tests/sampling/test_schedulers.py checks
# against ComfyUI's own lists (../shared/parity/sigmas.json) and test_scheduler_closed_forms.py against the
# formulas. What this file re-derives on its own is the KSampler slicing (spec D.2, `denoise_rule` and
# `advanced_rule` in sigmas.json), which the conversions are about; it is itself checked against sigmas.json below.
SCHEDULERS = ("simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
              "linear_quadratic", "kl_optimal")
SAMPLERS = ("euler", "dpm_2")  # dpm_2: discard-penultimate (spec C.4)
TRAPS = [(14, 0.56, 24), (17, 0.68, 24), (33, 0.55, 59), (7, 0.14, 49), (28, 0.28, 99)]
MS = ModelSamplingDiscrete()
_FULL: dict[tuple[str, str, int], torch.Tensor] = {}


def full(scheduler: str, sampler: str, n: int) -> torch.Tensor:
    key = (scheduler, sampler, n)
    if key not in _FULL:
        _FULL[key] = calculate_sigmas(MS, scheduler, sampler, n)
    return _FULL[key]


def sliced(scheduler, sampler, steps, denoise, start=None, last=None, force_full=False) -> torch.Tensor | None:
    """The list a KSampler node samples with, by the rules as the spec states them; None: input returned."""
    if denoise > 0.9999:
        s = full(scheduler, sampler, steps)
    elif denoise <= 0.0:
        return None
    else:
        s = full(scheduler, sampler, int(steps / denoise))[-(steps + 1):]
    if last is not None and last < len(s) - 1:
        s = s[:last + 1].clone()
        if force_full:
            s[-1] = 0.0
    if start is not None:
        if start >= len(s) - 1:
            return None
        s = s[start:]
    return s if len(s) else None


def ref_run(s) -> tuple[torch.Tensor | None, bool]:
    """(sigmas, adds noise) of a node by the slicing rules; (None, False) when it returns its input latent."""
    if isinstance(s, KSamplerSettings):
        return sliced(s.scheduler, s.sampler_name, s.steps, s.denoise), True
    t = sliced(s.scheduler, s.sampler_name, s.steps, 1.0, s.start_at_step, s.end_at_step,
               s.return_with_leftover_noise == "disable")
    return (t, s.add_noise == "enable") if t is not None else (None, False)


def ref_same(a, b) -> bool:
    (ta, na), (tb, nb) = ref_run(a), ref_run(b)
    if ta is None or tb is None:
        return ta is None and tb is None
    return na == nb and bits_equal(ta, tb)


def test_slicing_rules_match_comfyui_sigmas_json(parity_dir):
    """The slicing above, on graphrun's full lists, against ComfyUI's own sliced lists (all 1,044 cases)."""
    data = json.loads((parity_dir / "sigmas.json").read_text())
    cases = 0
    for table in ("ksampler", "ksampler_discard_penultimate"):
        for e in data[table]:
            got = sliced(e["scheduler"], e["sampler"], e["steps"], e["denoise"])
            got = [] if got is None else got.tolist()
            assert len(got) == len(e["sigmas"]), e
            for a, b in zip(got, e["sigmas"]):
                assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-6, abs=1e-9), e
            cases += 1
    for e in data["ksampler_advanced"]:
        got = sliced(e["scheduler"], e["sampler"], e["steps"], 1.0, e["start_at_step"], e["end_at_step"],
                     e["force_full_denoise"])
        assert (got is None) == (e["sigmas"] is None) == e["returns_input_latent_unchanged"], e
        if got is not None:
            assert got.tolist() == pytest.approx(e["sigmas"], rel=1e-6, abs=1e-9), e
        cases += 1
    assert cases == 1044


def test_runner_sigmas_equal_comfyui_sigmas_json(oracle, parity_dir):
    """The oracle the conversion trusts against ComfyUI's own sigma lists (all 1,044 recorded cases), not against
    a re-derivation (issue 14): float32 values equal to ComfyUI's within the low bits of exp/tan across CPUs."""
    data = json.loads((parity_dir / "sigmas.json").read_text())
    cases = 0
    for table in ("ksampler", "ksampler_discard_penultimate"):
        for e in data[table]:
            got = oracle.sigmas(e["scheduler"], e["sampler"], e["steps"], e["denoise"], None, None, False)
            got = [] if got is None else got.tolist()
            assert len(got) == len(e["sigmas"]), e
            for x, y in zip(got, e["sigmas"]):
                assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-6, abs=1e-9), e
            cases += 1
    for e in data["ksampler_advanced"]:
        got = oracle.sigmas(e["scheduler"], e["sampler"], e["steps"], 1.0, e["start_at_step"], e["end_at_step"],
                            e["force_full_denoise"])
        empty = got is None or got.numel() == 0
        assert empty == (e["sigmas"] is None) == e["returns_input_latent_unchanged"], e
        if not empty:
            assert got.tolist() == pytest.approx(e["sigmas"], rel=1e-6, abs=1e-9), e
        cases += 1
    assert cases == 1044


def check_round_trip(oracle, ks: KSamplerSettings) -> None:
    conv = to_advanced(ks, oracle)
    adv = conv.target
    m = ks.steps if ks.denoise > 0.9999 else int(ks.steps / ks.denoise)
    assert conv.exact == ref_same(ks, adv)  # the report is right
    if m <= 10000:
        assert conv.exact  # KSampler -> Advanced is exact whenever the steps fit
    assert adv.noise_seed == ks.seed and adv.add_noise == "enable" and adv.end_at_step == 10000
    if conv.exact:
        assert adv.steps == min(m, 10000)
        if len(full(ks.scheduler, ks.sampler_name, m)) == m + 1 and ks.denoise <= 0.9999:
            assert adv.start_at_step == m - ks.steps  # spec D.3 when the list has M+1 entries
    back = to_ksampler(adv, oracle)
    assert back.exact == ref_same(adv, back.target)
    assert back.target.seed == ks.seed
    if conv.exact:
        assert back.exact and ref_same(ks, back.target)
        t = back.target
        if t.denoise <= 0.9999:
            total = int(t.steps / t.denoise)
            two = any(int(t.steps / (k / 100)) == total for k in range(1, 100))
            assert two == (round(t.denoise, 2) == t.denoise)  # two decimals whenever one works
    else:
        assert m > 10000 and conv.reasons and "10000" in conv.reasons[0]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(steps=st.integers(1, 150), hundredths=st.integers(1, 100), scheduler=st.sampled_from(SCHEDULERS),
       sampler=st.sampled_from(SAMPLERS))
def test_property_ksampler_advanced_ksampler(oracle, steps, hundredths, scheduler, sampler):
    check_round_trip(oracle, KSamplerSettings(7, steps, sampler, scheduler, hundredths / 100))


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_float_trap_pairs(oracle, scheduler, sampler):
    for steps, denoise, m in TRAPS:
        ks = KSamplerSettings(1, steps, sampler, scheduler, denoise)
        conv = to_advanced(ks, oracle)
        assert conv.exact and conv.target.steps == m  # not the mathematically exact quotient
        check_round_trip(oracle, ks)


@pytest.mark.parametrize("scheduler", ["ddim_uniform", "beta"])
def test_length_exceptions_are_reported_and_handled(oracle, scheduler):
    """ddim_uniform/beta lists with != M+1 entries: start_at_step moves so the run stays identical."""
    ks = KSamplerSettings(1, 30 if scheduler == "ddim_uniform" else 100, "euler", scheduler, 0.5)
    conv = to_advanced(ks, oracle)
    assert conv.exact and ref_same(ks, conv.target)
    assert conv.target.start_at_step != conv.target.steps - ks.steps
    assert any("yields" in n for n in conv.notes)


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(steps=st.integers(1, 150), start=st.integers(0, 160), scheduler=st.sampled_from(SCHEDULERS),
       sampler=st.sampled_from(SAMPLERS))
def test_property_advanced_to_ksampler(oracle, steps, start, scheduler, sampler):
    adv = AdvancedSettings(3, steps, sampler, scheduler, start_at_step=start)
    conv = to_ksampler(adv, oracle)
    assert conv.exact == ref_same(adv, conv.target)
    if conv.exact:
        assert not conv.reasons
    else:
        assert conv.reasons


@pytest.mark.parametrize("adv, word", [
    (AdvancedSettings(1, 20, "euler", "normal", "disable", 4), "add_noise"),
    (AdvancedSettings(1, 20, "euler", "normal", "enable", 0, 12, "enable"), "leftover"),
    (AdvancedSettings(1, 20, "euler", "normal", "enable", 0, 12, "disable"), "end_at_step 12"),
    (AdvancedSettings(1, 20, "euler", "karras", "enable", 4, 19, "disable"), "end_at_step 19"),
])
def test_inexact_advanced_settings(oracle, adv, word):
    conv = to_ksampler(adv, oracle)
    assert not conv.exact and not ref_same(adv, conv.target)
    assert any(word in r for r in conv.reasons)
    assert "sigma" in conv.describe() and "steps" in conv.describe()


def test_nothing_to_do_maps_to_denoise_zero(oracle):
    adv = AdvancedSettings(1, 20, "euler", "normal", "disable", 20)  # add_noise is moot: no sampling at all
    conv = to_ksampler(adv, oracle)
    assert conv.exact and conv.target.denoise == 0.0
    back = to_advanced(conv.target, oracle)
    assert back.exact and back.after.sigmas is None


def test_denoise_choice():
    assert denoise_for(20, 25) == (0.8, True)
    assert denoise_for(14, 25) == (0.55, True)  # 0.56 would truncate to 24
    d, two = denoise_for(150, 10000)
    assert not two and int(150 / d) == 10000
    assert denoise_for(30, 29) is None  # would need denoise > 1


def test_inverse_arithmetic_exhaustive():
    """Every (steps 1..150, two-decimal denoise) pair: the inverse finds a denoise giving the same int(S/d)."""
    for steps in range(1, 151):
        for k in range(1, 100):
            m = int(steps / (k / 100))
            if m == steps:
                continue  # full schedule: maps back to denoise 1.0
            d, two = denoise_for(steps, m)
            assert int(steps / d) == m and two  # a two-decimal denoise always exists: the original one


@pytest.mark.slow
@pytest.mark.parametrize("scheduler", ["ddim_uniform", "beta", "simple"])
def test_exhaustive_round_trip_cheap_schedulers(oracle, scheduler):
    """All 150 x 100 pairs for the schedulers whose lists are cheap (ddim_uniform and beta are the exceptions)."""
    for steps in range(1, 151):
        for k in range(1, 101):
            check_round_trip(oracle, KSamplerSettings(7, steps, "euler", scheduler, k / 100))


def test_advanced_ddim_uniform_past_500_steps(oracle):
    """ddim_uniform gives one list for every N > 500: KSampler needs M = 998.. to keep 998 of its 999 steps."""
    adv = AdvancedSettings(1, 600, "euler", "ddim_uniform", start_at_step=1)
    conv = to_ksampler(adv, oracle)
    assert conv.exact and ref_same(adv, conv.target) and conv.target.steps == 998
    assert any("more than two decimals" in n for n in conv.notes)
