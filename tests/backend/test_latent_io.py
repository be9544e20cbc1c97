"""`.latent` files as ComfyUI v0.3.64 SaveLatent writes and LoadLatent reads them."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from graphrun.backend.latent_io import list_latent_files, load_latent, save_latent
from graphrun.errors import NodeInputError, UsageError


@pytest.mark.parity
def test_round_trip_of_reference_samples(parity_dir, tmp_path):
    samples = load_file(str(parity_dir / "cases" / "a_img2img_euler_normal_s20_d0.80.safetensors"))["samples"]
    saved = save_latent(samples, output_dir=tmp_path, filename_prefix="parity/a", prompt={"1": {}})
    assert (saved.filename, saved.subfolder, saved.type) == ("a_00001_.latent", "parity", "output")
    back = load_latent(saved.path)
    assert back.dtype == torch.float32 and torch.equal(back, samples)


def test_file_layout_matches_comfyui(tmp_path):
    samples = torch.arange(2 * 4 * 3 * 5, dtype=torch.float32).reshape(2, 4, 3, 5)
    prompt = {"9": {"class_type": "SaveLatent", "inputs": {"filename_prefix": "x"}}}
    extra = {"workflow": {"nodes": [1, 2]}}
    saved = save_latent(samples, output_dir=tmp_path, filename_prefix="latents/ComfyUI", prompt=prompt,
                        extra_pnginfo=extra)
    assert saved.path == tmp_path / "latents" / "ComfyUI_00001_.latent"
    with safe_open(str(saved.path), framework="pt") as f:
        assert sorted(f.keys()) == ["latent_format_version_0", "latent_tensor"]
        assert f.metadata() == {"prompt": json.dumps(prompt), "workflow": json.dumps(extra["workflow"])}
        marker = f.get_tensor("latent_format_version_0")
        assert marker.shape == (0,) and marker.dtype == torch.float32
        assert torch.equal(f.get_tensor("latent_tensor"), samples)


def test_no_prompt_gives_empty_prompt_string_and_disable_metadata_gives_none(tmp_path):
    a = save_latent(torch.zeros(1, 4, 2, 2), output_dir=tmp_path, filename_prefix="n")
    with safe_open(str(a.path), framework="pt") as f:
        assert f.metadata() == {"prompt": ""}
    b = save_latent(torch.zeros(1, 4, 2, 2), output_dir=tmp_path, filename_prefix="n", prompt={"a": 1},
                    metadata=False)
    assert b.filename == "n_00002_.latent"
    with safe_open(str(b.path), framework="pt") as f:
        assert not f.metadata()


def test_dtype_is_stored_as_is_and_loaded_as_float32(tmp_path):
    half = torch.full((1, 4, 2, 2), 1.5, dtype=torch.float16)
    saved = save_latent(half, output_dir=tmp_path, filename_prefix="h")
    assert load_file(str(saved.path))["latent_tensor"].dtype == torch.float16
    assert load_latent(saved.path).dtype == torch.float32


def test_legacy_file_without_marker_is_unscaled(tmp_path):
    stored = torch.full((1, 4, 2, 2), 0.18215)
    save_file({"latent_tensor": stored}, str(tmp_path / "old.latent"))
    assert torch.allclose(load_latent(tmp_path / "old.latent"), torch.ones(1, 4, 2, 2))
    assert torch.equal(load_latent(tmp_path / "old.latent"), stored.float() * (1.0 / 0.18215))


def test_bad_files_raise_node_input_errors(tmp_path):
    (tmp_path / "junk.latent").write_text("not safetensors")
    with pytest.raises(NodeInputError) as info:
        load_latent(tmp_path / "junk.latent", name="junk.latent")
    assert info.value.input_name == "latent" and "junk.latent" in str(info.value)
    save_file({"other": torch.zeros(1)}, str(tmp_path / "nokey.latent"))
    with pytest.raises(NodeInputError, match="latent_tensor"):
        load_latent(tmp_path / "nokey.latent")
    with pytest.raises(NodeInputError, match="not found"):
        load_latent(tmp_path / "missing.latent")


def test_prefix_escape_rejected(tmp_path):
    with pytest.raises(NodeInputError) as info:
        save_latent(torch.zeros(1, 4, 1, 1), output_dir=tmp_path, filename_prefix="../x")
    assert info.value.input_name == "filename_prefix"


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("graphrun.backend.paths.os.replace", boom)
    with pytest.raises(UsageError):
        save_latent(torch.zeros(1, 4, 1, 1), output_dir=tmp_path, filename_prefix="x")
    assert list(tmp_path.iterdir()) == []


def test_list_latent_files(tmp_path):
    for name in ("b.latent", "a.latent", "c.png", "d.latent.bak"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "dir.latent").mkdir()
    assert list_latent_files(tmp_path) == ["a.latent", "b.latent"]
