"""`graphrun compare A B`: two workflows, two PNGs, or two sweep cells side by side with a difference heat map,
and the numbers: bit-identical or not, max abs difference and relative L2 (‖a−b‖/‖a‖) on pixels and, when both
sides were computed here (workflows), on the latents that were decoded."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphrun.errors import Issue, UsageError


@dataclass
class Side:
    label: str
    pixels: Any  # uint8 numpy array [H, W, 3] as saved
    latent: Any = None  # torch.Tensor of the decoded latent, when computed here
    source: str = ""


@dataclass
class Numbers:
    identical: bool
    max_abs: float
    rel_l2: float

    def render(self, unit: str) -> str:
        same = "bit-identical" if self.identical else "different"
        return f"{same}; max abs {self.max_abs:.6g}{unit}; relative L2 {self.rel_l2:.3e}"


def numbers(a, b) -> Numbers:
    import torch

    a, b = (torch.from_numpy(x.copy()) if hasattr(x, "__array__") and not isinstance(x, torch.Tensor) else x
            for x in (a, b))
    ta, tb = a.double(), b.double()
    if ta.shape != tb.shape:
        raise UsageError(f"cannot compare: shapes differ ({tuple(ta.shape)} vs {tuple(tb.shape)})")
    diff = (ta - tb)
    norm = float(ta.norm())
    rel = float(diff.norm()) / norm if norm > 0 else (0.0 if float(diff.norm()) == 0 else float("inf"))
    return Numbers(bool(torch.equal(torch.as_tensor(a), torch.as_tensor(b))), float(diff.abs().max()), rel)


def load_side(spec: Path, settings, store, overrides=(), work: Path | None = None) -> Side:
    """A PNG (its pixels), a sweep cell manifest (its image), or a workflow (run here: pixels and latent)."""
    name = spec.name.lower()
    if name.endswith(".cell.json"):
        try:
            files = json.loads(spec.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError) as exc:
            raise UsageError(f"cannot read sweep cell {spec}: {exc}") from None
        png = next((Path(f) for f in files if f.lower().endswith(".png")), None)
        if png is None:
            raise UsageError(f"sweep cell {spec} has no PNG")
        return _png_side(png, label=spec.name[: -len(".cell.json")])
    if name.endswith(".png") and not overrides:
        return _png_side(spec)
    return _run_side(spec, settings, store, overrides, work)


def _png_side(path: Path, label: str | None = None) -> Side:
    import numpy as np
    from PIL import Image

    try:
        with Image.open(path) as im:
            pixels = np.asarray(im.convert("RGB"))
    except OSError as exc:
        raise UsageError(f"cannot read image {path}: {exc}") from None
    return Side(label or path.name, pixels, None, str(path))


def _run_side(path: Path, settings, store, overrides, work: Path | None) -> Side:
    """Run the workflow; the first VAEDecode in execution order gives the image and the latent it decoded."""
    import tempfile

    from graphrun.compile.plan import Link
    from graphrun.runtime.run import prepare, run_workflow
    from graphrun.runtime.context import RunContext

    out = Path(work or tempfile.mkdtemp(prefix="graphrun-compare-"))
    s = settings.model_copy(update={"output_dir": out / "output", "temp_dir": out / "temp"})
    plan = prepare(path, RunContext(settings=s), overrides=overrides).plan
    result = run_workflow(path, s, overrides=overrides, store=store, log=lambda m: None)
    decode = next((st for st in plan if st.class_type == "VAEDecode"), None)
    if decode is None:
        raise UsageError(f"{path}: no VAEDecode node to compare", [Issue("nothing_to_compare", "no VAEDecode")])
    image = result.outputs[decode.node_id][0]
    link = decode.inputs.get("samples")
    latent = result.outputs[link.node_id][link.slot] if isinstance(link, Link) else None
    latent = getattr(latent, "samples", latent)
    from graphrun.backend.images import to_uint8

    label = path.name + (" " + " ".join(f"{o.node}.{o.input}={o.value}" for o in overrides) if overrides else "")
    return Side(label, to_uint8(image[0]), latent, str(path))


def compare(a: Side, b: Side) -> dict[str, Any]:
    out: dict[str, Any] = {"a": a.source or a.label, "b": b.source or b.label}
    px = numbers(a.pixels, b.pixels)
    out["pixels"] = {"bit_identical": px.identical, "max_abs": px.max_abs, "rel_l2": px.rel_l2}
    if a.latent is not None and b.latent is not None:
        lt = numbers(a.latent, b.latent)
        out["latents"] = {"bit_identical": lt.identical, "max_abs": lt.max_abs, "rel_l2": lt.rel_l2}
    else:
        out["latents"] = None  # a PNG holds no latent
    out["bit_identical"] = px.identical and (out["latents"] is None or out["latents"]["bit_identical"])
    return out


def heat_map(a, b):
    """|a−b| (max over channels) scaled so the largest difference is white: black → red → yellow → white."""
    import numpy as np

    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2).astype(np.float64)
    top = diff.max()
    t = diff / top if top > 0 else diff
    rgb = np.stack([np.clip(3 * t, 0, 1), np.clip(3 * t - 1, 0, 1), np.clip(3 * t - 2, 0, 1)], axis=2)
    return (rgb * 255).round().astype(np.uint8), float(top)


def write_picture(a: Side, b: Side, report: dict[str, Any], target: Path) -> Path:
    """A | B | heat map, labelled, with the numbers underneath (Pillow's bundled font)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont
    from PIL.PngImagePlugin import PngInfo

    heat, top = heat_map(a.pixels, b.pixels)
    h, w = a.pixels.shape[:2]
    scale = max(1, 256 // max(h, w))
    tiles = [Image.fromarray(np.ascontiguousarray(x)).resize((w * scale, h * scale), Image.Resampling.NEAREST)
             for x in (a.pixels, b.pixels, heat)]
    font = ImageFont.load_default(size=16)
    pad, tw, th = 8, w * scale, h * scale
    lines = [f"pixels: {_line(report['pixels'], ' levels')}",
             "latents: " + (_line(report["latents"], "") if report["latents"] else "n/a (a PNG holds no latent)")]
    canvas = Image.new("RGB", (3 * tw + 4 * pad, th + 6 * pad + 3 * 22), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (tile, text) in enumerate(zip(tiles, (f"A: {a.label}", f"B: {b.label}",
                                                 f"|A-B| (white = {top:.0f} levels)"))):
        x = pad + i * (tw + pad)
        draw.text((x, pad), _clip(draw, text, font, tw), fill=(0, 0, 0), font=font)
        canvas.paste(tile, (x, pad + 24))
    for j, text in enumerate(lines):
        draw.text((pad, th + 2 * pad + 24 + j * 22), text, fill=(0, 0, 0), font=font)
    info = PngInfo()
    info.add_text("graphrun_compare", json.dumps(report))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    canvas.save(tmp, format="PNG", pnginfo=info)
    os.replace(tmp, target)
    return target


def _line(d: dict[str, Any], unit: str) -> str:
    return Numbers(d["bit_identical"], d["max_abs"], d["rel_l2"]).render(unit)


def _clip(draw, text: str, font, width: int) -> str:
    """Keep the end of a long label (where the swept values are): "A: …start_at_step-9"."""
    head, tail = text[:3], text[3:]
    while len(tail) > 4 and draw.textlength(head + "…" + tail, font=font) > width:
        tail = tail[1:]
    return text if tail == text[3:] else head + "…" + tail
