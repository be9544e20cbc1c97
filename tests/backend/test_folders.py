"""ModelFolders: ComfyUI listing rules, safe lookup, helpful misses, extra_model_paths.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphrun.backend.folders import ModelFolders
from graphrun.errors import ModelError


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def models(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    for name in ("b.safetensors", "a.CKPT", "sub/deep/c.sft", "notes.txt", ".git/d.safetensors", "x.pth"):
        _touch(root / "checkpoints" / name)
    _touch(root / "vae" / "v.pt")
    _touch(root / "clip" / "t.bin")
    return root


def test_list_names_sorted_recursive_filtered(models):
    folders = ModelFolders(models)
    assert folders.list_names("checkpoints") == ["a.CKPT", "b.safetensors", "sub/deep/c.sft", "x.pth"]
    assert folders.list_names("vae") == ["v.pt"]
    assert folders.list_names("clip") == ["t.bin"]  # legacy name -> text_encoders, whose roots include clip/


def test_find_subfolder_and_first_root_wins(models, tmp_path):
    folders = ModelFolders(models)
    assert folders.find("checkpoints", "sub/deep/c.sft") == models / "checkpoints/sub/deep/c.sft"
    other = tmp_path / "other"
    _touch(other / "b.safetensors")
    folders.add_path("checkpoints", other)
    assert folders.find("checkpoints", "b.safetensors") == models / "checkpoints/b.safetensors"
    folders.add_path("checkpoints", other, is_default=True)
    assert folders.find("checkpoints", "b.safetensors") == other / "b.safetensors"


@pytest.mark.parametrize("name", ["../vae/v.pt", "/etc/passwd", "sub/../../vae/v.pt", ""])
def test_traversal_rejected(models, name):
    with pytest.raises(ModelError, match="not allowed"):
        ModelFolders(models).find("checkpoints", name)


def test_missing_name_lists_folders_and_closest(models):
    with pytest.raises(ModelError) as err:
        ModelFolders(models).find("checkpoints", "b.safetensor")
    text = str(err.value)
    assert "'b.safetensor' not found" in text and str(models / "checkpoints") in text
    assert "'b.safetensors'" in text


def test_extra_model_paths_yaml(tmp_path, monkeypatch, models):
    monkeypatch.setenv("GR_TEST_BASE", str(tmp_path / "envbase"))
    cfg_dir = tmp_path / "cfg"
    cfg_dir.mkdir()
    _touch(tmp_path / "envbase" / "ckpts" / "e.safetensors")
    _touch(cfg_dir / "rel" / "loras" / "l.safetensors")
    _touch(cfg_dir / "rel" / "more" / "m.safetensors")
    _touch(cfg_dir / "rel" / "unet" / "u.safetensors")
    yml = cfg_dir / "extra_model_paths.yaml"
    yml.write_text(
        "comfyui:\n"
        "  base_path: $GR_TEST_BASE\n"
        "  is_default: true\n"
        "  checkpoints: ckpts\n"
        "other:\n"
        "  base_path: rel\n"
        "  loras: |\n"
        "    loras\n"
        "    more\n"
        "  unet: unet\n"
        "empty:\n"
    )
    folders = ModelFolders(models, extra_yaml=[yml])
    assert folders.folder_roots("checkpoints")[0] == tmp_path / "envbase" / "ckpts"
    assert "e.safetensors" in folders.list_names("checkpoints")
    assert folders.folder_roots("loras")[-2:] == [cfg_dir / "rel" / "loras", cfg_dir / "rel" / "more"]
    assert folders.list_names("loras") == ["l.safetensors", "m.safetensors"]
    assert folders.find("diffusion_models", "u.safetensors") == cfg_dir / "rel" / "unet" / "u.safetensors"


def test_bad_yaml_is_a_model_error(tmp_path, models):
    yml = tmp_path / "bad.yaml"
    yml.write_text("a: [unclosed\n")
    with pytest.raises(ModelError, match="bad.yaml"):
        ModelFolders(models, extra_yaml=[yml])
