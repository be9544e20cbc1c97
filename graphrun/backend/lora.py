"""LoRA files -> weight patches on graphrun's networks (ComfyUI v0.3.64 comfy/lora.py and comfy/sd.py semantics).

Key names a LoRA may use, the same set ComfyUI accepts for these families (so a file loads the same weights):
* UNet (SD1.x/SD2.x/SDXL), by LDM name `input_blocks.1.1.proj_in`: `lora_unet_input_blocks_1_1_proj_in` (kohya on
  LDM names) and `diffusion_model.input_blocks.1.1.proj_in` (ComfyUI's own); by diffusers name
  `down_blocks.0.attentions.0.proj_in`: `lora_unet_down_blocks_0_attentions_0_proj_in` (kohya/sd-scripts),
  `lycoris_...`, and `[unet.]down_blocks...` where attention projections are spelled `.processor.to_q` and
  `.processor.to_out` (old diffusers; ComfyUI does NOT map PEFT's `unet....attn1.to_q`, so neither do we).
* Text encoders: `lora_te_` / `lora_te1_` / `lora_te2_text_model_encoder_layers_N_self_attn_q_proj` (kohya),
  `text_encoder[_2].text_model.encoder.layers.N.self_attn.q_proj` (diffusers/PEFT), `text_encoders.clip_l.
  transformer.text_model....` (ComfyUI's own).
* Flux: `transformer.<diffusers name>` (diffusers/PEFT), `lora_transformer_...`, `lycoris_...`, and BFL names
  (`diffusion_model.double_blocks.0.img_attn.qkv`, `lora_unet_double_blocks_0_img_attn_qkv`), fused BFL weights
  mapped onto our split diffusers weights by rows.
Per name, the tensor suffixes ComfyUI reads: `.lora_up.weight`/`.lora_down.weight`[/`.lora_mid.weight`],
`_lora.up.weight`, `.lora_B.weight`/`.lora_A.weight`, `.lora.up.weight`, `.lora_linear_layer.up.weight`, with an
optional `.alpha` and `.dora_scale`; `.diff` / `.diff_b` full weight / bias differences. LoHa/LoKr/OFT files are refused.

ComfyUI only logs "lora key not loaded" for names it does not know; graphrun refuses a LoRA when NOTHING matches
(usually a LoRA for another family) and warns listing the unmatched names otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import torch
from torch import Tensor

from graphrun.backend.weight_patch import LoraWeights
from graphrun.errors import ModelError

# (up, down, mid) suffix pairs, in ComfyUI's order of preference
_FORMATS = ((".lora_up.weight", ".lora_down.weight", ".lora_mid.weight"),
            ("_lora.up.weight", "_lora.down.weight", None),
            (".lora_B.weight", ".lora_A.weight", None),
            (".lora.up.weight", ".lora.down.weight", None),
            (".lora_B", ".lora_A", None),
            (".lora_linear_layer.up.weight", ".lora_linear_layer.down.weight", None),
            (".lora_B.default.weight", ".lora_A.default.weight", None))
_CLIP_LAYER_PARTS = {"mlp.fc1": "mlp_fc1", "mlp.fc2": "mlp_fc2", "self_attn.k_proj": "self_attn_k_proj",
                     "self_attn.q_proj": "self_attn_q_proj", "self_attn.v_proj": "self_attn_v_proj",
                     "self_attn.out_proj": "self_attn_out_proj"}
_UNSUPPORTED = {"hada_w1_a": "LoHa", "lokr_w1": "LoKr", "oft_blocks": "OFT", "oft_diag": "OFT", "a1.weight": "GLoRA"}


def read_lora(path: Path) -> dict[str, Tensor]:
    """A LoRA's tensors; only .safetensors (pickled torch files can run code when loaded)."""
    from graphrun.backend.checkpoints import SAFETENSORS_EXT, read_state_dict

    if Path(path).suffix.lower() not in SAFETENSORS_EXT:
        raise ModelError(f"{path}: graphrun loads LoRAs from .safetensors files only (a {Path(path).suffix} file is "
                         "a pickle that can run code when loaded); convert it to .safetensors")
    return read_state_dict(path)


# ---------------------------------------------------------------- key maps: LoRA name -> target
def unet_key_map(network) -> dict[str, str]:
    """LoRA base name -> our network's state-dict key (SD UNets and Flux)."""
    from graphrun.backend.weight_patch import _module

    module = _module(network)
    keys = list(module.state_dict())
    out: dict[str, str] = {}
    ldm_names: dict[str, str] = getattr(module, "graphrun_ldm_names", {}) or {}
    for ours, ldm in ldm_names.items():
        if ldm.endswith(".weight"):
            base = ldm[: -len(".weight")]
            out["lora_unet_" + base.replace(".", "_")] = ours
            out["diffusion_model." + base] = ours
        else:
            out["diffusion_model." + ldm] = ours
    if hasattr(network, "unet"):
        for k in keys:
            if not k.endswith(".weight"):
                continue
            names = [k[: -len(".weight")]]
            if names[0].startswith("class_embedding."):  # ComfyUI's table lists SDXL's label_emb under both names
                names.append("add_embedding." + names[0][len("class_embedding."):])
            for base in names:
                out["lora_unet_" + base.replace(".", "_")] = k
                out["lycoris_" + base.replace(".", "_")] = k
                d = base.replace(".to_", ".processor.to_")
                if d.endswith(".to_out.0"):
                    d = d[:-2]
                out[d] = k
                out["unet." + d] = k
    else:  # Flux (FluxTransformer2DModel): diffusers names are ours
        for k in keys:
            if k.endswith(".weight"):
                base = k[: -len(".weight")]
                out["transformer." + base] = k
                out["lycoris_" + base.replace(".", "_")] = k
                out["lora_transformer_" + base.replace(".", "_")] = k
    return out


def flux_bfl_key_map(network) -> dict[str, tuple[str, Tensor]]:
    """Flux BFL LoRA names -> (our key, up rows): fused/permuted BFL weights onto our diffusers weights."""
    from graphrun.backend.flux.convert import bfl_to_diffusers

    cfg = network.config
    shapes = _bfl_shapes(cfg)
    base = 1 << 20
    fake = {}
    for i, (k, shape) in enumerate(shapes.items()):  # each row holds (key index, row index)
        fake[k] = (torch.arange(shape[0], dtype=torch.float64) + i * base).reshape(shape[0], *[1] * (len(shape) - 1))
    names = list(shapes)
    out: dict[str, list] = {}
    for ours, t in bfl_to_diffusers(fake, cfg).items():
        if not ours.endswith(".weight"):
            continue
        v = t.reshape(-1).long()
        src = names[int(v[0]) // base]
        if not src.endswith(".weight"):
            continue
        rows = v % base
        bfl = src[: -len(".weight")]
        out.setdefault(bfl, []).append((ours, rows))
    result = {}
    for bfl, targets in out.items():
        for name in ("diffusion_model." + bfl, "lora_unet_" + bfl.replace(".", "_")):
            result[name] = targets
    return result


def _bfl_shapes(cfg) -> dict[str, tuple[int, ...]]:
    h, m = cfg.hidden_size, cfg.mlp_hidden
    shapes: dict[str, tuple[int, ...]] = {}

    def lin(name: str, rows: int) -> None:
        shapes[name + ".weight"] = (rows, 1)
        shapes[name + ".bias"] = (rows,)

    for name in ("time_in.in_layer", "time_in.out_layer", "vector_in.in_layer", "vector_in.out_layer",
                 "txt_in", "img_in", "final_layer.linear"):
        lin(name, h)
    if cfg.guidance_embed:
        lin("guidance_in.in_layer", h)
        lin("guidance_in.out_layer", h)
    lin("final_layer.adaLN_modulation.1", 2 * h)
    for i in range(cfg.depth):
        s = f"double_blocks.{i}."
        for side in ("img", "txt"):
            lin(s + side + "_mod.lin", 6 * h)
            lin(s + side + "_attn.qkv", 3 * h)
            lin(s + side + "_attn.proj", h)
            lin(s + side + "_mlp.0", m)
            lin(s + side + "_mlp.2", h)
            for n in ("query_norm", "key_norm"):
                shapes[f"{s}{side}_attn.norm.{n}.scale"] = (cfg.head_dim,)
    for i in range(cfg.depth_single_blocks):
        s = f"single_blocks.{i}."
        lin(s + "modulation.lin", 3 * h)
        lin(s + "linear1", 3 * h + m)
        lin(s + "linear2", h)
        for n in ("query_norm", "key_norm"):
            shapes[f"{s}norm.{n}.scale"] = (cfg.head_dim,)
    return shapes


def clip_part_names(clip, family) -> dict[str, object]:
    """ComfyUI part name ("clip_l", "clip_g", "clip_h") -> our ClipModel, for the CLIP objects we build."""
    from graphrun.backend.clip.multi import DualClip

    if isinstance(clip, DualClip):
        return {"clip_l": clip.l, "clip_g": clip.g}
    if hasattr(clip, "clip_l") and hasattr(clip, "t5"):  # Flux: CLIP-L (+ T5, which LoRAs here do not patch)
        return {"clip_l": clip.clip_l}
    parts = getattr(family, "clip_parts", ()) if family is not None else ()
    name = parts[0].name if len(parts) == 1 else "clip_l"
    return {name: clip}


def clip_key_map(parts: Mapping[str, object]) -> dict[str, tuple[str, str]]:
    """LoRA base name -> (part name, key of our CLIP transformer's weights)."""
    out: dict[str, tuple[str, str]] = {}
    for part, model in parts.items():
        for k in _base_weights(model.transformer):
            if k.endswith(".weight"):
                comfy = f"{part}.transformer.text_projection" if k == "text_projection.weight" else \
                    f"{part}.transformer.text_model.{k[:-len('.weight')]}"
                out["text_encoders." + comfy] = (part, k)
    layers = max((p.transformer.config.num_hidden_layers for p in parts.values()), default=0)
    for b in range(min(layers, 32)):
        for c, kohya in _CLIP_LAYER_PARTS.items():
            key = f"encoder.layers.{b}.{c}.weight"
            for part in ("clip_h", "clip_l"):
                if part in parts and b < parts[part].transformer.config.num_hidden_layers:
                    out[f"lora_te_text_model_encoder_layers_{b}_{kohya}"] = (part, key)
                    out[f"lora_te1_text_model_encoder_layers_{b}_{kohya}"] = (part, key)
                    out[f"text_encoder.text_model.encoder.layers.{b}.{c}"] = (part, key)
            if "clip_g" in parts and b < parts["clip_g"].transformer.config.num_hidden_layers:
                if "clip_l" in parts:
                    out[f"lora_te2_text_model_encoder_layers_{b}_{kohya}"] = ("clip_g", key)
                    out[f"text_encoder_2.text_model.encoder.layers.{b}.{c}"] = ("clip_g", key)
                else:
                    out[f"lora_te_text_model_encoder_layers_{b}_{kohya}"] = ("clip_g", key)
                    out[f"text_encoder.text_model.encoder.layers.{b}.{c}"] = ("clip_g", key)
                    out[f"lora_prior_te_text_model_encoder_layers_{b}_{kohya}"] = ("clip_g", key)
    return out


def _base_weights(transformer) -> dict[str, Tensor]:
    return getattr(transformer, "base", transformer).weights


# ---------------------------------------------------------------- matching
def load_patches(sd: Mapping[str, Tensor], key_map: Mapping[str, object]) -> tuple[dict[object, object], set[str]]:
    """{(target, by_rows): patch data} for every LoRA name of `key_map` present in `sd` (in key-map order), and the
    tensor names used."""
    patches: dict[object, object] = {}
    used: set[str] = set()
    for name, target in key_map.items():
        alpha = sd.get(name + ".alpha")
        dora = sd.get(name + ".dora_scale")
        for up_s, down_s, mid_s in _FORMATS:
            if name + up_s in sd:
                mid = sd.get(name + mid_s) if mid_s else None
                extra = [name + s for s, t in ((".alpha", alpha), (".dora_scale", dora)) if t is not None]
                used.update([name + up_s, name + down_s] + extra + ([name + mid_s] if mid is not None else []))
                lw = LoraWeights(sd[name + up_s], sd[name + down_s], None if alpha is None else float(alpha.item()),
                                 mid, dora)
                _add(patches, target, lw)
                break
        if name + ".diff" in sd:
            used.add(name + ".diff")
            _add(patches, target, ("diff", (sd[name + ".diff"],)))
        if name + ".diff_b" in sd:  # a bias difference, for the layer's bias
            used.add(name + ".diff_b")
            _add(patches, _bias_of(target), ("diff", (sd[name + ".diff_b"],)))
    return patches, used


def _bias_of(target):
    def bias(key: str) -> str:
        return key[: -len(".weight")] + ".bias" if key.endswith(".weight") else key

    if isinstance(target, list):
        return [(bias(k), rows) for k, rows in target]
    if isinstance(target, tuple):
        return (target[0], bias(target[1]))
    return bias(target)


def _add(patches: dict, target, data) -> None:
    """Keyed by (our key, whether by rows): a later name for the very same target replaces an earlier one (as in
    ComfyUI's patch dict), while a whole-weight and a fused-rows patch of one weight both apply."""
    if isinstance(target, list):  # Flux BFL: one fused weight onto several of ours
        for ours, rows in target:
            if isinstance(data, LoraWeights):
                if data.dora_scale is not None:
                    raise ModelError("DoRA on a fused Flux weight (BFL layout) is not supported by graphrun")
                data_r = LoraWeights(data.up, data.down, data.alpha, data.mid, None, rows)
            else:
                data_r = ("diff", (data[1][0][rows],))
            patches[(ours, True)] = data_r
        return
    patches[(target, False)] = data


def unsupported_kind(sd: Mapping[str, Tensor]) -> str | None:
    for k in sd:
        for marker, kind in _UNSUPPORTED.items():
            if k.endswith(marker) or f".{marker}" in k:
                return kind
    return None


def describe_lora(sd: Mapping[str, Tensor]) -> str:
    """What family a LoRA's names and shapes suggest (for the wrong-family error)."""
    keys = list(sd)
    text = " ".join(keys[:4000])
    if re.search(r"double_blocks|single_blocks|single_transformer_blocks|transformer\.transformer_blocks", text):
        return "a Flux LoRA"
    ctx = None
    for k, v in sd.items():
        if re.search(r"attn2[._](processor[._])?to_k", k) and v.dim() == 2 and ("down" in k or "lora_A" in k):
            ctx = int(v.shape[1])
            break
    if "lora_te2_" in text or "text_encoder_2." in text or ctx == 2048:
        return "an SDXL LoRA" + (f" (cross-attention width {ctx})" if ctx else "")
    if ctx == 1024:
        return "an SD2.x LoRA (cross-attention width 1024)"
    if ctx == 768:
        return "an SD1.x LoRA (cross-attention width 768)"
    if re.search(r"lora_unet_|lora_te_|\bunet\.|diffusion_model\.", text):
        return "an SD-family LoRA" + (f" (cross-attention width {ctx})" if ctx else "")
    return f"not a LoRA graphrun recognises (first names: {', '.join(keys[:3])})"
