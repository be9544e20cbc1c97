"""The custom-sampling, primitive and string nodes declare exactly what ComfyUI v0.3.64's /object_info says."""

from __future__ import annotations

import json

import pytest

from graphrun.nodes.base import default_registry

NODES = """SamplerCustom SamplerCustomAdvanced KSamplerSelect BasicScheduler KarrasScheduler ExponentialScheduler
PolyexponentialScheduler SDTurboScheduler BetaSamplingScheduler SplitSigmas SplitSigmasDenoise FlipSigmas RandomNoise
DisableNoise CFGGuider BasicGuider DualCFGGuider SamplerEulerAncestral SamplerEulerAncestralCFGPP SamplerLMS
SamplerDPMPP_3M_SDE SamplerDPMPP_2M_SDE SamplerDPMPP_SDE SamplerDPMPP_2S_Ancestral SamplerDPMAdaptative SamplerER_SDE
SamplerSASolver PrimitiveInt PrimitiveFloat PrimitiveString PrimitiveStringMultiline PrimitiveBoolean
StringConcatenate StringReplace""".split()
FIELDS = ("input", "input_order", "output", "output_name", "output_is_list", "display_name", "category",
          "output_node")


@pytest.fixture(scope="module")
def object_info(object_info_path):
    return json.loads(object_info_path.read_text())


@pytest.mark.parametrize("name", NODES)
def test_declaration_equals_object_info(object_info, name):
    node_type = default_registry().get(name)
    assert node_type is not None, f"{name} is not registered"
    ours = node_type.definition().model_dump()
    ref = object_info[name]
    for field in FIELDS:
        assert ours[field] == ref[field], f"{name}.{field}: {ours[field]!r} != {ref[field]!r}"


def test_every_custom_sampler_option_node_is_declared(object_info):
    wanted = {k for k, v in object_info.items() if v["category"] == "sampling/custom_sampling/samplers"}
    missing = sorted(wanted - set(default_registry().names()))
    assert missing in ([], ["SamplerLCMUpscale"]), missing
