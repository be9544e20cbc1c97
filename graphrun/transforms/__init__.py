"""Workflow -> workflow rewrites (pure functions over the raw JSON dicts)."""

from graphrun.transforms.convert import ConvertResult, NodeConversion, convert_workflow
from graphrun.transforms.explain import SamplerExplanation, explain_workflow
from graphrun.transforms.sampler_variants import (
    AdvancedSettings, Conversion, KSamplerSettings, Schedule, schedule, to_advanced, to_ksampler,
)

__all__ = ["AdvancedSettings", "Conversion", "ConvertResult", "KSamplerSettings", "NodeConversion",
           "SamplerExplanation", "Schedule", "convert_workflow", "explain_workflow", "schedule", "to_advanced",
           "to_ksampler"]
