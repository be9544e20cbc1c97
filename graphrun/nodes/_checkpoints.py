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
        size = s.stub_size
        from graphrun.backend.flux import load as flux

        family = flux.stub_family_name(ckpt_name)
        if family is not None:  # an all-in-one Flux checkpoint (flux1-schnell-fp8.safetensors, ...)
            from graphrun.families import get_family

            note = f"{ckpt_name}: random-weight {get_family(family).label} stand-in ({size}), not the real checkpoint"
            if note not in ctx.stub_notes:
                ctx.stub_notes.append(note)
                ctx.log(f"STUB MODEL: {note}")
            # --dtype/--fast are not applied to Flux stand-ins (SD-family UNet+VAE only)
            return ctx.store.get_or_load(ctx.store.stubs, ("ckpt", family, size, str(ctx.device)),
                                         lambda: flux.load_stub_flux_checkpoint(family, size, device=ctx.device))
        note = f"{ckpt_name}: random-weight SD1.5 stand-in ({size}), not the real checkpoint"
        if note not in ctx.stub_notes:
            ctx.stub_notes.append(note)
            ctx.log(f"STUB MODEL: {note}")
        ckpt = ctx.store.get_or_load(ctx.store.stubs, (size, str(ctx.device), s.dtype),
                                     lambda: _with_dtype(checkpoints.load_stub_checkpoint(size, device=ctx.device), s))
        return _fast(ckpt, ctx)
    if s.dtype is None:
        return _fast(checkpoints.load_checkpoint(path, device=ctx.device, cache=ctx.store.files), ctx)
    from graphrun.backend.devices import dtype_policy
    from graphrun.backend.fast import policy_with_dtype

    policy = policy_with_dtype(dtype_policy(ctx.device), s.dtype)  # opt-in --dtype: off the parity path
    return _fast(checkpoints.load_checkpoint(path, device=ctx.device, policy=policy, cache=ctx.store.files), ctx)


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
