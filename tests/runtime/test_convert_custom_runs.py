"""`convert --to custom` and back: the converted prompt runs bit-identically on the tiny SD1.5 checkpoint, or the
conversion is refused with its reason. Sources are ComfyUI's own parity prompts (../shared/parity/cases)."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from graphrun.errors import WorkflowError
from graphrun.runtime.context import ModelStore
from graphrun.runtime.run import run_workflow
from graphrun.settings import Settings
from graphrun.transforms import convert_workflow

SAMPLER = "6"  # the KSampler / KSamplerAdvanced node of every parity case


@pytest.fixture(scope="module")
def store():
    return ModelStore()


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: one thread is faster on a shared machine
    yield
    torch.set_num_threads(before)


def prompt(parity_dir, name, **changes):
    p = json.loads((parity_dir / "cases" / f"{name}.api.json").read_text())
    for node in list(p):  # keep the sampler's LATENT only: no decode / image save
        if p[node]["class_type"] in ("VAEDecode", "SaveImage"):
            del p[node]
    p[SAMPLER]["inputs"].update(changes)
    return p


def latent(p, parity_dir, tmp_path, store):
    s = Settings(models_dir=parity_dir / "models", input_dir=parity_dir / "input", output_dir=tmp_path / "out",
                 device="cpu", progress=False)
    result = run_workflow(json.dumps(p).encode(), s, store=store, log=lambda m: None)
    save = next(n for n in result.prompt if result.prompt[n]["class_type"] == "SaveLatent")
    src = result.prompt[save]["inputs"]["samples"]
    return result.outputs[src[0]][src[1]].samples


def types(p):
    return sorted(n["class_type"] for n in p.values())


EXACT = [  # few steps: the tiny model is fast, the machine is shared
    ("a_img2img_euler_normal_s20_d0.80", {"steps": 6}),
    ("a_img2img_euler_normal_s20_d0.00", {}),
    ("a_img2img_euler_normal_s20_d0.80", {"sampler_name": "euler_ancestral", "steps": 5}),
    ("b_adv_euler_normal_s20_start04", {"steps": 8, "start_at_step": 3}),
    ("b_adv_euler_normal_s20_start04_addnoise_disable", {"steps": 8, "start_at_step": 3}),
    ("b_adv_euler_normal_s20_start00_end12_leftover_enable", {"steps": 8, "end_at_step": 5}),
    ("b_adv_euler_normal_s20_start04", {"sampler_name": "dpmpp_2m_sde", "add_noise": "disable", "noise_seed": 0,
                                        "steps": 8, "start_at_step": 3}),
]


@pytest.mark.parametrize("name,changes", EXACT, ids=[f"{n}{'+' if c else ''}{'_'.join(map(str, c.values()))}"
                                                      for n, c in EXACT])
def test_to_custom_and_back_is_bit_identical(parity_dir, tmp_path, store, name, changes):
    src = prompt(parity_dir, name, **changes)
    result = convert_workflow(src, "custom")
    assert result.exact and result.data[SAMPLER]["class_type"] == "SamplerCustomAdvanced"
    assert {"KSamplerSelect", "BasicScheduler", "CFGGuider"} <= set(types(result.data))
    want = latent(src, parity_dir, tmp_path, store)
    assert torch.equal(want, latent(result.data, parity_dir, tmp_path, store))
    back = convert_workflow(result.data, "advanced")
    assert back.data[SAMPLER]["class_type"] == "KSamplerAdvanced" and back.exact
    assert "CFGGuider" not in types(back.data) and "BasicScheduler" not in types(back.data)  # chain nodes removed
    if src[SAMPLER]["class_type"] == "KSamplerAdvanced" and src[SAMPLER]["inputs"]["add_noise"] == "enable":
        assert back.data[SAMPLER] == src[SAMPLER]  # the round trip restores ComfyUI's own prompt
    elif name.endswith("d0.80") and not changes.get("sampler_name"):  # the back conversion runs identically too
        assert torch.equal(want, latent(back.data, parity_dir, tmp_path, store))


def test_chain_to_ksampler_round_trip_restores_the_settings(parity_dir):
    src = prompt(parity_dir, "a_img2img_euler_normal_s20_d0.80")
    back = convert_workflow(convert_workflow(src, "custom").data, "ksampler")
    assert back.exact and back.data[SAMPLER] == src[SAMPLER]
    assert set(back.data) == set(src)


REFUSED = [
    ("a_img2img_euler_normal_s20_d0.80", {"sampler_name": "dpm_2"}, "no SamplerCustomAdvanced setting"),
    ("b_adv_euler_normal_s20_start00_end12_leftover_disable", {}, "forces the last sigma to 0"),
    ("b_adv_euler_normal_s20_start04", {"sampler_name": "euler_ancestral", "add_noise": "disable"},
     "DisableNoise seeds it with 0"),
]


@pytest.mark.parametrize("name,changes,why", REFUSED)
def test_inexact_conversions_are_refused_with_the_reason(parity_dir, name, changes, why):
    with pytest.raises(WorkflowError) as e:
        convert_workflow(prompt(parity_dir, name, **changes), "custom")
    (issue,) = e.value.issues
    assert issue.node_id == SAMPLER and issue.code == "conversion_not_exact" and why in issue.message
    approx = convert_workflow(prompt(parity_dir, name, **changes), "custom", approximate=True)
    assert not approx.exact and approx.data[SAMPLER]["class_type"] == "SamplerCustomAdvanced"


def test_chain_with_disable_noise_to_ksampler_is_refused(parity_dir):
    chain = convert_workflow(prompt(parity_dir, "b_adv_euler_normal_s20_start04_addnoise_disable"), "custom").data
    with pytest.raises(WorkflowError) as e:
        convert_workflow(chain, "ksampler")
    assert "add_noise is 'disable'" in e.value.issues[0].message


def test_primitive_fed_inputs_are_followed(parity_dir, tmp_path, store):
    src = prompt(parity_dir, "a_img2img_euler_normal_s20_d0.80")
    src["90"] = {"class_type": "PrimitiveInt", "inputs": {"value": 5}}
    src["91"] = {"class_type": "PrimitiveFloat", "inputs": {"value": 0.6}}
    src["92"] = {"class_type": "PrimitiveInt", "inputs": {"value": 5}}
    src[SAMPLER]["inputs"].update(steps=["90", 0], denoise=["91", 0], seed=["92", 0])
    want = latent(src, parity_dir, tmp_path, store)
    for to in ("custom", "advanced"):
        out = convert_workflow(copy.deepcopy(src), to)
        assert out.exact
        assert torch.equal(want, latent(out.data, parity_dir, tmp_path, store))
    chain = convert_workflow(copy.deepcopy(src), "custom").data
    noise = next(n for n in chain.values() if n["class_type"] == "RandomNoise")
    assert noise["inputs"]["noise_seed"] == ["92", 0]  # the seed link is carried, not frozen


def test_chain_whose_denoised_output_is_used_is_refused(parity_dir):
    chain = convert_workflow(prompt(parity_dir, "a_img2img_euler_normal_s20_d0.80"), "custom").data
    chain["99"] = {"class_type": "SaveLatent", "inputs": {"samples": [SAMPLER, 1], "filename_prefix": "x"}}
    with pytest.raises(WorkflowError) as e:
        convert_workflow(chain, "advanced")
    assert e.value.issues[0].code == "denoised_output_used"
