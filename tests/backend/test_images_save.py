"""SaveImage / PreviewImage semantics (ComfyUI v0.3.64 `nodes.py::SaveImage`, `folder_paths.get_save_image_path`)."""

from __future__ import annotations

import json
import os
import random
from datetime import datetime

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from graphrun.backend import images as images_mod
from graphrun.backend.images import preview_images, read_png_text, save_images, to_uint8
from graphrun.errors import NodeInputError, UsageError

CASE = "a_img2img_euler_normal_s20_d0.80"


def _img(b=1, h=2, w=3, value=0.5):
    return torch.full((b, h, w, 3), value, dtype=torch.float32)


@pytest.mark.parity
def test_reference_png_is_reproduced_byte_for_byte(parity_dir, tmp_path):
    ref_png = parity_dir / "cases" / f"{CASE}.png"
    image = load_file(str(parity_dir / "cases" / f"{CASE}.safetensors"))["image"]
    prompt_text = read_png_text(ref_png)["prompt"]
    prompt = json.loads(prompt_text)
    saved = save_images(image, output_dir=tmp_path, filename_prefix=f"parity/{CASE}", prompt=prompt)
    assert [(s.filename, s.subfolder, s.type) for s in saved] == [(f"{CASE}_00001_.png", "parity", "output")]
    ours = np.array(Image.open(saved[0].path))
    theirs = np.array(Image.open(ref_png))
    assert np.array_equal(ours, theirs)
    assert read_png_text(saved[0].path) == {"prompt": prompt_text}
    # same Pillow/zlib, same chunks, compress_level 4: the file itself is identical
    assert saved[0].path.read_bytes() == ref_png.read_bytes()


@pytest.mark.parity
def test_every_reference_png_is_reproduced(parity_dir, tmp_path):
    """Each cases/NAME.png (and NAME_b<i>.png, batch item i) from NAME.safetensors `image` + its own prompt chunk."""
    pngs = sorted((parity_dir / "cases").glob("*.png"))
    assert pngs, "no reference PNGs"
    mismatched = []
    for n, png in enumerate(pngs):
        stem, _, item = png.stem.rpartition("_b")
        if not (stem and item.isdigit()):
            stem, item = png.stem, "0"
        image = load_file(str(png.with_name(stem + ".safetensors")))["image"][int(item):int(item) + 1]
        text = read_png_text(png)
        prompt = json.loads(text["prompt"]) if "prompt" in text else None
        saved = save_images(image, output_dir=tmp_path / str(n), filename_prefix="x", prompt=prompt)
        if saved[0].path.read_bytes() != png.read_bytes():
            mismatched.append(png.name)
    assert mismatched == []


def test_truncation_not_rounding():
    x = torch.tensor([[[0.999, 0.5, 1.0], [-0.2, 1.7, 0.00392]]], dtype=torch.float32)
    assert to_uint8(x).tolist() == [[[254, 127, 255], [0, 255, 0]]]


def test_counter_continues_after_highest_existing(tmp_path):
    for name in ("ComfyUI_00003_.png", "comfyui_00007_.png", "ComfyUI_00010.png", "ComfyUI_x_00099_.png",
                 "Other_00050_.png", "ComfyUI_abc_.png"):
        (tmp_path / name).write_bytes(b"")
    saved = save_images(_img(b=2), output_dir=tmp_path, filename_prefix="ComfyUI")
    # "ComfyUI_" + "00010.png" parses as 10; "x_00099_" and "abc" parse as 0; "comfyui_" matches only where
    # os.path.normcase folds case (Windows). So 1 + max(3, 10, 0, 0) on POSIX.
    expected_max = 10
    assert [s.filename for s in saved] == [f"ComfyUI_{expected_max + 1:05}_.png", f"ComfyUI_{expected_max + 2:05}_.png"]


def test_counter_starts_at_one_and_folder_is_created(tmp_path):
    saved = save_images(_img(), output_dir=tmp_path, filename_prefix="runs/day1/img")
    assert saved[0].filename == "img_00001_.png" and saved[0].subfolder == os.path.join("runs", "day1")
    assert saved[0].path == tmp_path / "runs" / "day1" / "img_00001_.png" and saved[0].path.is_file()
    again = save_images(_img(), output_dir=tmp_path, filename_prefix="runs/day1/img")
    assert again[0].filename == "img_00002_.png"


def test_prompt_and_extra_chunks_are_json_dumps(tmp_path):
    prompt = {"3": {"class_type": "KSampler", "inputs": {"seed": 5, "cfg": 8.0, "text": "café"}}}
    extra = {"workflow": {"nodes": [], "version": 0.4}, "note": "x"}
    saved = save_images(_img(), output_dir=tmp_path, filename_prefix="m", prompt=prompt, extra_pnginfo=extra)
    text = read_png_text(saved[0].path)
    assert list(text) == ["prompt", "workflow", "note"]
    assert text["prompt"] == json.dumps(prompt) and "caf\\u00e9" in text["prompt"]
    assert text["workflow"] == json.dumps(extra["workflow"]) and text["note"] == '"x"'


def test_metadata_can_be_disabled(tmp_path):
    saved = save_images(_img(), output_dir=tmp_path, filename_prefix="m", prompt={"a": 1}, metadata=False)
    assert read_png_text(saved[0].path) == {}


def test_size_date_and_batch_variables(tmp_path):
    now = datetime(2024, 3, 5, 7, 8, 9)
    saved = save_images(_img(b=2, h=4, w=6), output_dir=tmp_path, now=now,
                        filename_prefix="%year%-%month%-%day%/%hour%%minute%%second%_%width%x%height%_%batch_num%")
    assert [s.filename for s in saved] == ["070809_6x4_0_00001_.png", "070809_6x4_1_00002_.png"]
    assert saved[0].subfolder == "2024-03-05"


@pytest.mark.parametrize("prefix", ["../escape", "a/../../escape", "/tmp/abs", "sub/../../x"])
def test_prefix_outside_output_dir_is_rejected(tmp_path, prefix):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NodeInputError) as info:
        save_images(_img(), output_dir=out, filename_prefix=prefix)
    assert info.value.input_name == "filename_prefix" and info.value.value == prefix
    assert "outside the output folder" in str(info.value)
    assert not any(tmp_path.glob("*.png")) and not any(out.rglob("*.png"))


def test_symlink_escape_is_rejected(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(NodeInputError):
        save_images(_img(), output_dir=out, filename_prefix="link/x")
    assert not any(elsewhere.iterdir())


def test_inner_dotdot_that_stays_inside_is_allowed(tmp_path):
    saved = save_images(_img(), output_dir=tmp_path, filename_prefix="a/../b/x")
    assert saved[0].subfolder == "b" and saved[0].path.is_file()


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(images_mod.Image.Image, "save", boom)
    with pytest.raises(UsageError, match="No space left"):
        save_images(_img(), output_dir=tmp_path, filename_prefix="x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unwritable_folder_is_a_usage_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="locked"):
            save_images(_img(), output_dir=locked, filename_prefix="x")
    finally:
        locked.chmod(0o700)


def test_output_dir_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="file"):
        save_images(_img(), output_dir=tmp_path, filename_prefix="file/x")


def test_saved_files_get_normal_permissions(tmp_path):
    saved = save_images(_img(), output_dir=tmp_path, filename_prefix="x")
    assert saved[0].path.stat().st_mode & 0o044  # readable by group/others under the usual umask


def test_bad_images_input():
    with pytest.raises(NodeInputError):
        save_images(torch.zeros(2, 3), output_dir=".", filename_prefix="x")


def test_preview_goes_to_temp_with_random_suffix(tmp_path):
    saved = preview_images(_img(b=2), temp_dir=tmp_path, rng=random.Random(1))
    assert all(s.type == "temp" for s in saved)
    stem = saved[0].filename.rsplit("_", 2)[0]
    assert stem.startswith("ComfyUI_temp_") and len(stem) == len("ComfyUI_temp_") + 5
    assert all(c in "abcdefghijklmnopqrstupvxyz" for c in stem[-5:])
    assert saved[1].filename == f"{stem}_00002_.png"
