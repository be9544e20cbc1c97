"""Helpers to read the ComfyUI parity data (../shared/parity)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch
from safetensors.torch import load_file


@lru_cache(maxsize=None)
def load_sigmas_json(path: str) -> dict:
    return json.loads(Path(path).read_text())  # Python's json accepts the literal NaN


@lru_cache(maxsize=None)
def load_case(parity_dir: str, name: str) -> tuple[dict, dict]:
    base = Path(parity_dir) / "cases"
    meta = json.loads((base / f"{name}.json").read_text())
    st = base / f"{name}.safetensors"
    tensors = load_file(str(st)) if st.exists() else {}
    return meta, tensors


def case_names(parity_dir: Path, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        p.name[: -len(".json")]
        for p in (parity_dir / "cases").glob("*.json")
        if p.name.startswith(prefixes) and not p.name.endswith(".api.json")
    )


def rel_l2(got: torch.Tensor, ref: torch.Tensor) -> float:
    ref = ref.double()
    denom = ref.norm().item()
    diff = (got.double() - ref).norm().item()
    return diff / denom if denom else diff


def ksampler_kwargs(settings: dict) -> dict:
    """common_ksampler keyword arguments for a case's KSampler / KSamplerAdvanced settings."""
    if settings["node"] == "KSamplerAdvanced":
        return dict(
            seed=settings["noise_seed"], steps=settings["steps"], cfg=settings["cfg"],
            sampler_name=settings["sampler_name"], scheduler=settings["scheduler"], denoise=1.0,
            disable_noise=settings["add_noise"] == "disable", start_step=settings["start_at_step"],
            last_step=settings["end_at_step"], force_full_denoise=settings["return_with_leftover_noise"] == "disable",
        )
    return dict(
        seed=settings["seed"], steps=settings["steps"], cfg=settings["cfg"], sampler_name=settings["sampler_name"],
        scheduler=settings["scheduler"], denoise=settings["denoise"],
    )


def input_latent(parity_dir: Path, settings: dict) -> torch.Tensor:
    """The LATENT fed to the sampler: VAEEncode of input.png (img2img) or EmptyLatentImage zeros."""
    if settings["latent"] == "img2img":
        return load_case(str(parity_dir), "vae_encode_input")[1]["samples"]
    return torch.zeros([settings["batch_size"], 4, settings["height"] // 8, settings["width"] // 8])


PARITY_PREFIXES = ("a_", "b_", "c_", "d_", "e_", "f_", "n_sampler_", "n_scheduler_")
