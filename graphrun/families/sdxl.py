"""SDXL base (CLIP-L + OpenCLIP-G, ADM = pooled_g + 6 size embeddings) and refiner (OpenCLIP-G, 5 embeddings
incl. aesthetic score); linear projections, 64-wide heads, SDXL latents (0.13025), EPS (v-pred when the file
says `v_pred`, zsnr with `ztsnr`, as ComfyUI's SDXL.model_type)."""

from __future__ import annotations

from graphrun.families import conds, latent_formats
from graphrun.families.registry import ClipPart, Family, StandIn, register

CLIP_L = ClipPart("clip_l", ("conditioner.embedders.0.transformer.",), layer="hidden", layer_idx=-2,
                  layer_norm_hidden=False)
CLIP_G_BASE = ClipPart("clip_g", ("conditioner.embedders.1.model.",), layer="penultimate", layer_norm_hidden=False,
                       pad_token=0, projected_pooled=True, hidden_act="gelu")
CLIP_G_REFINER = ClipPart("clip_g", ("conditioner.embedders.0.model.",), layer="penultimate",
                          layer_norm_hidden=False, pad_token=0, projected_pooled=True, hidden_act="gelu")
SIZE_EMBEDS_BASE, SIZE_EMBEDS_REFINER = 6, 5


def _is_refiner(cfg) -> bool:
    adm, ctx = cfg.adm_in_channels, cfg.context_dim
    return adm is not None and ctx is not None and adm - SIZE_EMBEDS_REFINER * conds.ADM_EMBED_DIM == ctx


def _is_base(cfg) -> bool:
    adm, ctx = cfg.adm_in_channels, cfg.context_dim
    if adm is None or ctx is None or _is_refiner(cfg):
        return False
    pooled = adm - SIZE_EMBEDS_BASE * conds.ADM_EMBED_DIM
    return cfg.use_linear_in_transformer and 0 < pooled < ctx  # context = clip_l ‖ clip_g, pooled = clip_g width


def _sampling(state_dict, prefix):
    from graphrun.sampling.model_sampling import EPS, V_PREDICTION, ModelSamplingDiscrete

    if "v_pred" in state_dict:
        return ModelSamplingDiscrete(V_PREDICTION(), zsnr="ztsnr" in state_dict)
    return ModelSamplingDiscrete(EPS())


def _base_conds(entry, prompt_type, model=None):
    return {"y": conds.sdxl_adm(entry, prompt_type)}


def _refiner_conds(entry, prompt_type, model=None):
    return {"y": conds.sdxl_refiner_adm(entry, prompt_type)}


def _stand_in(kind):
    def make(size):
        from graphrun.backend import stub_families

        return stub_families.make_checkpoint(kind, size)
    return make


SDXL = register(Family(
    name="sdxl", label="SDXL", latent_format=latent_formats.SDXL, recognise=lambda cfg, shapes: _is_base(cfg),
    num_head_channels=64, clip_parts=(CLIP_L, CLIP_G_BASE), model_sampling=_sampling, model_conds=_base_conds,
    priority=20, file_hints=("sd_xl", "sdxl", "xl_base", "xl-base"),
    stand_ins=(StandIn("sdxl", "SDXL", _stand_in("sdxl"), ("sd_xl", "sdxl", "xl_base", "xl-base", "sd_xl_base",
                                                         "sdxl_base", "sd_xl_turbo", "sdxl_turbo", "sdxl-turbo")),),
))

SDXL_REFINER = register(Family(
    name="sdxl_refiner", label="SDXL refiner", latent_format=latent_formats.SDXL,
    recognise=lambda cfg, shapes: _is_refiner(cfg), num_head_channels=64, clip_parts=(CLIP_G_REFINER,),
    model_sampling=_sampling, model_conds=_refiner_conds, priority=10, file_hints=("refiner",),
    stand_ins=(StandIn("sdxl_refiner", "SDXL refiner", _stand_in("sdxl_refiner"),
                       ("refiner", "sd_xl_refiner", "sdxl_refiner", "xl_refiner")),),
))
