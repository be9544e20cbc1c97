"""What the output nodes share: the PNG/latent metadata.

`%Node.widget%` / `%date:...%` in filename prefixes are the frontend's: expanded once, when a UI workflow is
compiled (graphrun.compile.prefix); ComfyUI's backend leaves them alone in API prompts, and so do we.
"""

from __future__ import annotations

from typing import Any


def metadata(ctx) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(prompt, extra_pnginfo) to embed, or (None, None) when metadata is off; stand-ins are labelled."""
    if not ctx.settings.save_metadata:
        return None, None
    extra = dict(ctx.extra_pnginfo or {})
    if ctx.stub_notes:
        extra["graphrun_stub_models"] = list(ctx.stub_notes)
    return ctx.prompt, (extra or None)
