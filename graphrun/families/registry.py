"""The family table: one `Family` entry per model family, registered by graphrun/families/<name>.py.

A family says how it is recognised (from the detected UNet layout and the state-dict keys), how its diffusion
model is configured (attention heads), its latent format, how its model sampling is chosen (EPS / v-prediction /
flow, from the weights), its text encoders (`ClipPart` recipes, in the checkpoint's prefixes) and how its extra
conditioning is computed (`model_conds`: SDXL's ADM vector, Flux guidance). Loaders, stand-ins and nodes read
these entries; nothing else branches on family names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from graphrun.families.latent_formats import LatentFormat

Shapes = Mapping[str, Sequence[int]]


@dataclass(frozen=True)
class ClipPart:
    """One text encoder of a family, as ComfyUI's SDClipModel options name them.

    `prefixes`: checkpoint key prefixes holding it (HF layout under `transformer.`/`text_model.` or OpenCLIP
    layout under `model.`); `layer`/`layer_idx`: "last", "penultimate" or "hidden" + index; `layer_norm_hidden`:
    final layer norm on an intermediate layer; `pad_token`: 49407 (end) or 0; `projected_pooled`: pooled output
    through text_projection; `hidden_act`: activation of the HF config ComfyUI builds.
    """

    name: str                     # "clip_l", "clip_g", "clip_h"
    prefixes: tuple[str, ...]
    layer: str = "last"
    layer_idx: int | None = None
    layer_norm_hidden: bool = True
    pad_token: int = 49407
    projected_pooled: bool = False
    hidden_act: str = "quick_gelu"


@dataclass(frozen=True)
class StandIn:
    """A labelled random-weight stand-in of a family for --stub-models (`name` is also a --stub-family value).

    `make(size)` returns a single-file checkpoint state dict in the family's distributed layout (size "tiny" or
    "full"), which the ordinary loaders recognise as this family; `file_hints`: lower-case fragments of the file
    names ComfyUI users give such checkpoints (the longest match over all stand-ins wins)."""

    name: str
    label: str
    make: Callable[[str], Mapping[str, Any]]
    file_hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """A model family; see the module docstring. Functions take the detected UNetConfig and shapes/state dict."""

    name: str                                    # registry key, also --stub-family NAME
    label: str                                   # for people: "SDXL", "SD2.x (768-v)"
    latent_format: LatentFormat
    recognise: Callable[[Any, Shapes], bool]     # (UNetConfig, shapes) -> is this family
    num_heads: int = -1                          # fixed head count (SD1.x: 8) ...
    num_head_channels: int = -1                  # ... or fixed head width (SD2/SDXL: 64)
    clip_parts: tuple[ClipPart, ...] = ()
    model_sampling: Callable[[Mapping[str, Any], str], Any] | None = None  # (state_dict, unet prefix) -> sampling
    model_conds: Callable[..., dict[str, Any]] | None = None  # (entry, prompt_type, model) -> extra model inputs
    priority: int = 100                          # recognition order (lower first)
    file_hints: tuple[str, ...] = field(default=())  # lower-case file-name fragments that suggest this family
    # Families without an LDM UNet (DiTs: Flux, ...): recognised from the keys/shapes before the UNet walk, and
    # built by their own loader (state_dict, source=, policy=, path=) -> Checkpoint.
    recognise_keys: Callable[[Shapes], bool] | None = None
    load_checkpoint: Callable[..., Any] | None = None
    stand_ins: tuple[StandIn, ...] = ()         # --stub-models stand-ins (SD2: 512 EPS and 768-v)

    def heads(self, channels: int) -> int:
        """Attention heads of a transformer with `channels` width (ComfyUI openaimodel num_heads/num_head_channels)."""
        if self.num_head_channels > 0:
            return max(channels // self.num_head_channels, 1)
        return self.num_heads


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add a family to the table (module import time); names are unique."""
    if family.name in FAMILIES:
        raise ValueError(f"family {family.name!r} registered twice")
    FAMILIES[family.name] = family
    return family


def get_family(name: str) -> Family:
    """The registered family `name`; ValueError listing the known ones otherwise."""
    _load_all()
    if name not in FAMILIES:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[name]


def families() -> list[Family]:
    """All families in recognition order."""
    _load_all()
    return sorted(FAMILIES.values(), key=lambda f: (f.priority, f.name))


def stand_ins() -> dict[str, tuple[StandIn, Family]]:
    """Every stand-in by name (the --stub-family choices), with its family, in recognition order."""
    return {s.name: (s, f) for f in families() for s in f.stand_ins}


def _load_all() -> None:
    import graphrun.families  # noqa: F401 - registers the built-in families
