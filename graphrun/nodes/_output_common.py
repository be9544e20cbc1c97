"""What the output nodes share: frontend filename_prefix expansion and the PNG/latent metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def expand_prefix(ctx, prefix: str) -> str:
    """Apply the frontend's %Node.widget% / %date:...% substitution (it runs at queue time in ComfyUI)."""
    if "%" not in prefix or ctx.prompt is None:
        return prefix
    from graphrun.backend.prefix import expand_frontend_prefix, nodes_from_api_prompt

    return expand_frontend_prefix(prefix, nodes=nodes_from_api_prompt(ctx.prompt), now=datetime.now())


def metadata(ctx) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(prompt, extra_pnginfo) to embed, or (None, None) when metadata is off; stand-ins are labelled."""
    if not ctx.settings.save_metadata:
        return None, None
    extra = dict(ctx.extra_pnginfo or {})
    if ctx.stub_notes:
        extra["graphrun_stub_models"] = list(ctx.stub_notes)
    return ctx.prompt, (extra or None)
