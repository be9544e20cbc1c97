"""Image upscale models (ESRGAN, Real-ESRGAN compact, SwinIR, …) through the `spandrel` package, as ComfyUI v0.3.64
does (comfy_extras/nodes_upscale_model.py): weights loaded safely, architecture detected by spandrel, images
upscaled in 512-pixel tiles with 32 pixels of overlap (backend/tiling.py) and clamped to 0..1.

Loading is safe only: .safetensors/.sft directly; .pth/.pt/.ckpt/.bin with torch.load(weights_only=True), which
refuses pickles that would run code. spandrel is an optional dependency (`pip install --no-deps spandrel einops`:
its torchvision requirement would replace the CPU torch build); spandrel imports torchvision only for two
architectures graphrun never loads (LaMa, RestoreFormer), so without a working torchvision those names are given
a stand-in that fails if called.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import types
from pathlib import Path

import torch

from graphrun.errors import ModelError

TILE = 512
OVERLAP = 32
SAFETENSORS_SUFFIXES = (".safetensors", ".sft")


def import_spandrel():
    """The spandrel module; a clear ModelError when it is not installed."""
    if "spandrel" in sys.modules:
        return sys.modules["spandrel"]
    try:
        importlib.import_module("torchvision.transforms.functional")
        have_tv = True
    except Exception:  # absent, or a CUDA build that cannot load against the CPU torch
        have_tv = False
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
    added = [] if have_tv else _torchvision_standin()
    try:
        return importlib.import_module("spandrel")
    except ImportError as exc:
        raise ModelError("upscale models need the 'spandrel' package: pip install --no-deps spandrel einops "
                         f"({exc})") from None
    finally:
        for name in added:  # spandrel keeps what it imported; nothing else should see the stand-in
            sys.modules.pop(name, None)


def _torchvision_standin() -> list[str]:
    def missing(*args, **kwargs):
        raise ModelError("this upscale model architecture needs torchvision, which is not installed")

    names = ["torchvision", "torchvision.transforms", "torchvision.transforms.functional"]
    for name in names:
        mod = types.ModuleType(name)
        mod.__getattr__ = lambda attr: missing  # type: ignore[method-assign]
        sys.modules[name] = mod
    return names


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of an upscale model file, never executing pickled code (ComfyUI load_torch_file, safe_load=True)."""
    if path.suffix.lower() in SAFETENSORS_SUFFIXES:
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as exc:
            raise ModelError(f"{path.name}: not a readable safetensors file ({exc})") from None
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path.name}: refused to load: the pickle holds more than plain tensors, and loading it "
                         f"could run code ({first}). Convert it to .safetensors with a tool you trust.") from None
    except Exception as exc:
        raise ModelError(f"{path.name}: cannot read this model file ({type(exc).__name__}: {exc})") from None
    if isinstance(data, dict) and "state_dict" in data:
        data = data["state_dict"]
    elif isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), dict):
        data = next(iter(data.values()))
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ModelError(f"{path.name}: expected a dictionary of tensors (a state dict)")
    return data


def load_upscale_model(path: Path):
    """A spandrel ImageModelDescriptor in eval mode; unknown or non-image architectures raise ModelError."""
    spandrel = import_spandrel()
    sd = read_state_dict(path)
    if "module.layers.0.residual_group.blocks.0.norm1.weight" in sd:  # SwinIR saved from DataParallel
        sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    try:
        model = spandrel.ModelLoader().load_from_state_dict(sd).eval()
    except spandrel.UnsupportedModelError:
        raise ModelError(f"{path.name}: spandrel does not recognise this model's architecture") from None
    if not isinstance(model, spandrel.ImageModelDescriptor):
        raise ModelError(f"{path.name}: upscale model must be a single-image model "
                         f"(this is a {type(model).__name__})")
    return model


@torch.no_grad()
def upscale_image(model, image: torch.Tensor, progress=None) -> torch.Tensor:
    """IMAGE NHWC -> model.scale× larger IMAGE, tiled 512/32 as ComfyUI, clamped to 0..1."""
    from graphrun.backend.tiling import tiled_scale

    x = image.movedim(-1, -3).float()
    out = tiled_scale(x, lambda t: model(t), TILE, TILE, OVERLAP, model.scale, 3, progress=progress)
    return torch.clamp(out.movedim(-3, -1), 0.0, 1.0)
