"""Stub checkpoints: exact SD1.5 key layout, loadable through load_checkpoint, deterministic."""

from __future__ import annotations

import math

import torch
from safetensors.torch import save_file

from graphrun.backend.checkpoints import load_checkpoint
from graphrun.backend.detect import detect_family
from graphrun.backend.stub import make_stub_checkpoint, stub_shapes
from graphrun.backend.unet import build_unet


def test_tiny_stub_matches_tiny_checkpoint_keys(parity_dir):
    ref = {}
    for line in (parity_dir / "tiny-sd15.keys.txt").read_text().splitlines():
        name, _dtype, shape = line.split("\t")
        ref[name] = tuple(int(x) for x in shape.strip("[]").split(",") if x.strip())
    assert stub_shapes("tiny") == ref


def test_full_stub_is_sd15_sized():
    shapes = stub_shapes("full")
    params = {p: sum(math.prod(s) for k, s in shapes.items() if k.startswith(p))
              for p in ("model.diffusion_model.", "first_stage_model.", "cond_stage_model.")}
    assert params == {"model.diffusion_model.": 859_520_964, "first_stage_model.": 83_653_863,
                      "cond_stage_model.": 123_060_480}
    assert len(shapes) == 686 + 248 + 196
    assert shapes["model.diffusion_model.input_blocks.0.0.weight"] == (320, 4, 3, 3)
    assert shapes["model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight"] == (320, 768)
    assert shapes["first_stage_model.decoder.up.3.block.2.conv2.weight"] == (512, 512, 3, 3)
    assert shapes["cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc1.weight"] == (3072, 768)


def test_full_stub_maps_onto_diffusers_unet_without_allocating():
    shapes = stub_shapes("full")
    _, cfg = detect_family(shapes)
    meta = {k: torch.empty(s, device="meta") for k, s in shapes.items() if k.startswith("model.diffusion_model.")}
    unet = build_unet(meta, cfg, device=torch.device("meta"), dtype=torch.float16)
    assert sum(p.numel() for p in unet.parameters()) == 859_520_964


def test_tiny_stub_loads_and_runs(tmp_path):
    sd = make_stub_checkpoint("tiny", seed=3)
    assert torch.equal(sd["model.diffusion_model.out.2.weight"], make_stub_checkpoint("tiny", seed=3)[
        "model.diffusion_model.out.2.weight"])
    path = tmp_path / "stub.safetensors"
    save_file(sd, path)
    ck = load_checkpoint(path)
    eps = ck.model.apply_model(torch.randn(2, 4, 8, 8), torch.tensor([999.0, 10.0]), torch.randn(2, 77, 64))
    assert eps.shape == (2, 4, 8, 8) and eps.dtype == torch.float32 and torch.isfinite(eps).all()
    img = ck.vae.decode(ck.vae.encode(torch.rand(1, 16, 16, 3)))
    assert img.shape == (1, 16, 16, 3)


def test_full_stub_maps_onto_diffusers_vae_without_allocating():
    from graphrun.backend.vae import build_vae

    meta = {k: torch.empty(s, device="meta") for k, s in stub_shapes("full").items()
            if k.startswith("first_stage_model.")}
    vae = build_vae(meta, device=torch.device("meta"), dtype=torch.float32)
    assert sum(p.numel() for p in vae.vae.parameters()) == 83_653_863
    assert vae.vae.config.block_out_channels == (128, 256, 512, 512) and vae.downscale == 8
