"""Checkpoint loading for the loader node: cached per process, with labelled random-weight stand-ins."""

from __future__ import annotations

from graphrun.errors import ModelError


def load_or_stub_checkpoint(ctx, ckpt_name: str):
    """Load `ckpt_name` once per process; with --stub-models, a missing file becomes random weights (logged)."""
    from graphrun.backend import checkpoints

    s = ctx.settings
    try:
        path = ctx.folders.find("checkpoints", ckpt_name)
    except ModelError:
        if not s.stub_models:
            raise
        return stand_in_checkpoint(ctx, ckpt_name, "checkpoint")
    if s.dtype is None:
        return _fast(checkpoints.load_checkpoint(path, device=ctx.device, cache=ctx.store.files), ctx)
    from graphrun.backend.devices import dtype_policy
    from graphrun.backend.fast import policy_with_dtype

    policy = policy_with_dtype(dtype_policy(ctx.device), s.dtype)  # opt-in --dtype: off the parity path
    return _fast(checkpoints.load_checkpoint(path, device=ctx.device, policy=policy, cache=ctx.store.files), ctx)


def choose(ctx, file_name: str, default: str = "sd15", allowed: tuple[str, ...] | None = None):
    """The stand-in (graphrun.families.choose.Choice) for a missing `file_name` of the running node; a clear
    error naming the node's file input when the workflow needs a family graphrun has no stand-in for."""
    from graphrun.families.choose import UnsupportedStandIn, choose_stand_in

    try:
        return choose_stand_in(ctx.prompt, ctx.node_id, file_name, forced=ctx.settings.stub_family,
                               default=default, allowed=allowed)
    except UnsupportedStandIn as exc:
        raise ModelError(str(exc)) from None


def note_stand_in(ctx, file_name: str, choice, what: str = "file") -> None:
    """Log (STUB MODEL: ...) and record, once per run, which stand-in replaces `file_name` and why."""
    note = f"{file_name}: random-weight {choice.describe(ctx.settings.stub_size)}, not the real {what}"
    if note not in ctx.stub_notes:
        ctx.stub_notes.append(note)
        ctx.log(f"STUB MODEL: {note}")


def stand_in_checkpoint(ctx, file_name: str, what: str, default: str = "sd15", choice=None):
    """The chosen family's stand-in checkpoint (MODEL, CLIP, VAE), built once per process and size."""
    from graphrun.backend.checkpoints import checkpoint_from_state_dict
    from graphrun.backend.devices import dtype_policy

    s = ctx.settings
    choice = choice or choose(ctx, file_name, default)
    note_stand_in(ctx, file_name, choice, what)
    size, name = s.stub_size, choice.stand_in.name
    dit = choice.family.load_checkpoint is not None  # --dtype/--fast apply to the SD-family UNet+VAE only

    def build():
        ckpt = checkpoint_from_state_dict(choice.stand_in.make(size), source=f"<stub:{name}:{size}>",
                                          policy=dtype_policy(ctx.device))
        return ckpt if dit else _with_dtype(ckpt, s)

    ckpt = ctx.store.get_or_load(ctx.store.stubs, ("ckpt", name, size, str(ctx.device), None if dit else s.dtype),
                                 build)
    return ckpt if dit else _fast(ckpt, ctx)


def _with_dtype(ckpt, settings):
    """A stand-in built on the default policy, moved to the --dtype compute dtype when one was asked for."""
    if settings.dtype is None:
        return ckpt
    from graphrun.backend.devices import dtype_policy
    from graphrun.backend.fast import policy_with_dtype

    dtype = policy_with_dtype(dtype_policy(ckpt.model.device), settings.dtype).unet
    ckpt.model.network.unet.to(dtype)
    ckpt.model.network.dtype = dtype
    ckpt.vae.vae.to(dtype)
    ckpt.vae.dtype = dtype
    return ckpt


def _fast(ckpt, ctx):
    s = ctx.settings
    if s.fast or s.dtype:
        from graphrun.backend.fast import apply_fast, describe

        apply_fast(ckpt, s.fast)
        note = describe(s.dtype, s.fast)
        if note:
            ctx.log(note)
    return ckpt
