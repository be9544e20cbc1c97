"""Flux.1 dev (guidance-distilled: guidance embedding, ModelSamplingFlux shift 1.15) and schnell (no guidance
embedding, discrete flow with shift 1 and timestep = sigma): a DiT (not an LDM UNet) recognised from its BFL keys,
CLIP-L + T5-XXL text encoders, 16-channel latents (scale 0.3611, shift 0.1159), CONST (rectified-flow) prediction.
Extra model inputs as ComfyUI's model_base.Flux: y = the pooled CLIP-L vector, guidance = the entry's guidance or
3.5 when it has none (schnell's DiT ignores it)."""

from __future__ import annotations

import torch

from graphrun.families import latent_formats
from graphrun.families.registry import Family, StandIn, register

DEFAULT_GUIDANCE = 3.5  # model_base.Flux.extra_conds: kwargs.get("guidance", 3.5)


def _flux_keys(shapes) -> dict:
    from graphrun.backend.flux.convert import is_flux_bfl, strip_prefix

    sd = strip_prefix(shapes)
    return sd if is_flux_bfl(sd) else {}


def _is_dev(shapes) -> bool:
    sd = _flux_keys(shapes)
    return bool(sd) and "guidance_in.in_layer.weight" in sd


def _is_schnell(shapes) -> bool:
    sd = _flux_keys(shapes)
    return bool(sd) and "guidance_in.in_layer.weight" not in sd


def _dev_sampling(state_dict, prefix=""):
    from graphrun.sampling.model_sampling import ModelSamplingFlux

    return ModelSamplingFlux(shift=1.15)


def _schnell_sampling(state_dict, prefix=""):
    from graphrun.sampling.model_sampling import ModelSamplingDiscreteFlow

    return ModelSamplingDiscreteFlow(shift=1.0, multiplier=1.0)


def _conds(entry, prompt_type, model=None) -> dict[str, torch.Tensor]:
    if entry.pooled_output is None:
        raise ValueError("Flux needs the pooled CLIP-L output in its conditioning, but this conditioning has none "
                         "(was it made by a Flux text encoder: DualCLIPLoader type flux?)")
    g = DEFAULT_GUIDANCE if entry.guidance is None else float(entry.guidance)
    return {"y": entry.pooled_output, "guidance": torch.tensor([g], dtype=torch.float32)}


def _load(*args, **kwargs):
    from graphrun.backend.flux.load import flux_checkpoint_from_state_dict

    return flux_checkpoint_from_state_dict(*args, **kwargs)


def _stand_in(variant):
    def make(size):
        from graphrun.backend.flux.stub import check_fits, make_flux_checkpoint

        check_fits([variant, "clip_l", "t5xxl", "ae"], size)
        return make_flux_checkpoint(variant, size)
    return make


FLUX = register(Family(
    name="flux", label="Flux.1 dev", latent_format=latent_formats.FLUX, recognise=lambda cfg, shapes: False,
    model_sampling=_dev_sampling, model_conds=_conds, priority=5, recognise_keys=_is_dev, load_checkpoint=_load,
    file_hints=("flux1-dev", "flux-dev", "flux_dev", "flux"),
    stand_ins=(StandIn("flux", "Flux.1 dev", _stand_in("dev"), ("flux", "flux1-dev", "flux-dev", "flux_dev")),),
))

FLUX_SCHNELL = register(Family(
    name="flux_schnell", label="Flux.1 schnell", latent_format=latent_formats.FLUX,
    recognise=lambda cfg, shapes: False, model_sampling=_schnell_sampling, model_conds=_conds, priority=4,
    recognise_keys=_is_schnell, load_checkpoint=_load, file_hints=("schnell",),
    stand_ins=(StandIn("flux_schnell", "Flux.1 schnell", _stand_in("schnell"),
                       ("schnell", "flux1-schnell", "flux-schnell", "flux_schnell")),),
))
