"""VAE encode/decode and one UNet call against ComfyUI v0.3.64 reference tensors on the tiny SD1.5 checkpoint."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from graphrun.backend.checkpoints import load_checkpoint, load_vae

TOL = 1e-5


@pytest.fixture
def one_thread():
    """The reference ran with one torch thread; multi-threaded conv reductions differ in low bits."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def rel_l2(got: torch.Tensor, ref: torch.Tensor) -> float:
    return float((got.float() - ref.float()).norm() / ref.float().norm())


@pytest.fixture(scope="module")
def ckpt(tiny_ckpt):
    return load_checkpoint(tiny_ckpt, device="cpu")


def test_checkpoint_parts(ckpt):
    assert ckpt.family == "sd15"
    assert ckpt.model.latent_scale_factor == 0.18215
    assert ckpt.model.dtype == torch.float32 and ckpt.vae.dtype == torch.float32
    assert ckpt.model.device.type == "cpu"


def test_vae_encode_matches_comfy(ckpt, parity_dir, one_thread):
    image = load_file(parity_dir / "cases" / "load_image_input.safetensors")["image"]
    ref = load_file(parity_dir / "cases" / "vae_encode_input.safetensors")
    got = ckpt.vae.encode(image)
    assert got.shape == ref["samples"].shape and got.dtype == torch.float32
    assert rel_l2(got, ref["samples"]) <= TOL
    assert rel_l2(got, ref["posterior_mean"]) <= TOL


def test_vae_encode_from_png(ckpt, parity_dir, one_thread):
    import numpy as np
    from PIL import Image

    arr = np.asarray(Image.open(parity_dir / "input" / "input.png").convert("RGB"), dtype=np.float32) / 255.0
    ref = load_file(parity_dir / "cases" / "vae_encode_input.safetensors")["samples"]
    assert rel_l2(ckpt.vae.encode(torch.from_numpy(arr)[None]), ref) <= TOL


def test_vae_encode_crops_and_drops_alpha(ckpt):
    px = torch.rand(1, 21, 19, 4)
    got = ckpt.vae.encode(px)
    assert got.shape == (1, 4, 2, 2)
    torch.testing.assert_close(got, ckpt.vae.encode(px[:, 2:18, 1:17, :3].contiguous()), rtol=0, atol=0)


def test_vae_decode_matches_comfy(ckpt, parity_dir, one_thread):
    latent = load_file(parity_dir / "cases" / "vae_encode_input.safetensors")["samples"]
    ref = load_file(parity_dir / "cases" / "vae_decode_of_vae_encode.safetensors")["image"]
    got = ckpt.vae.decode(latent)
    assert got.shape == ref.shape == (1, 64, 96, 3)
    assert rel_l2(got, ref) <= TOL


def test_standalone_vae_loader_matches_checkpoint_vae(ckpt, tiny_ckpt, tmp_path, parity_dir):
    from safetensors.torch import save_file

    vae_only = {k[len("first_stage_model."):]: v for k, v in load_file(tiny_ckpt).items()
                if k.startswith("first_stage_model.")}
    save_file(vae_only, tmp_path / "vae.safetensors")
    vae = load_vae(tmp_path / "vae.safetensors")
    latent = load_file(parity_dir / "cases" / "vae_encode_input.safetensors")["samples"]
    torch.testing.assert_close(vae.decode(latent), ckpt.vae.decode(latent), rtol=0, atol=0)


@pytest.mark.parametrize("step", [0, 1])
def test_unet_call_reproduces_cfg_denoised(ckpt, parity_dir, one_thread, step):
    """D = x − σ·eps for [uncond, cond], CFG 8, equals ComfyUI's traced denoised at a_img2img d0.80."""
    case = "a_img2img_euler_normal_s20_d0.80"
    meta = json.loads((parity_dir / "cases" / f"{case}.json").read_text())
    call = meta["unet_calls"][step]
    trace = load_file(parity_dir / "cases" / f"{case}.safetensors")
    cond = load_file(parity_dir / "cases" / "g_clip_positive.safetensors")["cond"]
    uncond = load_file(parity_dir / "cases" / "g_clip_negative.safetensors")["cond"]
    x = trace["trace_x"][step]
    sigma = torch.tensor(call["sigma"], dtype=torch.float32)
    t = ckpt.model.model_sampling.timestep(sigma).float()
    assert t.tolist() == call["timestep"]
    xx = torch.cat([x, x])
    s = sigma[:, None, None, None]
    eps = ckpt.model.apply_model(xx / torch.sqrt(s**2 + 1.0), t, torch.cat([uncond, cond]))
    assert eps.dtype == torch.float32 and eps.shape == xx.shape
    d = xx - s * eps
    denoised = d[0:1] + (d[1:2] - d[0:1]) * meta["settings"]["cfg"]
    assert rel_l2(denoised, trace["trace_denoised"][step]) <= TOL


def test_diffusers_layout_vae_file(ckpt, tiny_ckpt, tmp_path, parity_dir):
    from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint
    from safetensors.torch import save_file

    from graphrun.backend.vae import diffusers_vae_config, strip_vae_prefix

    ldm = strip_vae_prefix(load_file(tiny_ckpt))
    diff = convert_ldm_vae_checkpoint(ldm, diffusers_vae_config(ldm))
    save_file({k: v.contiguous() for k, v in diff.items()}, tmp_path / "diffusers_vae.safetensors")
    vae = load_vae(tmp_path / "diffusers_vae.safetensors")
    latent = load_file(parity_dir / "cases" / "vae_encode_input.safetensors")["samples"]
    torch.testing.assert_close(vae.decode(latent), ckpt.vae.decode(latent), rtol=0, atol=0)


def test_checkpoint_clip_encodes_like_comfy(ckpt, parity_dir, one_thread):
    ref = load_file(parity_dir / "cases" / "g_clip_positive.safetensors")
    cond, pooled = ckpt.clip.encode("photograph of victorian woman with wings, sky clouds, meadow grass")
    assert rel_l2(cond, ref["cond"]) <= TOL and rel_l2(pooled, ref["pooled_output"]) <= TOL
