"""Summaries of a run, node by node: hashes, shapes and stats of every output, plus the tensors and images kept.

A `Record` is what a golden holds and what a rerun produces: `manifest` (JSON-able), `tensors` (name -> tensor,
saved as safetensors) and `images` (name -> uint8 HxWxC array, saved as PNG). Models (MODEL/CLIP/VAE) are
fingerprinted by class name, loader inputs and a quick look at the file, never by hashing weights.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from graphrun.values import CondEntry, Latent

FORMAT = "graphrun-golden/1"
MAX_STORED = 1 << 20  # tensors up to this many elements are kept whole; larger ones as a strided sample
SAMPLE = 1 << 16


@dataclass
class Record:
    """One run in comparable form: the manifest plus the tensors and 8-bit images it refers to."""

    manifest: dict[str, Any]
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    images: dict[str, np.ndarray] = field(default_factory=dict)

    def node_list(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("nodes", []))

    def node(self, node_id: str) -> dict[str, Any] | None:
        return next((n for n in self.node_list() if n["id"] == node_id), None)


def tensor_sha256(t: torch.Tensor) -> str:
    """SHA-256 over dtype, shape and the raw bytes of a tensor (bit-exact identity)."""
    t = t.detach().cpu().contiguous()
    h = hashlib.sha256(f"{t.dtype}{tuple(t.shape)}".encode())
    if t.numel():
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _g(x: float) -> float:
    return float(f"{x:.6g}")


def tensor_stats(t: torch.Tensor) -> dict[str, Any]:
    """Shape, dtype, min/max/mean/std (over finite values) and the count of non-finite values."""
    out: dict[str, Any] = {"shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")}
    if t.numel() == 0 or not (t.is_floating_point() or t.dtype in (torch.int32, torch.int64, torch.uint8)):
        return out
    f = t.detach().cpu().double().reshape(-1)
    finite = torch.isfinite(f)
    bad = int((~finite).sum())
    f = f[finite]
    if f.numel():
        out.update(min=_g(f.min()), max=_g(f.max()), mean=_g(f.mean()), std=_g(f.std()) if f.numel() > 1 else 0.0)
    if bad:
        out["nonfinite"] = bad
    return out


def _keep(tensors: dict[str, torch.Tensor], key: str, t: torch.Tensor) -> dict[str, Any]:
    """Store `t` (whole, or a strided sample when large) under `key`; return its summary."""
    t = t.detach().cpu().clone()  # own storage: safetensors refuses views that share memory
    info = {"sha256": tensor_sha256(t), **tensor_stats(t), "tensor": key}
    if t.numel() > MAX_STORED:
        stride = -(-t.numel() // SAMPLE)
        info["sample_stride"] = stride
        t = t.reshape(-1)[::stride].clone()
    tensors[key] = t
    return info


def to_uint8_images(image: torch.Tensor) -> list[np.ndarray]:
    """IMAGE [B,H,W,C] in 0..1 -> 8-bit arrays as SaveImage writes them (truncation)."""
    from graphrun.backend.images import to_uint8

    arr = to_uint8(image.float())
    return [arr[i] for i in range(arr.shape[0])] if arr.ndim == 4 else [arr]


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return f"<{type(value).__name__}>"


def summarize_output(value: Any, out_type: str, key: str, rec: Record, fingerprint: str) -> dict[str, Any]:
    """One output slot -> summary dict; keeps its tensors/images in `rec` under names starting with `key`."""
    if isinstance(value, Latent):
        info = {"kind": "latent", **_keep(rec.tensors, key, value.samples)}
        if value.noise_mask is not None:
            info["noise_mask"] = _keep(rec.tensors, f"{key}.noise_mask", value.noise_mask)
            info["sha256"] = _combine([info["sha256"], info["noise_mask"]["sha256"]])
        if value.batch_index is not None:
            info["batch_index"] = list(value.batch_index)
        return info
    if isinstance(value, torch.Tensor) and out_type == "IMAGE" and value.ndim == 4:
        names = []
        for b, arr in enumerate(to_uint8_images(value)):
            names.append(f"{key}.{b}.png")
            rec.images[names[-1]] = arr
        return {"kind": "image", "sha256": tensor_sha256(value), **tensor_stats(value), "png": names}
    if isinstance(value, torch.Tensor):
        return {"kind": "tensor", **_keep(rec.tensors, key, value)}
    if isinstance(value, (tuple, list)) and value and all(isinstance(e, CondEntry) for e in value):
        entries, hashes = [], []
        for i, entry in enumerate(value):
            item = {"cond": _keep(rec.tensors, f"{key}.{i}.cond", entry.cond), "extras": {}}
            hashes.append(item["cond"]["sha256"])
            for name, extra in sorted(entry.extras.items()):
                if isinstance(extra, torch.Tensor):
                    item["extras"][name] = _keep(rec.tensors, f"{key}.{i}.{name}", extra)
                    hashes.append(item["extras"][name]["sha256"])
                else:
                    item["extras"][name] = _jsonable(extra)
                    hashes.append(json.dumps([name, item["extras"][name]], sort_keys=True, default=str))
            entries.append(item)
        return {"kind": "conditioning", "sha256": _combine(hashes), "entries": entries}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return {"kind": "value", "value": value, "sha256": _combine([json.dumps(value)])}
    return {"kind": "model", "fingerprint": fingerprint, "sha256": _combine([fingerprint])}


def _combine(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def quick_file_id(path: Path) -> str:
    """Size plus SHA-256 of the first and last MiB: spots a swapped checkpoint without reading gigabytes."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), 2)
            h.update(f.read())
    return f"{size}:{h.hexdigest()[:16]}"


def model_fingerprint(value: Any, inputs: Mapping[str, Any], files: Mapping[str, Path | None]) -> str:
    """Class name + the loader's file inputs (+ quick file id, or 'stand-in' when the file is absent)."""
    parts = [type(value).__module__ + "." + type(value).__qualname__]
    for name in sorted(files):
        path = files[name]
        parts.append(f"{name}={inputs.get(name)!r}@" + (quick_file_id(path) if path else "stand-in"))
    return " ".join(parts)


def _inputs(node: Mapping[str, Any]) -> dict[str, Any]:
    from graphrun.workflow.api import is_link

    out = {}
    for name, value in (node.get("inputs") or {}).items():
        out[name] = {"link": [value[0], value[1]]} if is_link(value) else _jsonable(value)
    return out


def environment(device: str) -> dict[str, Any]:
    """graphrun/torch/diffusers/python versions, platform and device the run used."""
    import graphrun

    env = {"graphrun": graphrun.__version__, "torch": torch.__version__, "python": platform.python_version(),
           "platform": f"{platform.system()}-{platform.machine()}", "device": device}
    try:
        import diffusers

        env["diffusers"] = diffusers.__version__
    except ImportError:
        pass
    if device.startswith("cpu"):
        env["threads"] = torch.get_num_threads()  # CPU results depend on how kernels split work over threads
    if device.startswith("cuda") and torch.cuda.is_available():
        env["device_name"] = torch.cuda.get_device_name(torch.device(device))
    return env


def capture(result, registry, *, device: str, settings: Mapping[str, Any], workflow: Path,
            find_file=None) -> Record:
    """A `Record` of a finished run: every executed node's outputs in execution order."""
    rec = Record({"format": FORMAT, "workflow": workflow.name, "workflow_sha256": _file_sha(workflow),
                  "environment": environment(device), "settings": dict(settings), "nodes": []})
    for run in result.nodes:
        node = result.prompt.get(run.node_id, {})
        node_type = registry.get(run.class_type)
        out_types = tuple(getattr(node_type, "OUTPUTS", ()))
        inputs = _inputs(node)
        files = {}
        for spec in getattr(node_type, "INPUTS", ()):
            if spec.files and spec.files != "input" and isinstance(inputs.get(spec.name), str):
                files[spec.name] = find_file(spec.files, inputs[spec.name]) if find_file else None
        outputs = []
        for slot, value in enumerate(result.outputs.get(run.node_id, ())):
            out_type = out_types[slot] if slot < len(out_types) else "*"
            fp = model_fingerprint(value, inputs, files) if not isinstance(value, torch.Tensor) else ""
            info = summarize_output(value, out_type, f"{run.node_id}.{slot}", rec, fp)
            outputs.append({"slot": slot, "type": out_type, **info})
        rec.manifest["nodes"].append({
            "id": run.node_id, "class_type": run.class_type, "title": (node.get("_meta") or {}).get("title"),
            "output_node": bool(getattr(node_type, "OUTPUT_NODE", False)), "inputs": inputs,
            "seconds": round(run.seconds, 3), "outputs": outputs})
    rec.manifest["written"] = [Path(p).name for p in result.written]
    rec.manifest["stub_models"] = list(result.stub_notes)
    return rec


def _file_sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def final_values(manifest: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(node, slot) of the values the workflow delivers: those linked into output nodes (SaveImage, ...).

    Falls back to every output of the last node that has outputs when the graph has no output node links."""
    finals: list[tuple[str, int]] = []
    for node in manifest.get("nodes", []):
        if node.get("output_node"):
            for value in node.get("inputs", {}).values():
                if isinstance(value, dict) and "link" in value:
                    ref = (str(value["link"][0]), int(value["link"][1]))
                    if ref not in finals:
                        finals.append(ref)
    if not finals:
        for node in reversed(manifest.get("nodes", [])):
            if node.get("outputs"):
                return [(node["id"], o["slot"]) for o in node["outputs"]]
    return finals
