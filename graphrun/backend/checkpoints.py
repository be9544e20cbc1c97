"""Single-file checkpoint loading (CheckpointLoaderSimple / VAELoader, spec I.2–I.4) with an explicit cache."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import Tensor

from graphrun.backend.detect import detect, unet_prefix
from graphrun.backend.devices import DtypePolicy, dtype_policy
from graphrun.backend.model import Model
from graphrun.backend.unet import DiffusionModel, build_unet
from graphrun.backend.vae import VAEModel, build_vae, strip_vae_prefix
from graphrun.errors import ModelError

SAFETENSORS_EXT = (".safetensors", ".sft")
CLIP_PREFIX = "cond_stage_model.transformer."


@dataclass
class Checkpoint:
    """What CheckpointLoaderSimple returns: MODEL, CLIP (None when the file has no text encoder) and VAE."""

    model: Model
    clip: Any
    vae: VAEModel
    family: str  # the family's registry name (graphrun.families)
    path: Path | None = None


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ModelError(f"model file {path} does not exist")
    if not path.is_file():
        raise ModelError(f"model path {path} is not a file")
    if path.stat().st_size == 0:
        raise ModelError(f"model file {path} is empty (0 bytes)")


def read_shapes(path: str | Path) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, reading only the safetensors header (other formats are loaded)."""
    path = Path(path)
    if path.suffix.lower() not in SAFETENSORS_EXT:
        return {k: tuple(v.shape) for k, v in read_state_dict(path).items()}
    with _open_safetensors(path) as f:
        return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}


def _open_safetensors(path: Path):
    from safetensors import safe_open

    _check_file(path)
    try:
        return safe_open(str(path), framework="pt", device="cpu")
    except Exception as exc:  # SafetensorError, OSError: header unreadable or data region short
        raise ModelError(f"model file {path} is not a readable safetensors file (corrupt or truncated?): {exc}"
                         ) from exc


def read_state_dict(path: str | Path, *, keep: Callable[[str], bool] | None = None) -> dict[str, Tensor]:
    """Load tensors (memory-mapped safetensors; .ckpt/.pt/.pth/.bin via torch.load(weights_only=True))."""
    path = Path(path)
    if path.suffix.lower() in SAFETENSORS_EXT:
        with _open_safetensors(path) as f:
            try:
                return {k: f.get_tensor(k) for k in f.keys() if keep is None or keep(k)}
            except Exception as exc:
                raise ModelError(f"model file {path}: reading tensor data failed (truncated?): {exc}") from exc
    _check_file(path)
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(f"model file {path} could not be loaded as a weights-only torch file (corrupt, truncated, "
                         f"or it pickles arbitrary Python objects; convert it to .safetensors): {exc}") from exc
    if isinstance(obj, dict) and "state_dict" in obj:
        obj = obj["state_dict"]
    elif isinstance(obj, dict) and len(obj) == 1 and isinstance(next(iter(obj.values())), dict):
        obj = next(iter(obj.values()))
    if not isinstance(obj, dict) or not any(isinstance(v, Tensor) for v in obj.values()):
        raise ModelError(f"model file {path} holds no tensors (found {type(obj).__name__})")
    return {k: v for k, v in obj.items() if isinstance(v, Tensor) and (keep is None or keep(k))}


def clip_state_dict(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Checkpoint CLIP keys in HF layout: strip cond_stage_model.transformer., ensure text_model., drop position_ids."""
    out = {}
    for k, v in state_dict.items():
        if not k.startswith(CLIP_PREFIX) or k.endswith("position_ids"):
            continue
        name = k[len(CLIP_PREFIX):]
        out[name if name.startswith("text_model.") else "text_model." + name] = v
    return out


def read_metadata(path: str | Path) -> dict[str, str]:
    """The safetensors header's `__metadata__` (empty for other formats)."""
    path = Path(path)
    if path.suffix.lower() not in SAFETENSORS_EXT:
        return {}
    with _open_safetensors(path) as f:
        return dict(f.metadata() or {})


def text_config_heads(metadata: Mapping[str, str], part_name: str, hidden: int) -> int | None:
    """Attention heads from an HF text config stored in the file's metadata (`clip_l_config`, `clip_g_config`,
    `clip_config`), when its hidden size matches; None = the CLIP rule (64-wide heads)."""
    import json

    for key in (f"{part_name}_config", "clip_config"):
        try:
            cfg = json.loads(metadata[key])
        except (KeyError, ValueError, TypeError):
            continue
        if isinstance(cfg, dict) and cfg.get("hidden_size") == hidden and "num_attention_heads" in cfg:
            return int(cfg["num_attention_heads"])
    return None


def _load_clip(state_dict: Mapping[str, Tensor], policy: DtypePolicy, family=None,
               metadata: Mapping[str, str] | None = None):
    """Build the family's text encoders (fp16 weights, fp32 compute); None if the file has none."""
    from graphrun.backend.clip import load_clip
    from graphrun.backend.clip.convert import part_state_dict
    from graphrun.backend.clip.multi import DualClip

    if family is None:
        sd = clip_state_dict(state_dict)
        return load_clip(sd, device=policy.device, weight_dtype=policy.text_encoder_weights) if sd else None
    parts = {}
    for part in family.clip_parts:
        prefix = next((p for p in part.prefixes if any(k.startswith(p) for k in state_dict)), None)
        if prefix is None:
            continue
        sd = part_state_dict(state_dict, prefix)
        emb = sd.get("text_model.embeddings.token_embedding.weight")
        heads = text_config_heads(metadata or {}, part.name, int(emb.shape[1])) if emb is not None else None
        parts[part.name] = load_clip(sd, device=policy.device, weight_dtype=policy.text_encoder_weights, part=part,
                                     num_heads=heads)
    if not parts:
        return None
    if len(parts) != len(family.clip_parts):
        missing = [p.name for p in family.clip_parts if p.name not in parts]
        raise ModelError(f"the {family.label} checkpoint lacks text encoder weights for {', '.join(missing)}")
    if set(parts) == {"clip_l", "clip_g"}:
        return DualClip(parts["clip_l"], parts["clip_g"])
    (only,) = parts.values()
    return only


def _policy(device: str | torch.device, policy: DtypePolicy | None) -> DtypePolicy:
    return policy if policy is not None else dtype_policy(device)


def load_checkpoint(path: str | Path, *, device: str | torch.device = "cpu", policy: DtypePolicy | None = None,
                    cache: "CheckpointCache | None" = None) -> Checkpoint:
    """CheckpointLoaderSimple: detect the family from shapes, then build UNet, VAE and CLIP on the policy's dtypes."""
    path = Path(path)
    pol = _policy(device, policy)
    if cache is not None:
        return cache.get(path, pol, lambda: load_checkpoint(path, policy=pol))
    if path.suffix.lower() in SAFETENSORS_EXT:  # detect from the header before reading any tensor data
        shapes = read_shapes(path)
        fam, _ = detect(shapes, str(path))
        prefix = unet_prefix(list(shapes))
        clip_prefixes = tuple(p for part in fam.clip_parts for p in part.prefixes)
        # keep the few non-tensor markers ComfyUI reads (SDXL `v_pred`/`ztsnr`) with the weights
        sd = read_state_dict(path, keep=lambda k: k.startswith((prefix, "first_stage_model.") + clip_prefixes)
                             or "." not in k)
        metadata = read_metadata(path)
    else:
        sd, metadata = read_state_dict(path), {}
    return checkpoint_from_state_dict(sd, source=str(path), policy=pol, path=path, metadata=metadata)


def checkpoint_from_state_dict(sd: Mapping[str, Tensor], *, source: str, policy: DtypePolicy,
                               path: Path | None = None, metadata: Mapping[str, str] | None = None) -> Checkpoint:
    """Build MODEL/CLIP/VAE from a single-file state dict of a registered family (a file, or stand-ins)."""
    fam, cfg = detect({k: tuple(v.shape) for k, v in sd.items()}, source)
    family = fam.name
    prefix = unet_prefix(list(sd))
    try:
        unet = build_unet(sd, cfg, device=policy.device, dtype=policy.unet, prefix=prefix, source=source, family=fam)
        vae_sd = {k: v for k, v in sd.items() if k.startswith("first_stage_model.")}
        if not vae_sd:
            raise ModelError(f"{source} has no VAE weights ('first_stage_model.*'); load one with VAELoader")
        vae = build_vae(vae_sd, device=policy.device, dtype=policy.vae, source=source)
        clip = _load_clip(sd, policy, fam, metadata)
    except ModelError:
        raise
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ModelError(f"{source}: weights do not fit the detected {family} layout: {exc}") from exc
    network = DiffusionModel(unet, cfg, device=policy.device, dtype=policy.unet)
    model = Model(network, fam, fam.model_sampling(sd, prefix))
    return Checkpoint(model=model, clip=clip, vae=vae, family=family, path=path)


def load_stub_checkpoint(size: str = "tiny", *, device: str | torch.device = "cpu", seed: int = 0) -> Checkpoint:
    """Deterministic random-weight SD1.5 stand-in (--stub-models); never used unless asked for."""
    from graphrun.backend.stub import make_stub_checkpoint

    return checkpoint_from_state_dict(make_stub_checkpoint(size, seed=seed), source=f"<stub:{size}>",
                                      policy=_policy(device, None))


def load_vae(path: str | Path, *, device: str | torch.device = "cpu", policy: DtypePolicy | None = None,
             cache: "CheckpointCache | None" = None) -> VAEModel:
    """VAELoader: a standalone VAE file (LDM layout, optional first_stage_model./vae. prefix, or diffusers layout)."""
    path = Path(path)
    pol = _policy(device, policy)
    if cache is not None:
        return cache.get(path, pol, lambda: load_vae(path, policy=pol), kind="vae")
    sd = strip_vae_prefix(read_state_dict(path))
    if not any(k.startswith("encoder.") for k in sd) or not any(k.startswith("decoder.") for k in sd):
        raise ModelError(f"{path} is not a VAE: no 'encoder.*'/'decoder.*' tensors")
    try:
        return build_vae(sd, device=pol.device, dtype=pol.vae, source=str(path))
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: VAE weights do not fit an AutoencoderKL layout: {exc}") from exc


@dataclass
class CheckpointCache:
    """Loaded models keyed by (kind, resolved path, mtime, size, device, dtypes); pass one per process/run."""

    entries: dict[tuple, Any] = field(default_factory=dict)

    @staticmethod
    def key(path: Path, policy: DtypePolicy, kind: str = "checkpoint") -> tuple:
        st = os.stat(path)
        return (kind, str(Path(path).resolve()), st.st_mtime_ns, st.st_size,
                str(policy.device), policy.unet, policy.vae)

    def get(self, path: Path, policy: DtypePolicy, load: Callable[[], Any], kind: str = "checkpoint") -> Any:
        """Return the cached object for this file version, loading it on first use."""
        _check_file(Path(path))
        k = self.key(path, policy, kind)
        if k not in self.entries:
            stale = [e for e in self.entries if e[:2] == k[:2]]
            for e in stale:  # the file changed on disk: drop the old version
                del self.entries[e]
            self.entries[k] = load()
        return self.entries[k]

    def clear(self) -> None:
        """Forget every loaded model."""
        self.entries.clear()
