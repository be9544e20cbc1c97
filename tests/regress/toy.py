"""Model-free stand-in nodes (loader, encoder, sampler, decoder) so the regression machinery runs in milliseconds."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import torch

from graphrun.nodes.base import Float, Int, NodeRegistry, NodeType, Socket, String
from graphrun.nodes.save_image import SaveImage
from graphrun.values import CondEntry, Latent


LOAD_SECONDS = 0.2


class ToyModel:
    def __init__(self, name: str):
        self.name = name


class ToyLoader(NodeType):
    CLASS_TYPE, DISPLAY_NAME, OUTPUTS = "ToyLoader", "Toy loader", ("MODEL",)
    INPUTS = (String("name", "toy"),)

    def run(self, ctx, name):
        def load():
            time.sleep(LOAD_SECONDS)  # a visible load time: reuse through the ModelStore shows as ~0 s
            return ToyModel(name)

        table = vars(ctx.store).setdefault("toy_models", {})  # a test-only table on the per-process store
        return (ctx.store.get_or_load(table, ("toy", name), load),)


class ToyEncode(NodeType):
    CLASS_TYPE, DISPLAY_NAME, OUTPUTS = "ToyEncode", "Toy encode", ("CONDITIONING",)
    INPUTS = (Socket("model", "MODEL"), String("text", "", multiline=True))

    def run(self, ctx, model, text):
        seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        cond = torch.randn(1, 4, 8, generator=torch.Generator().manual_seed(seed))
        return ((CondEntry(cond, pooled_output=cond.mean(1)),),)


class ToySample(NodeType):
    CLASS_TYPE, DISPLAY_NAME, OUTPUTS = "ToySample", "Toy sampler", ("LATENT",)
    INPUTS = (Socket("positive", "CONDITIONING"), Float("cfg", 8.0, 0.0, 100.0), Int("seed", 0, 0, 2**32),
              Int("size", 8, 1, 64))

    def run(self, ctx, positive, cfg, seed, size):
        noise = torch.randn(1, 4, size, size, generator=torch.Generator().manual_seed(seed))
        return (Latent(noise * 0.1 * cfg + positive[0].cond.mean()),)


class ToyDecode(NodeType):
    CLASS_TYPE, DISPLAY_NAME, OUTPUTS = "ToyDecode", "Toy decoder", ("IMAGE",)
    INPUTS = (Socket("samples", "LATENT"),)

    def run(self, ctx, samples):
        x = torch.sigmoid(samples.samples[:, :3])
        x = torch.nn.functional.interpolate(x, scale_factor=4, mode="nearest")
        return (x.permute(0, 2, 3, 1).contiguous(),)


def toy_registry() -> NodeRegistry:
    reg = NodeRegistry()
    for t in (ToyLoader, ToyEncode, ToySample, ToyDecode, SaveImage):
        reg.add(t)
    return reg


def toy_prompt(text: str = "a lighthouse", cfg: float = 8.0, seed: int = 3) -> dict:
    return {
        "1": {"class_type": "ToyLoader", "inputs": {"name": "toy-v1"}},
        "2": {"class_type": "ToyEncode", "inputs": {"model": ["1", 0], "text": text},
              "_meta": {"title": "Positive prompt"}},
        "3": {"class_type": "ToySample", "inputs": {"positive": ["2", 0], "cfg": cfg, "seed": seed, "size": 4}},
        "4": {"class_type": "ToyDecode", "inputs": {"samples": ["3", 0]}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "toy"}},
    }


def write_prompt(path: Path, prompt: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(prompt, indent=1))
    return path
