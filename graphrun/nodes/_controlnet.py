"""What the ControlNet nodes share: loading a models/controlnet file (or, with --stub-models, a labelled
stand-in) and attaching a Control to conditioning entries (ComfyUI nodes.py ControlNetApply*)."""

from __future__ import annotations

from graphrun.errors import ModelError, NodeInputError


def load(ctx, name: str, model=None):
    """The CONTROL_NET for file `name`; `model` (DiffControlNetLoader) completes diff ControlNets."""
    from graphrun.backend.controlnet import load_controlnet
    from graphrun.nodes._model_files import find_or_stub, policy

    family = None if model is None else getattr(model, "family", None)
    label = f"{family.label if family is not None else 'SD1.5'} ControlNet"
    path = find_or_stub(ctx, "controlnet", name, label)
    if path is None:
        return _stub(ctx, model)
    pol = policy(ctx)
    try:
        if model is None:
            return ctx.store.files.get(path, pol, lambda: load_controlnet(path, device=pol.device, dtype=pol.unet),
                                       kind="controlnet")
        return load_controlnet(path, device=pol.device, dtype=pol.unet, model=model)
    except ModelError as exc:
        raise NodeInputError("control_net_name", exc.message, value=name) from exc


def _stub(ctx, model):
    """A deterministic random-weight ControlNet for the MODEL's UNet (DiffControlNetLoader) or for the SD1.5
    stand-in checkpoint's UNet (ControlNetLoader)."""
    from graphrun.backend.controlnet_stub import stub_controlnet

    size = ctx.settings.stub_size
    if model is not None and getattr(model.network, "unet", None) is not None:
        return ctx.store.get_or_load(ctx.store.stubs, ("controlnet", id(model.network), str(ctx.device)),
                                     lambda: stub_controlnet(model.network.unet, model.family, source="<stub>"))
    if model is not None:
        raise NodeInputError("model", f"no ControlNet stand-in for a {model.family.label} model", value=None)

    def build():
        from graphrun.backend.checkpoints import load_stub_checkpoint

        base = load_stub_checkpoint(size, device=ctx.device).model
        return stub_controlnet(base.network.unet, base.family, source=f"<stub:{size}>")

    return ctx.store.get_or_load(ctx.store.stubs, ("controlnet", size, str(ctx.device)), build)


def hint_of(image, input_name: str = "image"):
    """IMAGE [B,H,W,C] -> the hint [B,C,H,W] ComfyUI stores (image.movedim(-1, 1))."""
    if getattr(image, "ndim", 0) != 4:
        raise NodeInputError(input_name, "expected an IMAGE [batch, height, width, channels]",
                             value=tuple(getattr(image, "shape", ())))
    return image.movedim(-1, 1)


def check_net(control_net) -> None:
    from graphrun.backend.controlnet import ControlNet

    if not isinstance(control_net, ControlNet):
        raise NodeInputError("control_net", "expected a CONTROL_NET from ControlNetLoader / DiffControlNetLoader",
                             value=type(control_net).__name__)
