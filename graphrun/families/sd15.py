"""SD1.x: LDM UNet with conv projections, 8 heads, CLIP-L (last layer), EPS, SD15 latents."""

from __future__ import annotations

from graphrun.families import latent_formats
from graphrun.families.registry import ClipPart, Family, StandIn, register


def _recognise(cfg, shapes) -> bool:
    return cfg.adm_in_channels is None and not cfg.use_linear_in_transformer and cfg.context_dim is not None


def _sampling(state_dict, prefix):
    from graphrun.sampling.model_sampling import ModelSamplingDiscrete

    return ModelSamplingDiscrete()


def _stand_in(size):
    from graphrun.backend.stub import make_stub_checkpoint

    return make_stub_checkpoint(size)  # the stand-in every SD1.5 golden was recorded with: keep it bit-identical


SD15 = register(Family(
    name="sd15", label="SD1.5", latent_format=latent_formats.SD15, recognise=_recognise, num_heads=8,
    clip_parts=(ClipPart("clip_l", ("cond_stage_model.transformer.",)),),
    model_sampling=_sampling, priority=50, file_hints=("v1-5", "sd15", "sd-v1", "1.5"),
    stand_ins=(StandIn("sd15", "SD1.5", _stand_in, ("v1-5", "v1-4", "sd15", "sd-v1", "sd1.5", "sd_1.5", "1.5")),),
))
