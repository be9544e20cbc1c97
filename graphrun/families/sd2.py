"""SD2.x: linear projections, 64-wide heads, OpenCLIP-H (penultimate, pad 0), EPS (512) or v-prediction (768-v).

v-prediction is decided as ComfyUI's SD20.model_type does for a 4-channel UNet: the population std of
`output_blocks.11.1.transformer_blocks.0.norm1.bias` above 0.09 means v-prediction.
"""

from __future__ import annotations

from graphrun.families import latent_formats
from graphrun.families.registry import ClipPart, Family, StandIn, register

V_PRED_PROBE = "output_blocks.11.1.transformer_blocks.0.norm1.bias"
V_PRED_STD = 0.09


def _recognise(cfg, shapes) -> bool:
    return cfg.adm_in_channels is None and cfg.use_linear_in_transformer and cfg.context_dim is not None


def is_v_prediction(state_dict, prefix: str, in_channels: int = 4) -> bool:
    """ComfyUI SD20.model_type: v-pred when the probe tensor's std (unbiased=False) exceeds 0.09."""
    import torch

    probe = state_dict.get(prefix + V_PRED_PROBE)
    return in_channels == 4 and probe is not None and float(torch.std(probe.float(), unbiased=False)) > V_PRED_STD


def _sampling(state_dict, prefix):
    from graphrun.sampling.model_sampling import EPS, V_PREDICTION, ModelSamplingDiscrete

    return ModelSamplingDiscrete(V_PREDICTION() if is_v_prediction(state_dict, prefix) else EPS())


def _stand_in(kind):
    def make(size):
        from graphrun.backend import stub_families

        return stub_families.make_checkpoint(kind, size)
    return make


SD2 = register(Family(
    name="sd2", label="SD2.x", latent_format=latent_formats.SD15, recognise=_recognise, num_head_channels=64,
    clip_parts=(ClipPart("clip_h", ("cond_stage_model.model.", "conditioner.embedders.0.model."),
                         layer="penultimate", pad_token=0, hidden_act="gelu"),),
    model_sampling=_sampling, priority=60, file_hints=("v2-", "sd2", "768-v", "512-base", "sd21", "sd20"),
    stand_ins=(StandIn("sd2", "SD2.x (512, EPS)", _stand_in("sd2"),
                       ("v2-", "sd2", "sd21", "sd20", "512-base", "v2-1_512", "v2-0_512", "sd2.1", "sd_2")),
               StandIn("sd2_v", "SD2.x 768-v (v-prediction)", _stand_in("sd2_v"),
                       ("768-v", "v2-1_768", "v2-0_768", "sd2_768", "sd21_768", "sd2.1_768"))),
))
