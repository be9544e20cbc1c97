"""Every Flux case recorded with ComfyUI v0.3.64 (tools/oracle/run_flux.py), run through the CLI exactly as a user
would: `graphrun run CASE.api.json --models-dir M --input-dir I --output-dir O`. The SaveLatent output must match
ComfyUI's within relative L2 1e-5 and the PNG within one 8-bit level. (The img2img-at-denoise-1.0 fact is tested
next to SD1.5's in tests/runtime/test_shipped_workflows.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from graphrun.cli.main import main
from tests.parity_report import record

from .conftest import CASES, FIX, case_names, rel_l2

TOL = 1e-5


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """ComfyUI's reference ran on one torch thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run_case(name, flux_models, out_dir):
    rc = main(["run", "--threads", "1", str(CASES / f"{name}.api.json"), "--models-dir", str(flux_models), "--input-dir", str(FIX),
               "--output-dir", str(out_dir), "--device", "cpu", "-q"])
    assert rc == 0, f"graphrun run exited {rc} for {name}"
    (latent,) = sorted(out_dir.rglob("*.latent"))
    pngs = sorted(out_dir.rglob("*.png"))
    pixels = np.stack([np.asarray(Image.open(p)) for p in pngs])
    return load_file(str(latent))["latent_tensor"], pixels


@pytest.mark.parity
@pytest.mark.parametrize("name", case_names())
def test_case_matches_comfyui(name, flux_models, tmp_path):
    ref = load_file(str(CASES / f"{name}.safetensors"))
    latent, pixels = run_case(name, flux_models, tmp_path)
    assert latent.shape == ref["samples"].shape
    err = rel_l2(latent, ref["samples"])
    record("flux latent rel L2", name, err)
    assert err <= TOL, f"{name}: latent relative L2 {err:.2e} > {TOL}"
    assert pixels.shape == tuple(ref["pixels"].shape)
    diff = np.abs(pixels.astype(int) - ref["pixels"].numpy().astype(int)).max()
    record("flux PNG max level diff", name, diff)
    assert diff <= 1, f"{name}: PNG differs by {diff} levels"

