"""KSampler / KSamplerAdvanced <-> SamplerCustomAdvanced chain at the settings level (sigma lists only, no model)."""

from __future__ import annotations

import json

import pytest

from graphrun.transforms import AdvancedSettings, KSamplerSettings, explain_workflow
from graphrun.transforms.custom_chain import ChainSettings, chain_tensor, chain_to_advanced, chain_to_ksampler, to_chain
from graphrun.transforms.sampler_variants import bits_equal

SCHEDULERS = ["normal", "karras", "exponential", "simple", "ddim_uniform", "sgm_uniform", "beta", "kl_optimal",
              "linear_quadratic"]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("steps,denoise", [(1, 1.0), (6, 1.0), (20, 0.8), (14, 0.56), (10, 0.33), (25, 0.99995)])
def test_ksampler_to_chain_exact_for_plain_samplers(oracle, scheduler, steps, denoise):
    """BasicScheduler slices like KSampler for samplers that keep the penultimate sigma (denoise 0.99995 is full in
    KSampler and is written as 1.0 in the chain), except that it always keeps the last steps+1 sigmas: a scheduler
    that returns more (ddim_uniform's extra leading sigma) has no chain equivalent at full denoise."""
    conv = to_chain(KSamplerSettings(7, steps, "euler", scheduler, denoise), oracle)
    longer = denoise > 0.9999 and len(conv.before.sigmas) > steps + 1
    assert conv.exact == (not longer), conv.describe()
    if longer:
        return
    assert conv.target.denoise == (1.0 if denoise > 0.9999 else denoise)
    back = chain_to_ksampler(conv.target, oracle)
    assert back.exact and bits_equal(back.after.tensor, conv.before.tensor)


@pytest.mark.parametrize("sampler", ["dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"])
def test_discard_penultimate_samplers_are_refused(oracle, sampler):
    conv = to_chain(KSamplerSettings(7, 10, sampler, "normal", 1.0), oracle)
    assert not conv.exact and conv.reasons


@pytest.mark.parametrize("start,end,leftover,exact", [
    (0, 10000, "disable", True), (3, 10000, "disable", True), (0, 5, "enable", True), (2, 5, "enable", True),
    (0, 5, "disable", False), (8, 10000, "disable", True), (7, 10000, "disable", True),
])
def test_advanced_windows(oracle, start, end, leftover, exact):
    adv = AdvancedSettings(3, 8, "euler", "karras", start_at_step=start, end_at_step=end,
                           return_with_leftover_noise=leftover)
    conv = to_chain(adv, oracle)
    assert conv.exact == exact, conv.describe()
    if exact:
        back = chain_to_advanced(conv.target, oracle)
        assert back.exact and back.target.start_at_step == min(start, 8)


def test_split_sigmas_window_maps_to_start_and_end(oracle):
    chain = ChainSettings(1, True, "euler", "normal", 10, 1.0, (("low", 2), ("high", 4)))
    t = chain_tensor(chain, oracle)
    assert len(t) == 5  # sigmas[2:][:5]: steps 2..6 of 10
    adv = chain_to_advanced(chain, oracle)
    assert adv.exact and (adv.target.start_at_step, adv.target.end_at_step) == (2, 6)
    assert adv.target.return_with_leftover_noise == "enable"


def test_single_sigma_chain_has_no_ksampler_equivalent(oracle):
    chain = ChainSettings(1, True, "euler", "normal", 10, 1.0, (("high", 0),))
    assert len(chain_tensor(chain, oracle)) == 1  # noises, runs 0 steps: no KSampler does that
    assert not chain_to_advanced(chain, oracle).exact


def test_disable_noise_chain_is_advanced_with_seed_0(oracle):
    chain = ChainSettings(123, False, "euler_ancestral", "normal", 10, 1.0, (("low", 3),))
    adv = chain_to_advanced(chain, oracle)
    assert adv.exact and adv.target.add_noise == "disable" and adv.target.noise_seed == 0
    assert not chain_to_ksampler(chain, oracle).exact


def test_explain_lists_custom_chains(parity_dir):
    from graphrun.transforms import convert_workflow

    prompt = json.loads((parity_dir / "cases" / "a_img2img_euler_normal_s20_d0.80.api.json").read_text())
    chain = convert_workflow(prompt, "custom").data
    (e,) = explain_workflow(chain)
    assert e.class_type == "SamplerCustomAdvanced" and e.schedule.steps == 20 and e.model_evaluations == 20
    assert e.equivalent.exact and e.equivalent.target == KSamplerSettings(280823642470253, 20, "euler", "normal", 0.8)
    assert "equivalent: KSampler(steps=20, denoise=0.8) (exact)" in e.render()
