"""The Flux DiT as ComfyUI v0.3.64's `comfy.ldm.flux.model.Flux` is called, computed by diffusers'
FluxTransformer2DModel (built on the meta device from the shapes, weights assigned).

ComfyUI's call: x [B, 16, H, W] (circularly padded to even H, W), timestep = model_sampling.timestep(sigma) (the
model multiplies by 1000 itself), context [B, L, ctx], y = pooled [B, vec], guidance [B] (dev only). Image tokens are
2x2 patches in (c, ph, pw) order with position ids (0, row, col); text ids are zeros; the output is unpatched and
cropped back to H, W.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor

from graphrun.errors import ModelError

from .convert import FluxConfig, bfl_to_diffusers, config_from_state_dict, strip_prefix

PATCH = 2
# UNETLoader weight_dtype -> storage dtype the weights are rounded to (ComfyUI stores them so and upcasts per op).
FP8_WEIGHT_DTYPES = {"fp8_e4m3fn": torch.float8_e4m3fn, "fp8_e4m3fn_fast": torch.float8_e4m3fn,
                     "fp8_e5m2": torch.float8_e5m2}


class FluxDiT:
    """Callable `(x, timestep, context, y, guidance) -> model output`, all float32 on the model's device."""

    def __init__(self, model, config: FluxConfig, *, device: torch.device, dtype: torch.dtype):
        self.model = model
        self.config = config
        self.device = device
        self.dtype = dtype

    @property
    def guidance_embed(self) -> bool:
        return self.config.guidance_embed

    def weight_keys(self) -> list[str]:
        return list(self.model.state_dict())

    def apply_model(self, x_in: Tensor, t: Tensor, context: Tensor, y: Tensor | None = None,
                    guidance: Tensor | None = None) -> Tensor:
        """The sampler's call (graphrun.backend.model.Model.apply_model): t = model_sampling.timestep(sigma)."""
        if y is None:  # ComfyUI's Flux.encode_adm reads kwargs["pooled_output"]: no pooled output is an error there
            raise ModelError("Flux needs the pooled CLIP-L output in its conditioning (use a Flux text encoder)")
        return self(x_in, t, context, y, guidance)

    @torch.no_grad()
    def __call__(self, x: Tensor, timestep: Tensor, context: Tensor, y: Tensor | None,
                 guidance: Tensor | None = None) -> Tensor:
        b, c, h, w = x.shape
        hp, wp = (h + 1) // PATCH, (w + 1) // PATCH
        img = x.to(self.device, self.dtype)
        if (hp * PATCH, wp * PATCH) != (h, w):  # ComfyUI pad_to_patch_size: circular
            img = F.pad(img, (0, wp * PATCH - w, 0, hp * PATCH - h), mode="circular")
        img = img.reshape(b, c, hp, PATCH, wp, PATCH).permute(0, 2, 4, 1, 3, 5).reshape(b, hp * wp, c * PATCH * PATCH)
        img_ids = torch.zeros(hp, wp, 3, device=self.device, dtype=self.dtype)
        img_ids[:, :, 1] += torch.linspace(0, hp - 1, steps=hp, device=self.device, dtype=torch.float32).unsqueeze(1)
        img_ids[:, :, 2] += torch.linspace(0, wp - 1, steps=wp, device=self.device, dtype=torch.float32).unsqueeze(0)
        txt = context.to(self.device, self.dtype)
        txt_ids = torch.zeros(txt.shape[1], 3, device=self.device, dtype=self.dtype)
        if y is None:  # ComfyUI: zeros when the conditioning has no pooled output
            y = torch.zeros(b, self.config.vec_in_dim)
        g = None
        if self.config.guidance_embed:
            if guidance is None:
                raise ModelError("this Flux model embeds guidance (dev), but the conditioning carries none")
            g = guidance.to(self.device, self.dtype).reshape(-1).expand(b)
        out = self.model(hidden_states=img, encoder_hidden_states=txt,
                         pooled_projections=y[:, : self.config.vec_in_dim].to(self.device, self.dtype),
                         timestep=timestep.to(self.device, self.dtype).reshape(-1).expand(b),
                         img_ids=img_ids.reshape(-1, 3), txt_ids=txt_ids, guidance=g, return_dict=False)[0]
        out = out.reshape(b, hp, wp, c, PATCH, PATCH).permute(0, 3, 1, 4, 2, 5).reshape(b, c, hp * PATCH, wp * PATCH)
        return out[:, :, :h, :w].to(x.device, torch.float32)


def build_flux_dit(state_dict: Mapping[str, Tensor], *, device: torch.device | str = "cpu",
                   dtype: torch.dtype = torch.float32, weight_dtype: str = "default",
                   source: str = "Flux model") -> FluxDiT:
    """FluxTransformer2DModel from a BFL-layout state dict; `weight_dtype` fp8 names round every weight through that
    fp8 format (ComfyUI's storage) before the compute dtype."""
    from diffusers import FluxTransformer2DModel

    sd = strip_prefix(state_dict)
    cfg = config_from_state_dict(sd, source)
    weights = bfl_to_diffusers(sd, cfg)
    with torch.device("meta"):
        model = FluxTransformer2DModel(**cfg.diffusers_kwargs())
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    if missing:
        raise ModelError(f"{source}: Flux DiT weights do not match the layout read from its shapes (missing {missing[:4]})")
    store = FP8_WEIGHT_DTYPES.get(weight_dtype)
    device = torch.device(device)

    def prep(t: Tensor) -> Tensor:
        if store is not None:
            t = t.to(store)
        return t.to(device=device, dtype=dtype, copy=True)

    model.load_state_dict({k: prep(weights[k]) for k in expected}, strict=True, assign=True)
    model.graphrun_storage_dtype = store  # fp8 storage (None: the compute dtype); LoRA loaders read it
    return FluxDiT(model.eval().requires_grad_(False), cfg, device=device, dtype=dtype)
