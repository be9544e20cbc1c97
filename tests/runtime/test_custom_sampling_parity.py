"""Custom sampling, primitive and string nodes through the CLI against real ComfyUI v0.3.64.

Each fixture in tests/fixtures/custom_sampling was made by tools/oracle/run_custom_sampling.py: ComfyUI's executor
ran NAME.api.json on the tiny SD1.5 checkpoint and SaveLatent wrote `output` and `denoised_output`. graphrun runs
the same prompt with `graphrun run`; both latents must match within relative L2 1e-5.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from graphrun.cli.main import main
from tests.runtime.test_parity_cli import rel_l2

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "custom_sampling"
CASES = sorted(p.name[: -len(".api.json")] for p in FIXTURES.glob("*.api.json"))
TOL = 1e-5


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the reference was computed with one thread
    yield
    torch.set_num_threads(before)


def test_fixtures_present():
    assert len(CASES) >= 20, CASES


@pytest.mark.parity
@pytest.mark.parametrize("name", CASES)
def test_custom_sampling_case_matches_comfyui(parity_dir, name, tmp_path):
    ref = load_file(str(FIXTURES / f"{name}.safetensors"))
    rc = main(["run", "--threads", "1", str(FIXTURES / f"{name}.api.json"), "--models-dir", str(parity_dir / "models"),
               "--input-dir", str(parity_dir / "input"), "--output-dir", str(tmp_path), "--device", "cpu", "-q"])
    assert rc == 0, f"graphrun run exited {rc} for {name}"
    for key, want in ref.items():
        (path,) = sorted(tmp_path.rglob(f"{name}_{key}_*.latent"))
        got = load_file(str(path))["latent_tensor"]
        assert got.shape == want.shape, key
        err = rel_l2(got, want)
        assert err <= TOL, f"{name} {key}: relative L2 {err:.3g} > {TOL}"
