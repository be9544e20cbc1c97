"""The torch-free name lists KSampler offers equal what the registries register, in order, and ComfyUI's lists."""

from __future__ import annotations

import json

from graphrun.sampling.names import SAMPLER_NAMES, SCHEDULER_NAMES
from graphrun.sampling.samplers import sampler_names
from graphrun.sampling.schedulers import scheduler_names


def test_names_match_registries():
    assert list(SAMPLER_NAMES) == sampler_names()
    assert list(SCHEDULER_NAMES) == scheduler_names()


def test_names_match_comfyui_object_info(object_info_path):
    ks = json.loads(object_info_path.read_text())["KSampler"]["input"]["required"]
    assert list(SAMPLER_NAMES) == ks["sampler_name"][0]
    assert list(SCHEDULER_NAMES) == ks["scheduler"][0]
