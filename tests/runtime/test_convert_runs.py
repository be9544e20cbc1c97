"""Converting the shipped img2img workflows into the other sampler variant gives bit-identical latents."""

from __future__ import annotations

import json

import pytest
import torch

from graphrun.runtime.context import ModelStore
from graphrun.runtime.run import run_workflow
from graphrun.transforms import convert_workflow
from tests.runtime.test_shipped_workflows import ADV, KS, settings, small_input


@pytest.fixture(scope="module")
def store():
    return ModelStore()


def latent_of(ui: dict, tmp_path, store) -> torch.Tensor:
    result = run_workflow(json.dumps(ui).encode(), settings(tmp_path), store=store, log=lambda m: None)
    sampler = next(n for n in result.prompt
                   if result.prompt[n]["class_type"] in {"KSampler", "KSamplerAdvanced", "SamplerCustomAdvanced"})
    return result.outputs[sampler][0].samples


def sampler_node(ui: dict) -> dict:
    return next(n for n in ui["nodes"] if n["type"] in {"KSampler", "KSamplerAdvanced", "SamplerCustomAdvanced"})


# (ADV, "custom") is covered by tests/transforms/test_convert_custom_ui.py (same prompt as the API conversion,
# whose runs tests/runtime/test_convert_custom_runs.py proves bit-identical): one full-size run pair is enough here.
@pytest.mark.parametrize("source,target", [(KS, "advanced"), (ADV, "ksampler"), (KS, "custom")],
                         ids=["ksampler", "advanced", "ksampler-custom"])
def test_converted_shipped_workflow_is_bit_identical(source, target, tmp_path, store):
    small_input(tmp_path)
    original = json.loads(source.read_text())
    converted = convert_workflow(original, target).data
    assert sampler_node(converted)["type"] == {"advanced": "KSamplerAdvanced", "ksampler": "KSampler",
                                               "custom": "SamplerCustomAdvanced"}[target]
    assert torch.equal(latent_of(original, tmp_path, store), latent_of(converted, tmp_path, store))


def test_float_trap_steps14_denoise056(tmp_path, store):
    """14/0.56 is 24.999999999999996 in double arithmetic: KSampler runs the tail of a 24-step schedule."""
    small_input(tmp_path)
    ui = json.loads(KS.read_text())
    widgets = sampler_node(ui)["widgets_values"]
    widgets[2], widgets[6] = 14, 0.56  # steps, denoise
    converted = convert_workflow(ui, "advanced").data
    adv = sampler_node(converted)["widgets_values"]
    assert (adv[3], adv[7]) == (24, 10)  # steps, start_at_step: not the naive (25, 11)
    reference = latent_of(ui, tmp_path, store)
    assert torch.equal(reference, latent_of(converted, tmp_path, store))
    adv[3], adv[7] = 25, 11
    assert not torch.equal(reference, latent_of(converted, tmp_path, store))
