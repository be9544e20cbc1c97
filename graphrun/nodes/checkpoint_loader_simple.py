"""CheckpointLoaderSimple: single-file SD checkpoint -> MODEL, CLIP, VAE (ComfyUI nodes.py, v0.3.64)."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register
from graphrun.nodes._checkpoints import load_or_stub_checkpoint


@register
class CheckpointLoaderSimple(NodeType):
    CLASS_TYPE = "CheckpointLoaderSimple"
    DISPLAY_NAME = "Load Checkpoint"
    CATEGORY = "loaders"
    DESCRIPTION = "Loads a diffusion model checkpoint, diffusion models are used to denoise latents."
    INPUTS = (Files("ckpt_name", "checkpoints", tooltip="The name of the checkpoint (model) to load."),)
    OUTPUTS = ("MODEL", "CLIP", "VAE")

    def run(self, ctx, ckpt_name):
        ckpt = load_or_stub_checkpoint(ctx, ckpt_name)
        return (ckpt.model, ckpt.clip, ckpt.vae)
