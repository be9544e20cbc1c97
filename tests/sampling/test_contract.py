"""Contract tests over every registered sampler and the KSampler plumbing, with an analytic fake model."""

from __future__ import annotations

import pytest
import torch

from graphrun.sampling.ksampler import common_ksampler, get_sampler
from graphrun.sampling.samplers import SAMPLERS, sampler_names
from graphrun.values import Latent

from ._parity import load_sigmas_json
from .fakes import AnalyticUNet, conditioning

POS, NEG = conditioning(1.0), conditioning(-1.0)
LATENT = Latent(torch.linspace(-3, 3, 2 * 4 * 4 * 6).view(2, 4, 4, 6))


def test_sampler_names_are_comfy_list_in_order(parity_dir):
    assert sampler_names() == load_sigmas_json(str(parity_dir / "sigmas.json"))["about"]["samplers"]
    assert len(sampler_names()) == 42


def test_discard_penultimate_set(parity_dir):
    ref = load_sigmas_json(str(parity_dir / "sigmas.json"))["about"]["discard_penultimate_sigma_samplers"]
    assert sorted(s.name for s in SAMPLERS.values() if s.discard_penultimate) == sorted(ref)


def _run(name, scheduler, seed, disable_noise=False, steps=4, denoise=0.7):
    model = AnalyticUNet()
    return common_ksampler(
        model, seed, steps, 5.0, name, scheduler, POS, NEG, LATENT, denoise=denoise, disable_noise=disable_noise
    ).samples


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("scheduler", ["normal", "karras"])
def test_every_sampler_finite_deterministic(name, scheduler):
    a = _run(name, scheduler, 1)
    assert a.shape == LATENT.samples.shape and a.dtype == torch.float32
    assert torch.isfinite(a).all()
    assert torch.equal(a, _run(name, scheduler, 1))
    assert not torch.equal(a, LATENT.samples)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_per_step_noise_depends_on_seed_only_when_stochastic(name):
    # zero initial noise: only the sampler's own per-step noise can make two seeds differ
    a, b = _run(name, "simple", 1, disable_noise=True), _run(name, "simple", 2, disable_noise=True)
    assert torch.equal(a, b) == (SAMPLERS[name].noise == "none"), SAMPLERS[name]


def test_unknown_sampler_lists_names_and_closest():
    with pytest.raises(ValueError) as e:
        get_sampler("euler_ancestal")
    assert "'euler_ancestral'" in str(e.value) and "dpmpp_2m" in str(e.value)


def test_early_returns_give_input_latent_untouched():
    m = AnalyticUNet()
    assert common_ksampler(m, 1, 20, 8.0, "euler", "normal", POS, NEG, LATENT, denoise=0.0) is LATENT
    assert common_ksampler(m, 1, 20, 8.0, "euler", "normal", POS, NEG, LATENT, start_step=20) is LATENT
    assert common_ksampler(m, 1, 20, 8.0, "euler", "normal", POS, NEG, LATENT, start_step=5, last_step=5) is LATENT
    assert m.calls == []


def test_cfg_batches_uncond_then_cond_and_cfg1_skips_uncond():
    m = AnalyticUNet()
    common_ksampler(m, 1, 3, 8.0, "euler", "normal", POS, NEG, LATENT)
    assert [c[0] for c in m.calls] == [4, 4, 4] and all(c[2] == (4, 77, 8) for c in m.calls)
    m = AnalyticUNet()
    common_ksampler(m, 1, 3, 1.0, "euler", "normal", POS, NEG, LATENT)
    assert [c[0] for c in m.calls] == [2, 2, 2]
    m = AnalyticUNet()
    common_ksampler(m, 1, 3, 1.0, "euler_cfg_pp", "normal", POS, NEG, LATENT)
    assert [c[0] for c in m.calls] == [4, 4, 4]


def test_context_lengths_tiled_to_lcm_or_run_separately():
    m = AnalyticUNet()
    common_ksampler(m, 1, 2, 8.0, "euler", "normal", conditioning(1.0, 154), NEG, LATENT)
    assert [c[2] for c in m.calls] == [(4, 154, 8)] * 2
    m = AnalyticUNet()
    common_ksampler(m, 1, 2, 8.0, "euler", "normal", conditioning(1.0, 385), NEG, LATENT)
    assert sorted(c[2] for c in m.calls) == sorted([(2, 77, 8), (2, 385, 8)] * 2)


def test_tiled_context_equals_separate_calls_numerically():
    a = _run("euler", "normal", 3)
    m = AnalyticUNet()  # same result with a different but attention-equivalent (tiled) negative: mean unchanged
    out = common_ksampler(m, 3, 4, 5.0, "euler", "normal", POS, (NEG[0].__class__(NEG[0].cond.repeat(1, 2, 1)),),
                          LATENT, denoise=0.7).samples
    assert torch.allclose(out, a, rtol=1e-6, atol=1e-6)


def test_duplicated_cond_entry_averages_to_itself():
    """Two identical entries (ConditioningCombine of a prompt with itself): ComfyUI sums both predictions and
    divides by the summed weights, 2p/2 = p; both run in one batch with the negative."""
    one = common_ksampler(AnalyticUNet(), 1, 2, 8.0, "euler", "normal", POS, NEG, LATENT).samples
    m = AnalyticUNet()
    two = common_ksampler(m, 1, 2, 8.0, "euler", "normal", POS + POS, NEG, LATENT).samples
    assert [c[2][0] for c in m.calls] == [3 * LATENT.samples.shape[0]] * 2
    assert torch.allclose(one, two, rtol=1e-6, atol=1e-6)


def test_timesteps_are_integer_table_indices():
    m = AnalyticUNet()
    common_ksampler(m, 1, 5, 8.0, "euler", "karras", POS, NEG, LATENT)
    for _, t, _ in m.calls:
        assert torch.equal(t, t.round()) and t.dtype == torch.float32


def test_callback_per_step():
    seen = []
    common_ksampler(AnalyticUNet(), 1, 5, 8.0, "dpmpp_2m", "normal", POS, NEG, LATENT,
                    callback=lambda i, n, x, d: seen.append((i, n)))
    assert seen == [(i, 5) for i in range(5)]
