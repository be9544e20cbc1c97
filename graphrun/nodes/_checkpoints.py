"""Checkpoint loading for the loader nodes: cached per process, with labelled random-weight stand-ins."""

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
        note = f"{ckpt_name}: random-weight SD1.5 stand-in ({size}), not the real checkpoint"
        if note not in ctx.stub_notes:
            ctx.stub_notes.append(note)
            ctx.log(f"STUB MODEL: {note}")
        key = ("stub", size, str(ctx.device))
        return ctx.store.get_or_load(ctx.store.checkpoints, key,
                                     lambda: checkpoints.load_stub_checkpoint(size, device=ctx.device))
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, str(ctx.device))
    return ctx.store.get_or_load(ctx.store.checkpoints, key,
                                 lambda: checkpoints.load_checkpoint(path, device=ctx.device))
