"""Text-encoder state dicts to the HF CLIPTextModel layout graphrun's transformer reads.

OpenCLIP (SD2's `cond_stage_model.model.`, SDXL's `conditioner.embedders.N.model.`) is converted the way
ComfyUI's `clip_text_transformers_convert` does: renamed embeddings / ln_final / resblock parts, the fused
`attn.in_proj_*` split in q, k, v thirds, and `text_projection` (a [hidden, proj] matrix applied as x @ P) stored
transposed as a Linear weight.
"""

from __future__ import annotations

import re
from typing import Mapping

from torch import Tensor

_RESBLOCK = {"ln_1": "layer_norm1", "ln_2": "layer_norm2", "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2",
             "attn.out_proj": "self_attn.out_proj"}
_TOP = {"positional_embedding": "embeddings.position_embedding.weight",
        "token_embedding.weight": "embeddings.token_embedding.weight",
        "ln_final.weight": "final_layer_norm.weight", "ln_final.bias": "final_layer_norm.bias"}
_BLOCK = re.compile(r"transformer\.resblocks\.(\d+)\.(.+)[._](weight|bias)$")


def is_openclip(sd: Mapping[str, Tensor]) -> bool:
    return any(k.startswith("transformer.resblocks.") for k in sd)


def openclip_to_hf(sd: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """OpenCLIP text-tower keys (prefix already removed) -> HF keys under `text_model.` (+ text_projection.weight)."""
    out: dict[str, Tensor] = {}
    for key, value in sd.items():
        if key in _TOP:
            out["text_model." + _TOP[key]] = value
        elif key == "text_projection":
            out["text_projection.weight"] = value.transpose(0, 1).contiguous()
        elif key == "text_projection.weight":
            out["text_projection.weight"] = value
        elif m := _BLOCK.match(key):
            i, part, kind = m.groups()
            base = f"text_model.encoder.layers.{i}."
            if part == "attn.in_proj":
                third = value.shape[0] // 3
                for j, name in enumerate(("q_proj", "k_proj", "v_proj")):
                    out[f"{base}self_attn.{name}.{kind}"] = value[third * j: third * (j + 1)]
            elif part in _RESBLOCK:
                out[f"{base}{_RESBLOCK[part]}.{kind}"] = value
        # attn_mask, logit_scale and other buffers are not weights of the text model
    return out


def part_state_dict(sd: Mapping[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """The keys under `prefix` (prefix removed), in HF layout whatever the file used."""
    sub = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    if is_openclip(sub):
        return openclip_to_hf(sub)
    out = {}
    for k, v in sub.items():
        if k.endswith("position_ids"):
            continue
        if k.startswith("transformer."):
            k = k[len("transformer."):]
        out[k if k.startswith(("text_model.", "text_projection")) else "text_model." + k] = v
    return out
