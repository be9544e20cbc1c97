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

        if ctx.settings.stub_models:
            from graphrun.nodes._model_files import find_path

            if find_path(ctx, "vae", vae_name) is None:
                return (_stand_in(ctx, vae_name),)
        return (load_vae(ctx.folders.find("vae", vae_name), device=ctx.device, cache=ctx.store.files),)


def _flux_ae_name(name: str) -> bool:
    """Stand-ins: Flux's AE is distributed as ae.safetensors (ComfyUI's examples) or named after Flux."""
    lower = name.lower().rsplit("/", 1)[-1]
    return lower.startswith("ae.") or "flux" in lower


def _stand_in(ctx, vae_name: str):
    """The VAE of the chosen family's stand-in (Flux: the 16-channel AE; the SD families share the SD VAE)."""
    from graphrun.backend.flux import load as flux
    from graphrun.nodes._checkpoints import choose, note_stand_in, stand_in_checkpoint

    choice = choose(ctx, vae_name, default="flux" if _flux_ae_name(vae_name) else "sd15")
    if choice.family.load_checkpoint is None:
        return stand_in_checkpoint(ctx, vae_name, "VAE", choice=choice).vae
    note_stand_in(ctx, vae_name, choice, "VAE")
    size = ctx.settings.stub_size
    return ctx.store.get_or_load(ctx.store.stubs, ("flux-ae", size, str(ctx.device)),
                                 lambda: flux.load_stub_flux_vae(size, device=ctx.device))
