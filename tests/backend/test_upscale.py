"""common_upscale and the scale-node size rules (ComfyUI v0.3.64 comfy/utils.py, nodes.py), hand-checked."""

from __future__ import annotations

import math

import pytest
import torch

from graphrun.backend.upscale import (UPSCALE_METHODS, center_crop_box, common_upscale, image_scale_size,
                                      latent_upscale_size, scale_by_size)
from graphrun.errors import NodeInputError


@pytest.mark.parametrize("method", UPSCALE_METHODS)
@pytest.mark.parametrize("crop", ["disabled", "center"])
def test_shapes_and_dtype(method, crop):
    x = torch.rand(2, 3, 8, 12)
    out = common_upscale(x, 7, 5, method, crop)
    assert out.shape == (2, 3, 5, 7) and out.dtype == torch.float32


def test_nearest_exact_replicates():
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    out = common_upscale(x, 4, 4, "nearest-exact", "disabled")
    assert out[0, 0].tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]


def test_bilinear_is_half_pixel_centred_and_edge_clamped():
    # align_corners=False: source x = (i + 0.5)·(2/4) − 0.5 = −0.25, 0.25, 0.75, 1.25 → clamp → 0, .25, .75, 1
    x = torch.tensor([[[[0.0, 1.0]]]])
    out = common_upscale(x, 4, 1, "bilinear", "disabled")
    assert torch.allclose(out[0, 0, 0], torch.tensor([0.0, 0.25, 0.75, 1.0]))


def test_area_downscale_averages_blocks():
    x = torch.tensor([[[[1.0, 3.0, 5.0, 7.0], [1.0, 3.0, 5.0, 7.0]]]])
    out = common_upscale(x, 2, 1, "area", "disabled")
    assert out[0, 0].tolist() == [[2.0, 6.0]]


def test_bicubic_keeps_constants():
    out = common_upscale(torch.full((1, 4, 3, 3), 0.25), 5, 6, "bicubic", "disabled")
    assert torch.allclose(out, torch.full((1, 4, 6, 5), 0.25))


@pytest.mark.parametrize("old,new,box", [((100, 50), (50, 50), (25, 0)), ((50, 100), (50, 50), (0, 25)),
                                         ((64, 64), (32, 32), (0, 0)), ((96, 64), (64, 64), (16, 0))])
def test_center_crop_offsets(old, new, box):
    assert center_crop_box(*old, *new) == box


def test_center_crop_takes_the_middle():
    ramp = torch.arange(100, dtype=torch.float32).reshape(1, 1, 1, 100).expand(1, 1, 50, 100).contiguous()
    out = common_upscale(ramp, 50, 50, "nearest-exact", "center")
    assert out[0, 0, 0].tolist() == list(range(25, 75))


def test_bislerp_hand_values():
    # two orthogonal unit channel-vectors along width, 2 → 3 columns: taps at x = 0, 0.5, 1 (clamped);
    # the middle is slerp at t = .5 → (sin(π/4), sin(π/4)); the ends are the inputs.
    x = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])  # [1, C=2, H=1, W=2]
    out = common_upscale(x, 3, 1, "bislerp", "disabled")
    s = math.sin(math.pi / 4)
    assert torch.allclose(out[0, :, 0].T, torch.tensor([[1.0, 0.0], [s, s], [0.0, 1.0]]), atol=1e-6)


def test_bislerp_parallel_vectors_keep_the_first():
    # ComfyUI's edge case: nearly parallel neighbours → b1 unchanged (norms are not interpolated)
    x = torch.tensor([[[[1.0, 3.0]], [[1.0, 3.0]]]])
    out = common_upscale(x, 3, 1, "bislerp", "disabled")
    assert out[0, 0, 0].tolist() == [1.0, 1.0, 3.0]


def test_lanczos_goes_through_8_bit_truncation():
    x = torch.full((1, 3, 4, 4), 0.999)
    out = common_upscale(x, 8, 8, "lanczos", "disabled")
    assert out.shape == (1, 3, 8, 8)
    assert torch.all(out == 254 / 255.0)


def test_lanczos_single_channel():
    out = common_upscale(torch.full((2, 1, 4, 4), 0.5), 2, 2, "lanczos", "disabled")
    assert out.shape == (2, 1, 2, 2) and torch.all(out == 127 / 255.0)


def test_five_dim_input_is_resized_per_frame():
    x = torch.rand(1, 4, 2, 3, 3)
    out = common_upscale(x, 6, 6, "nearest-exact", "disabled")
    assert out.shape == (1, 4, 2, 6, 6)
    assert torch.equal(out[:, :, 1], common_upscale(x[:, :, 1], 6, 6, "nearest-exact", "disabled"))


def test_scale_by_rounds_half_to_even():
    assert scale_by_size(5, 3, 1.5) == (8, 4)  # round(7.5) = 8, round(4.5) = 4
    assert scale_by_size(12, 8, 1.5) == (18, 12)


def test_image_scale_size_keeps_aspect_for_a_zero_side():
    assert image_scale_size(96, 64, 0, 0) is None
    assert image_scale_size(96, 64, 0, 32) == (48, 32)
    assert image_scale_size(96, 64, 48, 0) == (48, 32)
    assert image_scale_size(1000, 1, 1, 0) == (1, 1)  # max(1, round(0.001))


def test_latent_upscale_size():
    assert latent_upscale_size(12, 8, 0, 0) is None
    assert latent_upscale_size(12, 8, 0, 100) == (150 // 8, 100 // 8)
    assert latent_upscale_size(12, 8, 10, 10) == (8, 8)  # each side at least 64 px


@pytest.mark.parametrize("args,input_name", [((4, 4, "cubic", "disabled"), "upscale_method"),
                                             ((4, 4, "bilinear", "left"), "crop"),
                                             ((0, 4, "bilinear", "disabled"), "width"),
                                             ((20000, 4, "bilinear", "disabled"), "width")])
def test_bad_arguments(args, input_name):
    with pytest.raises(NodeInputError) as info:
        common_upscale(torch.zeros(1, 3, 2, 2), *args)
    assert info.value.input_name == input_name
