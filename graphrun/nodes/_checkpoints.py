"""Checkpoint loading for the loader node: cached per process, with labelled random-weight stand-ins."""

from __future__ import annotations

from graphrun.errors import ModelError


def load_or_stub_checkpoint(ctx, ckpt_name: str):
    """Load `ckpt_name` once per process; with --stub-models, a missing file becomes random weights (logged)."""
    from graphrun.backend import checkpoints

    try:
        path = ctx.folders.find("checkpoints", ckpt_name)
    except ModelError:
        if not ctx.settings.stub_models:
            raise
        size = ctx.settings.stub_size
        from graphrun.backend.flux import load as flux

        family = flux.stub_family_name(ckpt_name)
        if family is not None:  # an all-in-one Flux checkpoint (flux1-schnell-fp8.safetensors, ...)
            from graphrun.families import get_family

            note = f"{ckpt_name}: random-weight {get_family(family).label} stand-in ({size}), not the real checkpoint"
            if note not in ctx.stub_notes:
                ctx.stub_notes.append(note)
                ctx.log(f"STUB MODEL: {note}")
            return ctx.store.get_or_load(ctx.store.stubs, ("ckpt", family, size, str(ctx.device)),
                                         lambda: flux.load_stub_flux_checkpoint(family, size, device=ctx.device))
        note = f"{ckpt_name}: random-weight SD1.5 stand-in ({size}), not the real checkpoint"
        if note not in ctx.stub_notes:
            ctx.stub_notes.append(note)
            ctx.log(f"STUB MODEL: {note}")
        return ctx.store.get_or_load(ctx.store.stubs, (size, str(ctx.device)),
                                     lambda: checkpoints.load_stub_checkpoint(size, device=ctx.device))
    return checkpoints.load_checkpoint(path, device=ctx.device, cache=ctx.store.files)
