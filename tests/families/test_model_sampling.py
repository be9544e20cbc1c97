"""Model-sampling objects against ComfyUI's own tables (tests/fixtures/families/model_sampling.safetensors, made by
tools/oracle/families_model_sampling.py): flow (Flux, SD3 discrete flow), zero-terminal-SNR and LCM tables,
percent_to_sigma, timestep, half-log-SNR and the flow first-sigma offset."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from graphrun.sampling.model_sampling import (
    LCM,
    V_PREDICTION,
    ModelSamplingDiscrete,
    ModelSamplingDiscreteDistilled,
    ModelSamplingDiscreteFlow,
    ModelSamplingFlux,
)

REF = load_file(str(Path(__file__).resolve().parents[1] / "fixtures" / "families" / "model_sampling.safetensors"))
OBJECTS = {
    "flux115": lambda: ModelSamplingFlux(1.15),
    "flux05": lambda: ModelSamplingFlux(0.5),
    "sd3s3": lambda: ModelSamplingDiscreteFlow(3.0, 1000),
    "zsnr": lambda: ModelSamplingDiscrete(V_PREDICTION(), zsnr=True),
    "lcm": lambda: ModelSamplingDiscreteDistilled(LCM()),
}
PROBE = torch.tensor([0.999, 0.7, 0.3, 0.02])


@pytest.mark.parametrize("name", list(OBJECTS))
def test_tables_match_comfyui(name):
    ms = OBJECTS[name]()
    assert torch.equal(ms.sigmas.float(), REF[f"{name}.sigmas"])
    pct = torch.tensor([float(ms.percent_to_sigma(p)) for p in (0.0, 0.2, 0.5, 0.8, 1.0)])
    torch.testing.assert_close(pct, REF[f"{name}.percent"], rtol=1e-6, atol=0)
    assert torch.equal(ms.timestep(PROBE * float(ms.sigma_max)).float(), REF[f"{name}.timestep"])
    lam = ms.half_log_snr(PROBE * float(ms.sigma_max) * 0.999).float()
    torch.testing.assert_close(lam, REF[f"{name}.lambda"], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(ms.sigma_from_half_log_snr(lam), PROBE * float(ms.sigma_max) * 0.999, rtol=1e-4, atol=0)
    assert torch.equal(ms.offset_first_sigma_for_snr(torch.tensor([1.0, 0.5, 0.0])).float(), REF[f"{name}.offset"])
    assert ms.is_flow == name.startswith(("flux", "sd3"))
