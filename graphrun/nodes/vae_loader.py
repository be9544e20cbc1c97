"""VAELoader: a standalone VAE file from models/vae (ComfyUI nodes.py). TAESD previews are not supported."""

from __future__ import annotations

from graphrun.nodes.base import Files, NodeType, register


@register
class VAELoader(NodeType):
    CLASS_TYPE = "VAELoader"
    DISPLAY_NAME = "Load VAE"
    CATEGORY = "loaders"
    INPUTS = (Files("vae_name", "vae"),)
    OUTPUTS = ("VAE",)

    def run(self, ctx, vae_name):
        from graphrun.backend.checkpoints import load_vae

        if ctx.settings.stub_models and _flux_ae_name(vae_name):
            from graphrun.backend.flux import load as flux
            from graphrun.nodes._model_files import find_or_stub

            path = find_or_stub(ctx, "vae", vae_name, "Flux AE (16-channel)")
            if path is None:
                size = ctx.settings.stub_size
                return (ctx.store.get_or_load(ctx.store.stubs, ("flux-ae", size, str(ctx.device)),
                                              lambda: flux.load_stub_flux_vae(size, device=ctx.device)),)
        return (load_vae(ctx.folders.find("vae", vae_name), device=ctx.device, cache=ctx.store.files),)


def _flux_ae_name(name: str) -> bool:
    """Stand-ins: Flux's AE is distributed as ae.safetensors (ComfyUI's examples) or named after Flux."""
    lower = name.lower().rsplit("/", 1)[-1]
    return lower.startswith("ae.") or "flux" in lower
