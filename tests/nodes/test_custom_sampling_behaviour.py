"""Behaviour of the small custom-sampling, primitive and string nodes, against ComfyUI's semantics by hand."""

from __future__ import annotations

import pytest
import torch

from graphrun.errors import NodeInputError
from graphrun.nodes.base import default_registry
from graphrun.sampling.custom import DISABLED, Noise
from graphrun.sampling.noise import prepare_noise
from graphrun.values import Latent


def run(name, **inputs):
    return default_registry().get(name)().run(None, **inputs)


def test_random_noise_follows_batch_index_and_disable_noise_is_zeros():
    lat = Latent(torch.ones(2, 4, 3, 5), batch_index=(3, 1))
    (noise,) = run("RandomNoise", noise_seed=42)
    got = noise.generate(lat)
    gen = torch.Generator().manual_seed(42)
    draws = [torch.randn([1, 4, 3, 5], generator=gen) for _ in range(4)]  # one draw per index up to the largest
    assert torch.equal(got, torch.cat([draws[3], draws[1]]))
    assert torch.equal(got, prepare_noise(lat.samples, 42, lat.batch_index))
    (off,) = run("DisableNoise")
    assert off is DISABLED and off.seed == 0 and torch.equal(off.generate(lat), torch.zeros(2, 4, 3, 5))
    assert Noise(7).seed == 7


def test_split_sigmas():
    s = torch.tensor([5.0, 4.0, 3.0, 2.0, 0.0])
    high, low = run("SplitSigmas", sigmas=s, step=2)
    assert high.tolist() == [5.0, 4.0, 3.0] and low.tolist() == [3.0, 2.0, 0.0]
    high, low = run("SplitSigmasDenoise", sigmas=s, denoise=0.5)  # round(4 * 0.5) = 2 steps kept
    assert high.tolist() == [5.0, 4.0, 3.0] and low.tolist() == [3.0, 2.0, 0.0]  # sigmas[:-2], sigmas[-3:]
    high, low = run("SplitSigmasDenoise", sigmas=s, denoise=0.0)  # sigmas[:-0] is empty in Python
    assert high.numel() == 0 and low.tolist() == [0.0]


def test_flip_sigmas_replaces_leading_zero_and_leaves_input_alone():
    s = torch.tensor([3.0, 1.0, 0.0])
    (f,) = run("FlipSigmas", sigmas=s)
    assert f.tolist() == pytest.approx([0.0001, 1.0, 3.0]) and s.tolist() == [3.0, 1.0, 0.0]
    (e,) = run("FlipSigmas", sigmas=torch.tensor([]))
    assert e.numel() == 0


def test_karras_and_exponential_schedules_by_formula():
    (k,) = run("KarrasScheduler", steps=3, sigma_max=10.0, sigma_min=0.1, rho=7.0)
    ramp = [0.0, 0.5, 1.0]
    want = [(10.0 ** (1 / 7) + r * (0.1 ** (1 / 7) - 10.0 ** (1 / 7))) ** 7 for r in ramp] + [0.0]
    assert k.tolist() == pytest.approx(want, rel=1e-6)
    (e,) = run("ExponentialScheduler", steps=3, sigma_max=8.0, sigma_min=0.5)
    assert e.tolist() == pytest.approx([8.0, 2.0, 0.5, 0.0], rel=1e-6)
    (p,) = run("PolyexponentialScheduler", steps=3, sigma_max=8.0, sigma_min=0.5, rho=1.0)
    assert p.tolist() == pytest.approx([8.0, 2.0, 0.5, 0.0], rel=1e-6)  # rho 1 is the exponential schedule
    with pytest.raises(NodeInputError) as exc:
        run("ExponentialScheduler", steps=3, sigma_max=8.0, sigma_min=0.0)
    assert exc.value.input_name == "sigma_min"


def test_sampler_option_nodes_set_the_knobs():
    (s,) = run("SamplerDPMPP_2M_SDE", solver_type="heun", eta=0.5, s_noise=0.7, noise_device="cpu")
    assert s.name == "dpmpp_2m_sde" and s.options == {"eta": 0.5, "s_noise": 0.7, "solver_type": "heun"}
    (s,) = run("SamplerDPMPP_SDE", eta=1.0, s_noise=1.0, r=0.5, noise_device="gpu")
    assert s.name == "dpmpp_sde_gpu" and s.noise == "brownian_gpu"
    (s,) = run("SamplerDPMAdaptative", order=3, rtol=0.05, atol=0.0078, h_init=0.05, pcoeff=0.0, icoeff=1.0,
               dcoeff=0.0, accept_safety=0.81, eta=0.0, s_noise=1.0)
    assert s.noise == "none"
    (s,) = run("SamplerDPMAdaptative", order=2, rtol=0.05, atol=0.0078, h_init=0.05, pcoeff=0.0, icoeff=1.0,
               dcoeff=0.0, accept_safety=0.81, eta=0.5, s_noise=1.0)
    assert s.noise == "seeded" and s.options["order"] == 2
    (s,) = run("KSamplerSelect", sampler_name="euler")
    assert s.options == {}
    with pytest.raises(NodeInputError):
        run("KSamplerSelect", sampler_name="eulr")


def test_primitives_and_strings():
    assert run("PrimitiveInt", value=-5) == (-5,)
    assert run("PrimitiveFloat", value=0.25) == (0.25,)
    assert run("PrimitiveBoolean", value=False) == (False,)
    assert run("PrimitiveString", value="a") == ("a",)
    assert run("PrimitiveStringMultiline", value="a\nb") == ("a\nb",)
    assert run("StringConcatenate", string_a="a", string_b="b", delimiter=", ") == ("a, b",)
    assert run("StringConcatenate", string_a="a", string_b="b", delimiter="") == ("ab",)
    assert run("StringReplace", string="a-b-c", find="-", replace="+") == ("a+b+c",)
    assert run("StringReplace", string="ab", find="", replace="|") == ("|a|b|",)  # Python str.replace
