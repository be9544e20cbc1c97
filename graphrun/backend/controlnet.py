"""ControlNet files (ControlNetLoader / DiffControlNetLoader) for the LDM UNet families (SD1.x, SD2.x, SDXL), built
as diffusers' ControlNetModel from the state dict shapes, and called the way ComfyUI v0.3.64 calls its cldm
ControlNet (comfy/controlnet.py `load_controlnet_state_dict`, `ControlNet.get_control`).

Accepted layouts: ComfyUI / original (LDM) keys, with or without the `control_model.` prefix
(`input_blocks`, `zero_convs`, `input_hint_block`, `middle_block_out`), and diffusers keys
(`controlnet_cond_embedding`, `controlnet_down_blocks`, `controlnet_mid_block`). Other control models
(T2I-Adapter, Control-LoRA, union, Flux / SD3 / HunyuanDiT controlnets) are refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor

from graphrun.backend.detect import UNetConfig
from graphrun.errors import ModelError

HINT_UPSCALE = "nearest-exact"  # ControlBase.upscale_algorithm, crop "center"

# (marker key or key fragment, what the file is): files graphrun does not run as a ControlNet
_FOREIGN = (
    ("lora_controlnet", "a Control-LoRA"),
    ("control_add_embedding.linear_1.bias", "a union ControlNet (ControlNet++ / ProMax)"),
    ("after_proj_list.18.bias", "a HunyuanDiT ControlNet"),
    ("double_blocks.0.img_attn.norm.key_norm.scale", "a Flux ControlNet (XLabs)"),
    ("controlnet_blocks.0.linear.weight", "a Flux ControlNet (MistoLine)"),
    ("controlnet_x_embedder.weight", "a Flux / Qwen-Image ControlNet (InstantX)"),
    ("pos_embed_input.proj.weight", "an SD3 / SD3.5 ControlNet"),
    ("controlnet_blocks.0.weight", "a DiT ControlNet (Flux / SD3)"),
)
_T2I_MARKERS = ("adapter.body.0.resnets.0.block1.weight", "body.0.in_conv.weight", "body.0.block2.weight",
                "backbone.0.0.weight", "backbone.0.weight")


def classify(keys) -> tuple[str, str]:
    """("ldm", prefix) or ("diffusers", "") for a ControlNet we run; ModelError saying what anything else is."""
    keys = set(keys)
    for marker, what in _FOREIGN:
        if marker in keys:
            raise ModelError(f"this file is {what}; graphrun runs SD1.x / SD2.x / SDXL ControlNets only")
    if "controlnet_cond_embedding.conv_in.weight" in keys:
        return "diffusers", ""
    if "control_model.zero_convs.0.0.weight" in keys:
        return "ldm", "control_model."
    if "zero_convs.0.0.weight" in keys:
        return "ldm", ""
    if any(k in keys or ("adapter." + k) in keys for k in _T2I_MARKERS) or any(k.startswith("adapter.") for k in keys):
        raise ModelError("this file is a T2I-Adapter; graphrun does not run T2I-Adapters yet (ControlNets only)")
    raise ModelError("this file holds neither ControlNet nor T2I-Adapter weights")


def _ldm_to_diffusers(sd: Mapping[str, Tensor], prefix: str) -> dict[str, Tensor]:
    """LDM ControlNet keys -> diffusers ControlNetModel keys (diffusers' single-file converter, plus the SDXL
    label embedding as a `projection` class embedding fed ComfyUI's precomputed ADM vector)."""
    from diffusers.loaders.single_file_utils import convert_controlnet_checkpoint

    plain = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    layers = int(max(_indices(plain, r"input_blocks\.(\d+)\.")) + 1)
    per_level = _layers_per_block(plain)
    out = convert_controlnet_checkpoint(dict(plain), {"layers_per_block": per_level})
    for i, j in ((0, 1), (2, 2)):
        for p in ("weight", "bias"):
            key = f"label_emb.0.{i}.{p}"
            if key in plain:
                out[f"class_embedding.linear_{j}.{p}"] = plain[key]
    missing = [k for k, v in out.items() if v is None]
    if missing or layers < 2:
        raise ModelError(f"ControlNet weights are incomplete (missing {missing[:4]})")
    return out


def _indices(keys, pattern: str) -> set[int]:
    pat = re.compile(pattern)
    return {int(m.group(1)) for k in keys if (m := pat.match(k))}


def _layers_per_block(plain) -> int:
    """ResBlocks per level: input blocks before the first downsampler."""
    for i in sorted(_indices(plain, r"input_blocks\.(\d+)\.")):
        if f"input_blocks.{i}.0.op.weight" in plain:
            return i - 1
    raise ModelError("ControlNet has no downsampling input block; not an SD1.x/SD2.x/SDXL layout")


def _diffusers_adm_to_class(sd: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """diffusers SDXL ControlNets keep the ADM MLP as `add_embedding` (text_time); ComfyUI feeds it the whole
    ADM vector `y` (label_emb), so it becomes a projection class embedding here."""
    return {k.replace("add_embedding.", "class_embedding.", 1) if k.startswith("add_embedding.") else k: v
            for k, v in sd.items()}


def family_config(shapes: Mapping[str, tuple[int, ...]]) -> tuple[Any, dict[str, Any]]:
    """(family, ControlNetModel kwargs) from diffusers-layout ControlNet shapes."""
    from graphrun.families import families

    levels = sorted(_indices(shapes, r"down_blocks\.(\d+)\."))
    chans = [int(shapes[f"down_blocks.{i}.resnets.0.conv1.weight"][0]) for i in levels]
    per_level = len(_indices(shapes, r"down_blocks\.0\.resnets\.(\d+)\."))
    depth = [len(_indices(shapes, rf"down_blocks\.{i}\.attentions\.0\.transformer_blocks\.(\d+)\.")) for i in levels]
    mid_depth = len(_indices(shapes, r"mid_block\.attentions\.0\.transformer_blocks\.(\d+)\."))
    attn = next((k for k in shapes if k.endswith("attn2.to_k.weight")), None)
    if attn is None:
        raise ModelError("ControlNet has no cross-attention; not an SD1.x/SD2.x/SDXL ControlNet")
    context = int(shapes[attn][1])
    proj = next(k for k in shapes if k.endswith("proj_in.weight"))
    linear = len(shapes[proj]) == 2
    adm = shapes.get("class_embedding.linear_1.weight")
    in_ch = int(shapes["conv_in.weight"][1])
    cfg = UNetConfig(in_channels=in_ch, out_channels=4, model_channels=chans[0],
                     channel_mult=tuple(c // chans[0] for c in chans), num_res_blocks=(per_level,) * len(chans),
                     transformer_depth=tuple(d for d in depth for _ in range(per_level)), transformer_depth_output=(),
                     transformer_depth_middle=mid_depth, context_dim=context, use_linear_in_transformer=linear,
                     adm_in_channels=int(adm[1]) if adm else None,
                     time_embed_dim=int(shapes["time_embedding.linear_1.weight"][0]))
    fam = next((f for f in families() if f.recognise_keys is None and f.recognise(cfg, shapes)), None)
    if fam is None or in_ch != 4:
        raise ModelError(f"ControlNet for an unsupported UNet layout (context_dim {context}, adm "
                         f"{cfg.adm_in_channels}, {in_ch} input channels)")
    emb = sorted(_indices(shapes, r"controlnet_cond_embedding\.blocks\.(\d+)\."))
    emb_out = [int(shapes["controlnet_cond_embedding.conv_in.weight"][0])] + \
        [int(shapes[f"controlnet_cond_embedding.blocks.{i}.weight"][0]) for i in emb[1::2]]
    kwargs = dict(
        in_channels=in_ch, conditioning_channels=int(shapes["controlnet_cond_embedding.conv_in.weight"][1]),
        flip_sin_to_cos=True, freq_shift=0,
        down_block_types=tuple("CrossAttnDownBlock2D" if d else "DownBlock2D" for d in depth),
        mid_block_type="UNetMidBlock2DCrossAttn", block_out_channels=tuple(chans), layers_per_block=per_level,
        transformer_layers_per_block=tuple(max(d, 1) for d in depth), cross_attention_dim=context,
        attention_head_dim=tuple(fam.heads(c) for c in chans), use_linear_projection=linear,
        norm_num_groups=32, norm_eps=1e-5, act_fn="silu", upcast_attention=False,
        conditioning_embedding_out_channels=tuple(emb_out),
    )
    if adm:
        kwargs.update(class_embed_type="projection", projection_class_embeddings_input_dim=int(adm[1]))
    return fam, kwargs


class ControlNet:
    """A loaded ControlNet (CONTROL_NET value): the network, its family, and ComfyUI's per-file options."""

    def __init__(self, net, family, *, device: torch.device, dtype: torch.dtype, source: str,
                 global_average_pooling: bool = False):
        self.net = net
        self.family = family
        self.device = device
        self.dtype = dtype
        self.source = source
        self.global_average_pooling = global_average_pooling

    def resize_hint(self, hint: Tensor, width: int, height: int) -> Tensor:
        """The hint at the latent size x8: common_upscale nearest-exact, centre crop; on the net's device/dtype."""
        from graphrun.backend.upscale import common_upscale

        return common_upscale(hint, width, height, HINT_UPSCALE, "center").to(device=self.device, dtype=self.dtype)

    @torch.no_grad()
    def residuals(self, x_in: Tensor, t: Tensor, context: Tensor, hint: Tensor, y: Tensor | None = None):
        """(down residuals in input-block order, middle residual), before strength; float on the net's dtype."""
        x = x_in.to(device=self.device, dtype=self.dtype)
        ts = t.to(device=self.device, dtype=self.dtype).reshape(-1)
        if ts.numel() == 1 and x.shape[0] != 1:
            ts = ts.expand(x.shape[0])
        labels = None if y is None else y.to(device=self.device, dtype=self.dtype)
        down, mid = self.net(x, ts, encoder_hidden_states=context.to(device=self.device, dtype=self.dtype),
                             controlnet_cond=hint, conditioning_scale=1.0, class_labels=labels, return_dict=False)
        return list(down), mid


def build_controlnet(sd: Mapping[str, Tensor], *, device: torch.device, dtype: torch.dtype, source: str,
                     model=None, global_average_pooling: bool = False) -> ControlNet:
    """State dict (either layout) -> ControlNet; `model` (DiffControlNetLoader) completes 'difference' files."""
    from diffusers import ControlNetModel

    kind, prefix = classify(sd)
    if kind == "ldm":
        weights = _ldm_to_diffusers(sd, prefix)
    else:
        weights = _diffusers_adm_to_class(sd)
    fam, kwargs = family_config({k: tuple(v.shape) for k, v in weights.items()})
    if "difference" in sd and kind == "ldm" and prefix:
        weights = _add_model_weights(weights, model, source)
    with torch.device("meta"):
        net = ControlNetModel(**kwargs)
    expected = set(net.state_dict())
    missing, unexpected = expected - set(weights), set(weights) - expected
    if missing or unexpected:
        raise ModelError(f"{source}: ControlNet weights do not fit the detected {fam.label} layout (missing "
                         f"{sorted(missing)[:4]}, unexpected {sorted(unexpected)[:4]})")
    net.load_state_dict({k: v.to(device=device, dtype=dtype) for k, v in weights.items()}, strict=True, assign=True)
    from graphrun.backend.lean import install_lean_forwards

    install_lean_forwards(net)  # same numbers, fewer temporaries
    return ControlNet(net.eval().requires_grad_(False), fam, device=device, dtype=dtype, source=source,
                      global_average_pooling=global_average_pooling)


def _add_model_weights(weights: dict[str, Tensor], model, source: str) -> dict[str, Tensor]:
    """A diff ControlNet stores control - unet for the weights it shares with the UNet: add the MODEL's UNet
    weights back (ComfyUI adds them in the file's dtype). Without a model ComfyUI loads the file as is."""
    if model is None:
        return weights
    if getattr(model, "patches", ()):  # ComfyUI adds the patched weights; graphrun does not patch here yet
        raise ModelError(f"{source}: a diff ControlNet on a MODEL with weight patches (LoRA) is not supported yet")
    unet = getattr(model.network, "unet", None)
    if unet is None:
        raise ModelError(f"{source}: a diff ControlNet needs an SD-family UNet MODEL")
    base = unet.state_dict()
    out = {}
    for k, v in weights.items():
        if k.startswith("controlnet_") or k not in base:
            out[k] = v
        else:
            out[k] = v + base[k].to(dtype=v.dtype, device=v.device)
    return out


def load_controlnet(path: str | Path, *, device: torch.device, dtype: torch.dtype, model=None) -> ControlNet:
    """ControlNetLoader / DiffControlNetLoader: a file from models/controlnet."""
    from graphrun.backend.checkpoints import read_state_dict

    path = Path(path)
    stem = path.with_suffix("").name
    gap = stem.endswith("_shuffle") or stem.endswith("_shuffle_fp16")  # ComfyUI's file-name rule
    sd = read_state_dict(path)
    try:
        return build_controlnet(sd, device=device, dtype=dtype, source=str(path), model=model,
                                global_average_pooling=gap)
    except ModelError as exc:
        raise ModelError(f"{path}: {exc.message}" if str(path) not in exc.message else exc.message) from exc
    except (RuntimeError, KeyError, ValueError, IndexError) as exc:
        raise ModelError(f"{path}: ControlNet weights are malformed: {exc}") from exc
