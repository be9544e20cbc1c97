"""Flux parts against ComfyUI v0.3.64 reference data: text encoders (bit level), the DiT's first call, sigmas."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from graphrun.backend.clip.encoder import load_clip
from graphrun.backend.flux.convert import bfl_to_diffusers, config_from_state_dict
from graphrun.backend.flux.dit import build_flux_dit
from graphrun.backend.t5 import load_t5
from graphrun.nodes.model_sampling_flux import resolution_shift as flux_resolution_shift
from graphrun.sampling.model_sampling import ModelSamplingDiscreteFlow, ModelSamplingFlux
from graphrun.sampling.ksampler import ksampler_sigmas
from graphrun.sampling.noise import prepare_noise

from .conftest import CASES, FIX, case_meta, case_names, rel_l2


@pytest.fixture(scope="module")
def encoders(flux_models):
    t5 = load_t5(load_file(str(flux_models / "text_encoders" / "tiny-t5xxl.safetensors")))
    clip = load_clip(load_file(str(flux_models / "text_encoders" / "tiny-clip-l.safetensors")))
    return t5, clip


def test_text_encoders_match_comfyui(encoders):
    t5, clip = encoders
    ref = load_file(str(FIX / "encoders.safetensors"))
    for entry in json.loads((FIX / "encoders.json").read_text(encoding="utf-8")):
        t5_text = entry["text"] if entry["node"] == "CLIPTextEncode" else entry["t5xxl"]
        l_text = entry["text"] if entry["node"] == "CLIPTextEncode" else entry["clip_l"]
        cond, pooled = t5.encode(t5_text), clip.encode(l_text)[1]
        assert cond.shape == ref[entry["key"] + "_cond"].shape
        assert rel_l2(cond, ref[entry["key"] + "_cond"]) < 1e-6, entry
        assert rel_l2(pooled, ref[entry["key"] + "_pooled"]) < 1e-6, entry


def model_sampling_for(settings):
    ms = settings["model_sampling"]
    if ms is None:
        return ModelSamplingDiscreteFlow(1.0, 1.0) if "schnell" in settings["unet"] else ModelSamplingFlux(1.15)
    name, kw = ms
    if name == "ModelSamplingFlux":
        return ModelSamplingFlux(flux_resolution_shift(**kw))
    return ModelSamplingDiscreteFlow(kw["shift"], 1000 if name == "ModelSamplingSD3" else 1.0)


@pytest.mark.parametrize("name", case_names())
def test_sigmas_equal_comfyui(name):
    meta = case_meta(name)
    s = meta["settings"]
    sig = ksampler_sigmas(model_sampling_for(s), s["scheduler"], s["sampler_name"], s["steps"], s["denoise"],
                          None, None, False)
    assert torch.equal(sig.float(), torch.tensor(meta["sigmas_used"][0], dtype=torch.float32))


@pytest.mark.parametrize("name", ["flux_dev_txt2img", "flux_schnell_txt2img"])  # the rest: end to end via the CLI
def test_first_model_call_matches_comfyui(name, flux_models, encoders):
    """Step 0 of txt2img: x = noise * sigma_max, D = x - sigma * v, against ComfyUI's recorded denoised."""
    t5, clip = encoders
    meta = case_meta(name)
    s = meta["settings"]
    ms = model_sampling_for(s)
    dit = build_flux_dit(load_file(str(flux_models / "diffusion_models" / s["unet"])), weight_dtype=s["weight_dtype"])
    assert dit.guidance_embed == ("dev" in s["unet"])
    noise = prepare_noise(torch.zeros(1, 16, s["height"] // 8, s["width"] // 8), s["seed"])
    sigma = torch.tensor([meta["sigmas_used"][0][0]])
    x = ms.noise_scaling(sigma, noise, torch.zeros_like(noise))
    v = dit(ms.calculate_input(sigma, x), ms.timestep(sigma), t5.encode(s["pos"]), clip.encode(s["pos"])[1],
            torch.tensor([s["guidance"] if s["guidance"] is not None else 3.5]))
    denoised = ms.calculate_denoised(sigma, v, x)
    ref = load_file(str(CASES / f"{name}.safetensors"))["trace_denoised"][0]
    assert rel_l2(denoised, ref) < 1e-5


def test_bfl_conversion_uses_every_tensor(flux_models):
    sd = load_file(str(flux_models / "diffusion_models" / "tiny-flux-dev.safetensors"))
    cfg = config_from_state_dict(sd)
    assert (cfg.hidden_size, cfg.num_heads, cfg.depth, cfg.depth_single_blocks, cfg.guidance_embed) == (64, 2, 2, 2, True)
    out = bfl_to_diffusers(sd, cfg)
    assert sum(v.numel() for v in out.values()) == sum(v.numel() for v in sd.values())
