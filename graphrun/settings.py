"""Run configuration: one frozen value built once (by the CLI or the caller) and passed down. No globals."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Device = Literal["auto", "cpu", "cuda", "mps"]


def _env_float(name: str) -> float | None:
    text = os.environ.get(name)
    try:
        return float(text) if text else None
    except ValueError:
        return None


class Settings(BaseModel):
    """Where models, inputs and outputs live, and how to compute. ComfyUI's folder layout by default."""

    model_config = ConfigDict(frozen=True)

    models_dir: Path = Field(default_factory=lambda: Path(os.environ.get("GRAPHRUN_MODELS_DIR", "models")))
    extra_model_paths: tuple[Path, ...] = ()  # extra_model_paths.yaml files, in ComfyUI's format
    input_dir: Path = Path("input")
    output_dir: Path = Path("output")
    temp_dir: Path | None = None  # PreviewImage target; default <output_dir>/../temp
    device: Device = "auto"
    stub_models: bool = False  # random-weight stand-ins for missing checkpoints, labelled as such
    stub_size: Literal["tiny", "full"] = "tiny"
    stub_family: str | None = None  # force this stand-in (graphrun.families stand-in name); None: from the workflow
    save_metadata: bool = True  # PNG prompt/workflow tEXt chunks, as ComfyUI without --disable-metadata
    progress: bool = True
    # Work estimated to need more memory than this is refused before it starts (backend/budget.py); None means
    # 80% of the machine's physical memory.
    memory_budget_gb: float | None = Field(default_factory=lambda: _env_float("GRAPHRUN_MEMORY_BUDGET_GB"))
    # opt-in, off the parity path (graphrun.backend.fast): UNet+VAE compute dtype, and speed-ups that may move numbers
    dtype: Literal["bf16", "fp16"] | None = None  # None: ComfyUI's policy (fp32 on CPU)
    fast: tuple[Literal["compile", "channels_last"], ...] = ()

    def resolved_temp_dir(self) -> Path:
        return self.temp_dir if self.temp_dir is not None else self.output_dir.parent / "temp"
