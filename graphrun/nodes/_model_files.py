"""Model files for the separate-file loaders (UNETLoader, DualCLIPLoader, VAELoader): find the file, or, with
--stub-models, note and log a labelled random-weight stand-in in its place."""

from __future__ import annotations

from pathlib import Path

from graphrun.errors import ModelError


def find_or_stub(ctx, folder: str, name: str, stand_in: str) -> Path | None:
    """The file's path; None when it is missing and --stub-models allows `stand_in` (a description naming the
    family, logged as STUB MODEL and recorded in the outputs' metadata)."""
    try:
        return ctx.folders.find(folder, name)
    except ModelError:
        if not ctx.settings.stub_models:
            raise
    note = f"{name}: random-weight {stand_in} stand-in ({ctx.settings.stub_size}), not the real file"
    if note not in ctx.stub_notes:
        ctx.stub_notes.append(note)
        ctx.log(f"STUB MODEL: {note}")
    return None


def find_path(ctx, folder: str, name: str) -> Path | None:
    """The file's path; None when it is missing and --stub-models is on (the caller notes its stand-in)."""
    try:
        return ctx.folders.find(folder, name)
    except ModelError:
        if not ctx.settings.stub_models:
            raise
    return None


def policy(ctx):
    from graphrun.backend.devices import dtype_policy

    return dtype_policy(ctx.device)
