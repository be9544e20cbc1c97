"""Sampler registry (ComfyUI v0.3.64's 42 names); importing this package registers every family."""

from . import ancestral, cfg_pp, classic, dpm_solver, multistep, sa_solver, sde, uni_pc  # noqa: F401  (registration)
from .registry import SAMPLERS, SamplerSpec, sampler, sampler_names

__all__ = ["SAMPLERS", "SamplerSpec", "sampler", "sampler_names"]
