"""What the ControlNet nodes share: loading a models/controlnet file (or, with --stub-models, a labelled
stand-in) and attaching a Control to conditioning entries (ComfyUI nodes.py ControlNetApply*)."""

from __future__ import annotations

from graphrun.errors import ModelError, NodeInputError


def load(ctx, name: str, model=None):
    """The CONTROL_NET for file `name`; `model` (DiffControlNetLoader) completes diff ControlNets. With
    --stub-models a missing file becomes a stand-in built for the sampled model's UNet (its family)."""
    from graphrun.backend.controlnet import load_controlnet
    from graphrun.nodes._model_files import find_or_stub, policy

    path = find_or_stub(ctx, "controlnet", name, "ControlNet (for the sampled model's family)")
    if path is None:
        from graphrun.backend.controlnet_stub import StubControlNet

        return ctx.store.get_or_load(ctx.store.stubs, ("controlnet", name),
                                     lambda: StubControlNet(source=f"<stub:{name}>"))
    pol = policy(ctx)
    try:
        if model is None:
            return ctx.store.files.get(path, pol, lambda: load_controlnet(path, device=pol.device, dtype=pol.unet),
                                       kind="controlnet")
        return load_controlnet(path, device=pol.device, dtype=pol.unet, model=model)
    except ModelError as exc:
        raise NodeInputError("control_net_name", exc.message, value=name) from exc


def hint_of(image, input_name: str = "image"):
    """IMAGE [B,H,W,C] -> the hint [B,C,H,W] ComfyUI stores (image.movedim(-1, 1))."""
    if getattr(image, "ndim", 0) != 4:
        raise NodeInputError(input_name, "expected an IMAGE [batch, height, width, channels]",
                             value=tuple(getattr(image, "shape", ())))
    return image.movedim(-1, 1)


def check_net(control_net) -> None:
    from graphrun.backend.controlnet import ControlNet
    from graphrun.backend.controlnet_stub import StubControlNet

    if not isinstance(control_net, (ControlNet, StubControlNet)):
        raise NodeInputError("control_net", "expected a CONTROL_NET from ControlNetLoader / DiffControlNetLoader",
                             value=type(control_net).__name__)
