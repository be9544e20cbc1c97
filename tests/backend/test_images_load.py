"""LoadImage semantics (ComfyUI v0.3.64 `nodes.py::LoadImage`): reference data + hand-built files."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile
from safetensors.torch import load_file

from graphrun.backend.images import check_image_size, image_sha256, load_image
from graphrun.errors import NodeInputError


@pytest.mark.parity
def test_matches_comfyui_reference(parity_dir):
    image, mask = load_image(parity_dir / "input" / "input.png")
    ref = load_file(str(parity_dir / "cases" / "load_image_input.safetensors"))
    assert image.dtype == torch.float32 and mask.dtype == torch.float32
    assert torch.equal(image, ref["image"])
    assert torch.equal(mask, ref["mask"])  # [1, 64, 64] zeros although the image is 96x64


def test_rgba_mask_is_inverted_alpha(tmp_path):
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = [[0, 128, 255], [255, 51, 0]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    image, mask = load_image(tmp_path / "a.png")
    assert image.shape == (1, 2, 3, 3) and mask.shape == (1, 2, 3)
    # RGB of transparent pixels is kept as stored (no premultiplication)
    assert torch.all(image[..., 0] == np.float32(200) / np.float32(255))
    expected = 1.0 - torch.tensor([[0, 128, 255], [255, 51, 0]], dtype=torch.float32) / 255.0
    assert torch.equal(mask[0], expected)
    assert mask[0, 0, 0] == 1.0 and mask[0, 0, 2] == 0.0 and mask[0, 1, 1] == pytest.approx(0.8)


def test_palette_with_transparency_gives_mask(tmp_path):
    pal = Image.new("P", (4, 2))
    pal.putpalette([10, 20, 30, 250, 240, 230] + [0] * 762)
    pal.putdata([0, 1, 1, 0, 1, 0, 0, 0])
    pal.save(tmp_path / "p.png", transparency=1)
    assert Image.open(tmp_path / "p.png").mode == "P"
    image, mask = load_image(tmp_path / "p.png")
    assert image.shape == (1, 2, 4, 3) and mask.shape == (1, 2, 4)
    assert torch.equal(mask[0], torch.tensor([[0, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.float32))
    assert torch.equal(image[0, 0, 0] * 255, torch.tensor([10.0, 20.0, 30.0]))
    assert torch.equal(image[0, 0, 1] * 255, torch.tensor([250.0, 240.0, 230.0]))


def test_palette_without_transparency_gives_placeholder(tmp_path):
    Image.new("P", (5, 3)).save(tmp_path / "p.png")
    _, mask = load_image(tmp_path / "p.png")
    assert mask.shape == (1, 64, 64) and not mask.any()


def test_exif_orientation_is_applied(tmp_path):
    stored = Image.new("RGB", (16, 8), (255, 0, 0))
    stored.paste((0, 0, 255), (8, 0, 16, 8))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display = stored rotated 90° clockwise
    stored.save(tmp_path / "r.jpg", exif=exif, quality=95)
    image, mask = load_image(tmp_path / "r.jpg")
    assert image.shape == (1, 16, 8, 3)  # H and W swapped
    top, bottom = image[0, :6].mean(dim=(0, 1)), image[0, 10:].mean(dim=(0, 1))
    assert top[0] > 0.9 and top[2] < 0.1  # the left (red) column is now on top
    assert bottom[2] > 0.9 and bottom[0] < 0.1
    assert mask.shape == (1, 64, 64)


def test_16bit_grayscale_png_saturates_at_255(tmp_path):
    # Pillow 13 opens 16-bit grey PNGs as "I;16" (not "I"), so ComfyUI's 1/255 scaling does not apply and
    # convert("RGB") clips: v -> min(v, 255) / 255.
    values = np.array([[0, 100, 255], [256, 1000, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    image, _ = load_image(tmp_path / "g16.png")
    expected = torch.from_numpy(np.minimum(values, 255).astype(np.float32) / 255.0)
    assert image.shape == (1, 2, 3, 3)
    for c in range(3):
        assert torch.equal(image[0, ..., c], expected)


def test_mode_i_is_scaled_by_1_over_255(tmp_path):
    values = np.array([[0, 255, 510], [1000, 65535, -5]], dtype=np.int32)
    Image.fromarray(values).save(tmp_path / "i32.tif")
    assert Image.open(tmp_path / "i32.tif").mode == "I"
    image, _ = load_image(tmp_path / "i32.tif")
    # point(v / 255) truncates to int, convert("RGB") clips to 0..255
    expected = np.clip(np.trunc(values / 255.0), 0, 255).astype(np.float32) / 255.0
    assert torch.equal(image[0, ..., 0], torch.from_numpy(expected))


def test_multi_frame_gif_is_batched(tmp_path):
    frames = [Image.new("RGB", (6, 4), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    image, mask = load_image(tmp_path / "anim.gif")
    assert image.shape == (3, 4, 6, 3)
    assert mask.shape == (3, 64, 64) and not mask.any()
    assert torch.equal(image[:, 0, 0], torch.eye(3))


def test_later_frames_of_another_size_are_skipped(tmp_path):
    red, green, blue = (Image.new("RGB", size, c) for size, c in
                        (((8, 4), (255, 0, 0)), ((4, 4), (0, 255, 0)), ((8, 4), (0, 0, 255))))
    red.save(tmp_path / "multi.tif", save_all=True, append_images=[green, blue])
    image, mask = load_image(tmp_path / "multi.tif")
    assert image.shape == (2, 4, 8, 3) and mask.shape == (2, 64, 64)
    assert torch.equal(image[:, 0, 0], torch.tensor([[1.0, 0, 0], [0, 0, 1.0]]))


def test_mpo_keeps_only_the_first_frame(tmp_path):
    left, right = Image.new("RGB", (8, 4), (255, 0, 0)), Image.new("RGB", (8, 4), (0, 0, 255))
    left.save(tmp_path / "s.mpo", save_all=True, append_images=[right])
    with Image.open(tmp_path / "s.mpo") as check:
        assert check.format == "MPO" and check.n_frames == 2
    image, mask = load_image(tmp_path / "s.mpo")
    assert image.shape == (1, 4, 8, 3) and mask.shape == (1, 64, 64)
    assert image[0, 0, 0, 0] > 0.9


def test_truncated_png_is_loaded_like_comfyui(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) * 2 // 3])
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    image, _ = load_image(tmp_path / "cut.png")
    assert image.shape == (1, 64, 64, 3)
    assert ImageFile.LOAD_TRUNCATED_IMAGES == before  # the retry flag is restored


def test_text_file_is_rejected_with_its_name(tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is not a picture\n")
    with pytest.raises(NodeInputError) as info:
        load_image(fake, name="notes.png")
    assert info.value.input_name == "image" and info.value.value == "notes.png"
    assert "notes.png" in str(info.value) and "not an image" in str(info.value)


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(NodeInputError, match="not found"):
        load_image(tmp_path / "gone.png")


def test_sha256_is_of_the_file_bytes(tmp_path):
    Image.new("RGB", (3, 3)).save(tmp_path / "x.png")
    assert image_sha256(tmp_path / "x.png") == hashlib.sha256((tmp_path / "x.png").read_bytes()).hexdigest()


@pytest.mark.parametrize("w,h,b", [(0, 8, 1), (8, -1, 1), (16385, 8, 1), (8, 16385, 1), (16384, 16384, 2),
                                   (8, 8, 0), (8.0, 8, 1)])
def test_absurd_sizes_are_refused(w, h, b):
    with pytest.raises(NodeInputError):
        check_image_size(w, h, b)


def test_sane_sizes_pass():
    check_image_size(16384, 16384, 1)
    check_image_size(512, 512, 64)


def test_frames_mixing_alpha_and_opaque_are_a_clear_error(tmp_path):
    first, second = Image.new("RGB", (8, 4), (255, 0, 0)), Image.new("RGBA", (8, 4), (0, 0, 255, 128))
    first.save(tmp_path / "mixed.tif", save_all=True, append_images=[second])
    with pytest.raises(NodeInputError, match="masks cannot be batched"):
        load_image(tmp_path / "mixed.tif")
