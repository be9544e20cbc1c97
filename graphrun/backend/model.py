"""MODEL values: a shared diffusion network plus per-clone model sampling, weight patches and options
(ComfyUI's ModelPatcher: nodes that change a model clone it and change the clone; the network is never copied).

`apply_model(x_in, t, context, **conds)` is what the sampler's guidance calls; `model_conds(entry, prompt_type)`
turns a typed conditioning entry into the family's extra network inputs (SDXL `y`, Flux `guidance`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch

from graphrun.values import CondEntry


@dataclass(frozen=True)
class WeightPatch:
    """One pending change of a network weight (LoRA & co., ComfyUI `add_patches`): `key` is the network's
    state-dict key, `kind` names the patch maths ("lora", "diff", ...), `data` its tensors."""

    key: str
    kind: str
    data: tuple
    strength_patch: float = 1.0
    strength_model: float = 1.0


class Model:
    """ComfyUI MODEL. `network` (the diffusers module wrapper, shared by clones) runs the maths; this object
    says how: `family` (graphrun.families), `model_sampling`, `patches` (weight patches, applied by the
    patching code before a run), `options` (ComfyUI model_options: sampler/cfg hooks, transformer options)."""

    def __init__(self, network, family, model_sampling, *, patches: tuple[WeightPatch, ...] = (),
                 options: Mapping[str, Any] | None = None):
        self.network = network
        self.family = family
        self.model_sampling = model_sampling
        self.patches = tuple(patches)
        self.options = dict(options or {})

    # ---- ModelPatcher-style copies ----
    def clone(self) -> "Model":
        """A new MODEL sharing the network; its patches/options/sampling can change without touching this one."""
        return Model(self.network, self.family, self.model_sampling, patches=self.patches,
                     options={k: (dict(v) if isinstance(v, dict) else v) for k, v in self.options.items()})

    def with_model_sampling(self, model_sampling) -> "Model":
        """A clone with other model sampling (ModelSamplingDiscrete / ModelSamplingFlux nodes)."""
        out = self.clone()
        out.model_sampling = model_sampling
        return out

    def add_patches(self, patches: Mapping[str, tuple], strength_patch: float = 1.0,
                    strength_model: float = 1.0, kind: str = "lora") -> list[str]:
        """Record weight patches on THIS object (call on a clone); returns the keys the network has."""
        known = set(self.network.weight_keys())
        added = [WeightPatch(k, kind, tuple(v), strength_patch, strength_model) for k, v in patches.items() if k in known]
        self.patches = self.patches + tuple(added)
        return [p.key for p in added]

    # ---- what samplers and nodes read ----
    @property
    def latent_format(self):
        return self.family.latent_format

    @property
    def latent_scale_factor(self) -> float:
        return self.family.latent_format.scale_factor

    @property
    def device(self) -> torch.device:
        return self.network.device

    @property
    def dtype(self) -> torch.dtype:
        return self.network.dtype

    @property
    def config(self):
        return self.network.config

    def model_conds(self, entry: CondEntry, prompt_type: str) -> dict[str, torch.Tensor]:
        """Extra network inputs for one conditioning entry (empty for SD1.x/SD2.x)."""
        fn = self.family.model_conds
        return {} if fn is None else fn(entry, prompt_type, self)

    def unpatch(self) -> None:
        """Restore the shared network's original weights (after sampling with this clone's patches), so nothing
        outside sampling (other nodes, caches, benchmarks) sees patched weights."""
        if getattr(self.network, "_graphrun_patch_state", None) is not None:
            from graphrun.backend.weight_patch import use_patches

            use_patches(self.network, ())

    def apply_model(self, x_in: torch.Tensor, t: torch.Tensor, context: torch.Tensor, **conds) -> torch.Tensor:
        """Network call on already-scaled input; float32 on x_in's device."""
        if self.patches or getattr(self.network, "_graphrun_patch_state", None) is not None:
            from graphrun.backend.weight_patch import use_patches

            use_patches(self.network, self.patches)  # patch (or restore) the shared network for this clone
        return self.network.apply_model(x_in, t, context, **conds)
