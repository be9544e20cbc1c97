"""Loading Flux: the DiT alone (UNETLoader), its text encoders (DualCLIPLoader type flux), or an all-in-one checkpoint
(CheckpointLoaderSimple, e.g. flux1-schnell-fp8.safetensors), into graphrun MODEL / CLIP / VAE values."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch
from torch import Tensor

from graphrun.errors import ModelError

from .convert import is_flux_bfl, split_checkpoint, strip_prefix


def flux_family(sd: Mapping[str, object]):
    """The registered family (dev or schnell) of a BFL-layout DiT state dict / shape dict, or None."""
    from graphrun.families import get_family

    keys = strip_prefix(sd)
    if not is_flux_bfl(keys):
        return None
    return get_family("flux" if "guidance_in.in_layer.weight" in keys else "flux_schnell")


def build_flux_model(sd: Mapping[str, Tensor], *, source: str, device: torch.device, dtype: torch.dtype,
                     weight_dtype: str = "default"):
    """MODEL (graphrun.backend.model.Model) for a Flux DiT state dict."""
    from graphrun.backend.model import Model

    from .dit import build_flux_dit

    family = flux_family(sd)
    if family is None:
        raise ModelError(f"{source} is not a Flux diffusion model (no double_blocks.0.img_attn / img_in tensors)")
    try:
        network = build_flux_dit(sd, device=device, dtype=dtype, weight_dtype=weight_dtype, source=source)
    except ModelError:
        raise
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ModelError(f"{source}: weights do not fit the {family.label} layout: {exc}") from exc
    return Model(network, family, family.model_sampling(sd, ""))


def flux_checkpoint_from_state_dict(sd: Mapping[str, Tensor], *, source: str, policy, path: Path | None = None):
    """CheckpointLoaderSimple on an all-in-one Flux file: DiT + (CLIP-L + T5-XXL) + AE under ComfyUI's prefixes."""
    from graphrun.backend.checkpoints import Checkpoint
    from graphrun.backend.vae import build_vae

    from .text import FluxTextEncoder

    parts = split_checkpoint(sd)
    if "diffusion_model" not in parts:
        raise ModelError(f"{source} is a bare Flux diffusion model (BFL keys without 'model.diffusion_model.'): "
                         "load it with UNETLoader (Load Diffusion Model), not CheckpointLoaderSimple")
    model = build_flux_model(parts["diffusion_model"], source=source, device=policy.device, dtype=policy.unet)
    if "vae" not in parts:
        raise ModelError(f"{source} has no VAE weights ('vae.*'); load Flux's ae.safetensors with VAELoader")
    vae = build_vae(parts["vae"], device=policy.device, dtype=policy.vae, source=source)
    clip = None
    if "clip_l" in parts or "t5xxl" in parts:
        if not ("clip_l" in parts and "t5xxl" in parts):
            have = "CLIP-L" if "clip_l" in parts else "T5-XXL"
            raise ModelError(f"{source} holds only the {have} text encoder; Flux needs CLIP-L and T5-XXL")
        from graphrun.backend.clip.encoder import load_clip
        from graphrun.backend.t5.encoder import load_t5

        clip = FluxTextEncoder(load_clip(parts["clip_l"], device=policy.device), load_t5(parts["t5xxl"], device=policy.device))
    return Checkpoint(model=model, clip=clip, vae=vae, family=model.family.name, path=path)


def describe_state_dict(sd: Mapping[str, object]) -> str:
    """What a model file is, for error messages ("a T5-XXL text encoder", "an SD1.x/SDXL checkpoint", ...)."""
    from .text import KIND_LABELS, text_encoder_kind

    keys = list(sd)
    if flux_family(sd) is not None:
        return "a Flux diffusion model (DiT)"
    kind = text_encoder_kind(sd)
    if kind is not None:
        return KIND_LABELS[kind]
    if any(k.startswith("encoder.conv_in") for k in keys) and any(k.startswith("decoder.") for k in keys):
        return "a VAE"
    if any(k.startswith("model.diffusion_model.input_blocks.") for k in keys):
        return "a Stable Diffusion checkpoint (UNet + VAE + text encoder)"
    if any(k.startswith("input_blocks.") for k in keys):
        return "a Stable Diffusion UNet"
    return "not a model graphrun recognises"


# ---- --stub-models: labelled random-weight stand-ins, chosen from the file names users give Flux files ----
def stub_family_name(file_name: str) -> str | None:
    """'flux_schnell' / 'flux' when the file name says so (ComfyUI users' names: flux1-dev.safetensors,
    flux1-schnell-fp8.safetensors, ae.safetensors for the AE), else None."""
    n = Path(file_name).name.lower()
    if "schnell" in n:
        return "flux_schnell"
    if "flux" in n:
        return "flux"
    return None


def _stub_policy(device):
    from graphrun.backend.devices import dtype_policy

    return dtype_policy(device)


def load_stub_flux_model(family_name: str, size: str = "tiny", *, device="cpu", weight_dtype: str = "default"):
    from .stub import check_fits, make_flux_part

    variant = "schnell" if family_name == "flux_schnell" else "dev"
    check_fits([variant], size)
    pol = _stub_policy(device)
    return build_flux_model(make_flux_part(variant, size), source=f"<stub:flux-{variant}:{size}>", device=pol.device,
                            dtype=pol.unet, weight_dtype=weight_dtype)


def load_stub_flux_text_encoder(size: str = "tiny", *, device="cpu"):
    from graphrun.backend.clip.encoder import load_clip
    from graphrun.backend.t5.encoder import load_t5

    from .stub import check_fits, make_flux_part
    from .text import FluxTextEncoder

    check_fits(["clip_l", "t5xxl"], size)
    pol = _stub_policy(device)
    return FluxTextEncoder(load_clip(make_flux_part("clip_l", size, dtype=torch.float16), device=pol.device),
                           load_t5(make_flux_part("t5xxl", size, dtype=torch.float16), device=pol.device))


def load_stub_flux_vae(size: str = "tiny", *, device="cpu"):
    from graphrun.backend.vae import build_vae

    from .stub import make_flux_part

    pol = _stub_policy(device)
    return build_vae(make_flux_part("ae", size, dtype=torch.float16), device=pol.device, dtype=pol.vae,
                     source=f"<stub:flux-ae:{size}>")


def load_stub_flux_checkpoint(family_name: str, size: str = "tiny", *, device="cpu"):
    from .stub import check_fits, make_flux_checkpoint

    variant = "schnell" if family_name == "flux_schnell" else "dev"
    check_fits([variant, "clip_l", "t5xxl", "ae"], size)
    return flux_checkpoint_from_state_dict(make_flux_checkpoint(variant, size), source=f"<stub:flux-{variant}:{size}>",
                                           policy=_stub_policy(device))
