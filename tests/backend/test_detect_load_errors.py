"""Family detection from shapes, and loader errors for foreign, corrupt, truncated and empty files."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from graphrun.backend.checkpoints import load_checkpoint, read_shapes
from graphrun.backend.detect import detect_family
from graphrun.backend.stub import UNET, stub_shapes
from graphrun.errors import ModelError


def _retarget_context(shapes: dict, ctx: int, linear: bool = False) -> dict:
    out = {}
    for k, s in shapes.items():
        if k.endswith(("attn2.to_k.weight", "attn2.to_v.weight")):
            s = (s[0], ctx)
        if linear and k.endswith(("proj_in.weight", "proj_out.weight")):
            s = s[:2]
        out[k] = s
    return out


def test_tiny_checkpoint_is_sd15(tiny_ckpt):
    family, cfg = detect_family(read_shapes(tiny_ckpt), str(tiny_ckpt))
    assert family == "sd15"
    assert cfg.model_channels == 32 and cfg.channel_mult == (1, 2) and cfg.num_res_blocks == (1, 1)
    assert cfg.transformer_depth == (1, 0) and cfg.transformer_depth_middle == 1
    assert cfg.context_dim == 64 and not cfg.use_linear_in_transformer and cfg.time_embed_dim == 128


def test_full_stub_layout_is_sd15():
    family, cfg = detect_family(stub_shapes("full"))
    assert family == "sd15"
    assert (cfg.model_channels, cfg.channel_mult, cfg.num_res_blocks) == (320, (1, 2, 4, 4), (2, 2, 2, 2))
    assert cfg.transformer_depth == (1, 1, 1, 1, 1, 1, 0, 0) and cfg.context_dim == 768


@pytest.mark.parametrize("mutate, family", [
    (lambda s: {**_retarget_context(s, 2048, True), UNET + "label_emb.0.0.weight": (1280, 2816)}, "sdxl"),
    (lambda s: {**_retarget_context(s, 1280, True), UNET + "label_emb.0.0.weight": (1280, 2560)}, "sdxl_refiner"),
    (lambda s: _retarget_context(s, 1024, True), "sd2"),
    (lambda s: _retarget_context(s, 768, False), "sd15"),
])
def test_families_recognised_from_shapes(mutate, family):
    # SDXL: adm = pooled_g + 6x256 with pooled < context (clip_l | clip_g); refiner: adm = context + 5x256;
    # SD2: linear projections without adm; SD1: conv projections (ComfyUI supported_models unet_config)
    assert detect_family(mutate(stub_shapes("tiny")), "x.safetensors")[0] == family


@pytest.mark.parametrize("mutate, family", [
    (lambda s: {**_retarget_context(s, 2048, True), UNET + "label_emb.0.0.weight": (1280, 1536)}, "unsupported UNet"),
    (lambda s: {**s, UNET + "joint_blocks.0.context_block.attn.qkv.weight": (3, 3)}, "SD3"),
    (lambda s: {"model.diffusion_model.double_blocks.0.img_attn.qkv.weight": (9, 3)}, "Flux"),
    (lambda s: {**s, UNET + "input_blocks.0.0.weight": (32, 9, 3, 3)}, "inpainting"),
])
def test_unsupported_families_are_named(mutate, family):
    with pytest.raises(ModelError, match=family) as err:
        detect_family(mutate(stub_shapes("tiny")), "x.safetensors")
    assert "x.safetensors" in str(err.value) and "SD1.5" in str(err.value) and "SDXL" in str(err.value)


def test_unsupported_file_refused_with_file_name(tmp_path):
    shapes = {**stub_shapes("tiny"), UNET + "joint_blocks.0.context_block.attn.qkv.weight": (3, 3)}
    path = tmp_path / "sd3.safetensors"
    save_file({k: torch.zeros(s, dtype=torch.float16) for k, s in shapes.items()}, path)
    with pytest.raises(ModelError, match=r"sd3\.safetensors is a SD3/SD3.5 checkpoint; graphrun supports SD1.5"):
        load_checkpoint(path)


def test_vae_only_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "vae.safetensors"
    save_file({"encoder.conv_in.weight": torch.zeros(1), "decoder.up.0.block.0.conv1.weight": torch.zeros(1)}, path)
    with pytest.raises(ModelError, match="standalone VAE"):
        load_checkpoint(path)


@pytest.mark.parametrize("cut", [0, 1000, "half"])
def test_truncated_or_empty_file(tiny_ckpt, tmp_path, cut):
    data = tiny_ckpt.read_bytes()
    n = len(data) // 2 if cut == "half" else cut
    path = tmp_path / "broken.safetensors"
    path.write_bytes(data[:n])
    with pytest.raises(ModelError, match="broken.safetensors") as err:
        load_checkpoint(path)
    assert ("empty" if n == 0 else "truncated") in str(err.value)


def test_garbage_ckpt_and_missing_file(tmp_path):
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a pickle" * 10)
    with pytest.raises(ModelError, match="junk.ckpt"):
        load_checkpoint(junk)
    with pytest.raises(ModelError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_ckpt_with_state_dict_wrapper_loads(tiny_ckpt, tmp_path):
    from safetensors.torch import load_file

    path = tmp_path / "tiny.ckpt"
    torch.save({"state_dict": load_file(tiny_ckpt), "global_step": 1}, path)
    ck = load_checkpoint(path)
    assert ck.family == "sd15" and ck.vae.latent_channels == 4


def test_cache_loads_once_and_reloads_on_change(tiny_ckpt, tmp_path):
    from graphrun.backend.checkpoints import CheckpointCache

    path = tmp_path / "c.safetensors"
    path.write_bytes(tiny_ckpt.read_bytes())
    cache = CheckpointCache()
    first = load_checkpoint(path, cache=cache)
    assert load_checkpoint(path, cache=cache) is first
    import os

    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert load_checkpoint(path, cache=cache) is not first
    assert len(cache.entries) == 1
