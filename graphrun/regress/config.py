"""Per-folder test settings from `graphrun-test.toml`: overrides, input folder, tolerances per workflow.

    [defaults]                      # every workflow in this folder
    set = ["KSampler.steps=4"]      # NODE.INPUT=VALUE overrides, as `graphrun run --set`
    input_dir = "inputs"            # relative to this file (default: --input-dir)
    [defaults.tolerance]
    mode = "auto"                   # auto | exact | tolerant
    [workflow."SD1.5_text2image.json"]
    set = ["5.width=64", "5.height=64"]
    tolerance = { image_psnr = 35.0 }
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from graphrun.errors import UsageError

CONFIG_NAME = "graphrun-test.toml"
Mode = Literal["auto", "exact", "tolerant"]


@dataclass(frozen=True)
class Tolerance:
    """How close a rerun must be: exact (bit-identical) or within max-abs / relative-L2 / PSNR / pixel levels."""

    mode: Mode = "auto"
    latent_max_abs: float | None = None  # largest |actual - golden| on latents and other tensors
    latent_rel_l2: float | None = None  # ||actual - golden|| / ||golden||
    image_psnr: float | None = None  # minimum PSNR in dB on 8-bit images
    image_max_level: int | None = None  # largest per-pixel difference in 8-bit levels (0..255)

    def resolve(self, golden_env: Mapping[str, Any], env: Mapping[str, Any]) -> "Tolerance":
        """Fix the mode: auto is exact for CPU→CPU with the same torch thread count (CPU kernels split their sums
        by thread), tolerant otherwise or when limits are given; fill unset tolerant limits with the defaults."""
        mode = self.mode
        if mode == "auto":
            explicit = any(getattr(self, f) is not None for f in _LIMITS)
            same_cpu = _kind(golden_env.get("device", "cpu")) == "cpu" and _kind(env.get("device", "cpu")) == "cpu" \
                and golden_env.get("threads") == env.get("threads")
            mode = "tolerant" if explicit or not same_cpu else "exact"
        if mode == "exact":
            return Tolerance("exact")
        filled = {f: getattr(self, f) if getattr(self, f) is not None else getattr(TOLERANT, f) for f in _LIMITS}
        return Tolerance("tolerant", **filled)

    def allowed(self) -> str:
        """What a rerun may differ by, in words: 'nothing (bit-identical)' or the limits."""
        if self.mode == "exact":
            return "nothing (bit-identical)"
        return ", ".join(f"{f}={getattr(self, f)}" for f in _LIMITS if getattr(self, f) is not None) or "any"

    def describe(self) -> str:
        if self.mode != "tolerant":
            return self.mode
        parts = [f"{f}={getattr(self, f)}" for f in _LIMITS if getattr(self, f) is not None]
        return "tolerant (" + ", ".join(parts) + ")"


_LIMITS = ("latent_max_abs", "latent_rel_l2", "image_psnr", "image_max_level")
# Cross-device defaults: fp16/bf16 GPU kernels against fp32 CPU drift by a few percent over a sampling run.
TOLERANT = Tolerance("tolerant", latent_max_abs=None, latent_rel_l2=0.05, image_psnr=30.0, image_max_level=None)


def _kind(device: str) -> str:
    return device.split(":", 1)[0]


@dataclass(frozen=True)
class WorkflowConfig:
    """Test settings for one workflow: overrides (NODE.INPUT=VALUE), input folder, tolerance."""

    overrides: tuple[str, ...] = ()
    input_dir: Path | None = None
    tolerance: Tolerance = field(default_factory=Tolerance)
    source: Path | None = None  # the config file these came from


def _tolerance(raw: Any, base: Tolerance, where: str) -> Tolerance:
    if raw is None:
        return base
    if isinstance(raw, str):
        raw = {"mode": raw}
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: tolerance must be a table or a mode string, got {raw!r}")
    known = {f.name for f in fields(Tolerance)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise UsageError(f"{where}: unknown tolerance key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
    if raw.get("mode", "auto") not in ("auto", "exact", "tolerant"):
        raise UsageError(f"{where}: tolerance mode must be auto, exact or tolerant, got {raw['mode']!r}")
    for key, value in raw.items():
        if key != "mode" and not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0):
            raise UsageError(f"{where}: tolerance {key} must be a number >= 0, got {value!r}")
    return replace(base, **raw)


def _section(raw: Any, base: WorkflowConfig, folder: Path, where: str) -> WorkflowConfig:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: expected a table, got {raw!r}")
    unknown = sorted(set(raw) - {"set", "input_dir", "tolerance"})
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: input_dir, set, tolerance")
    overrides = raw.get("set", [])
    if not isinstance(overrides, list) or not all(isinstance(s, str) for s in overrides):
        raise UsageError(f"{where}: 'set' must be a list of \"NODE.INPUT=VALUE\" strings, got {overrides!r}")
    input_dir = base.input_dir
    if "input_dir" in raw:
        input_dir = (folder / str(raw["input_dir"])).resolve()
    return WorkflowConfig(overrides=base.overrides + tuple(overrides), input_dir=input_dir,
                          tolerance=_tolerance(raw.get("tolerance"), base.tolerance, where), source=base.source)


def load_config(workflow: Path) -> WorkflowConfig:
    """The settings for `workflow` from the graphrun-test.toml beside it (defaults, then its own section)."""
    path = workflow.parent / CONFIG_NAME
    if not path.is_file():
        return WorkflowConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read test settings: {exc}") from None
    unknown = sorted(set(data) - {"defaults", "workflow"})
    if unknown:
        raise UsageError(f"{path}: unknown section(s) {', '.join(unknown)}; allowed: [defaults], [workflow.\"NAME\"]")
    config = _section(data.get("defaults", {}), WorkflowConfig(source=path), path.parent, f"{path} [defaults]")
    sections = data.get("workflow", {})
    if not isinstance(sections, dict):
        raise UsageError(f"{path}: [workflow] must hold tables named after workflow files")
    own = sections.get(workflow.name, sections.get(workflow.stem))
    if own is not None:
        config = _section(own, config, path.parent, f"{path} [workflow.{workflow.name!r}]")
    return config
