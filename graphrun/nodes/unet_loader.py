"""UNETLoader ("Load Diffusion Model"): a diffusion model file alone (models/diffusion_models or models/unet) ->
MODEL (ComfyUI nodes.py). graphrun loads Flux.1 dev/schnell DiTs in BFL layout here. weight_dtype: "default" keeps
the compute dtype; the fp8 names store the weights as that fp8 format, as ComfyUI does, and compute in the compute
dtype (float32 on CPU), so results equal ComfyUI's fp8 runs; "fp8_e4m3fn_fast" computes like fp8_e4m3fn here."""

from __future__ import annotations

from graphrun.errors import ModelError, NodeInputError
from graphrun.nodes.base import Combo, Files, NodeType, register

WEIGHT_DTYPES = ["default", "fp8_e4m3fn", "fp8_e4m3fn_fast", "fp8_e5m2"]


@register
class UNETLoader(NodeType):
    CLASS_TYPE = "UNETLoader"
    DISPLAY_NAME = "Load Diffusion Model"
    CATEGORY = "advanced/loaders"
    INPUTS = (Files("unet_name", "diffusion_models"), Combo("weight_dtype", WEIGHT_DTYPES))
    OUTPUTS = ("MODEL",)

    def run(self, ctx, unet_name, weight_dtype):
        from graphrun.backend.flux import load as flux
        from graphrun.nodes._checkpoints import choose, note_stand_in, stand_in_checkpoint
        from graphrun.nodes._model_files import find_path, policy

        if weight_dtype not in WEIGHT_DTYPES:
            raise NodeInputError("weight_dtype", f"unknown weight_dtype; allowed: {', '.join(WEIGHT_DTYPES)}",
                                 value=weight_dtype)
        path = find_path(ctx, "diffusion_models", unet_name)
        if path is None:  # --stub-models: UNETLoader mostly loads Flux DiTs, so Flux.1 dev unless told otherwise
            choice = choose(ctx, unet_name, default="flux")
            if choice.family.load_checkpoint is None:  # an SD-family UNet: the MODEL of that family's stand-in
                return (stand_in_checkpoint(ctx, unet_name, "diffusion model", choice=choice).model,)
            note_stand_in(ctx, unet_name, choice)
            family, size = choice.family.name, ctx.settings.stub_size
            return (ctx.store.get_or_load(ctx.store.stubs, ("unet", family, size, weight_dtype, str(ctx.device)),
                                          lambda: flux.load_stub_flux_model(family, size, device=ctx.device,
                                                                            weight_dtype=weight_dtype)),)
        pol = policy(ctx)
        return (ctx.store.files.get(path, pol, lambda: load_diffusion_model(path, pol, weight_dtype),
                                    kind=f"unet:{weight_dtype}"),)


def load_diffusion_model(path, pol, weight_dtype):
    from graphrun.backend.checkpoints import read_shapes, read_state_dict
    from graphrun.backend.flux import load as flux

    shapes = read_shapes(path)
    if flux.flux_family(shapes) is None:
        raise ModelError(f"{path} is {flux.describe_state_dict(shapes)}; graphrun's UNETLoader loads Flux.1 "
                         "diffusion models (checkpoints with UNet, VAE and text encoder go to CheckpointLoaderSimple)")
    return flux.build_flux_model(read_state_dict(path), source=str(path), device=pol.device, dtype=pol.unet,
                                 weight_dtype=weight_dtype)
