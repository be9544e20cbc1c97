"""Contact sheets: one labelled grid PNG per Z value (X values across the top, Y values down the left, the Z
value and the axis names in the title). The font is Pillow's bundled one (`ImageFont.load_default(size)`), so
the sheet looks the same on every machine; nothing is read from the system's fonts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphrun.sweep.cells import CellResult
from graphrun.sweep.plan import SweepPlan

PAD = 8
BG = (255, 255, 255)
FG = (20, 20, 20)
MISSING = (200, 60, 60)


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _text_size(draw, text: str, font) -> tuple[int, int]:
    box = draw.textbbox((0, 0), text, font=font)
    return box[2] - box[0], box[3] - box[1]


def first_image(result: CellResult | None) -> Path | None:
    if result is None or not result.ok:
        return None
    return next((Path(f) for f in result.files if f.lower().endswith(".png")), None)


def write_sheets(plan: SweepPlan, results: list[CellResult], *, metadata: dict[str, Any] | None = None) -> list[Path]:
    """Write one sheet per Z value under plan.out_dir; returns their paths."""
    from PIL import Image

    nx, ny, nz = plan.shape
    by_index = {r.index: r for r in results}
    sizes = [Image.open(p).size for r in results if (p := first_image(r)) is not None]
    if not sizes:
        return []
    cw, ch = sizes[0]
    # thumbnails between 192 and 384/512 px on the long side: small stand-in outputs are enlarged to be seen
    longest = 384 if nx * ny > 16 else 512
    scale = max(192 / max(cw, ch), min(1.0, longest / max(cw, ch)))
    tw, th = max(1, round(cw * scale)), max(1, round(ch * scale))
    font_size = max(14, min(28, tw // 12))
    font, title_font = _font(font_size), _font(font_size + 4)
    out = []
    for z in range(nz):
        sheet = _sheet(plan, by_index, z, (tw, th), font, title_font)
        name = f"{plan.workflow.stem}_sheet" + (f"_{_ztoken(plan, z)}" if nz > 1 else "") + ".png"
        out.append(_save(sheet, plan.out_dir / name, metadata))
    return out


def _ztoken(plan: SweepPlan, z: int) -> str:
    from graphrun.sweep.axes import file_token

    axis = plan.axes[2]
    return f"{axis.input}-{file_token(axis.values[z])}"


def _sheet(plan: SweepPlan, by_index: dict[int, CellResult], z: int, thumb: tuple[int, int], font, title_font):
    from PIL import Image, ImageDraw

    nx, ny, _ = plan.shape
    tw, th = thumb
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    xlabels = [plan.value_label(0, x, short=True) for x in range(nx)]
    ylabels = [plan.value_label(1, y, short=True) for y in range(ny)] if ny > 1 else []
    xlabels = [_fit(probe, t, font, tw) for t in xlabels]
    line_h = _text_size(probe, "Ag", font)[1] + PAD
    left = (max(_text_size(probe, t, font)[0] for t in ylabels) + 2 * PAD) if ylabels else PAD
    title = f"columns: {plan.axis_label(0)}" + (f"   rows: {plan.axis_label(1)}" if ny > 1 else "")
    if plan.shape[2] > 1:
        title = f"{plan.value_label(2, z)}  —  {title}"
    title_h = _text_size(probe, title, title_font)[1] + 2 * PAD
    top = title_h + line_h + PAD
    width = max(left + nx * (tw + PAD) + PAD, _text_size(probe, title, title_font)[0] + 2 * PAD)
    height = top + ny * (th + PAD) + PAD
    sheet = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(sheet)
    draw.text((PAD, PAD), title, fill=FG, font=title_font)
    for x, label in enumerate(xlabels):
        lx = left + x * (tw + PAD) + (tw - _text_size(draw, label, font)[0]) // 2
        draw.text((lx, title_h + PAD // 2), label, fill=FG, font=font)
    for y in range(ny):
        oy = top + y * (th + PAD)
        if ylabels:
            draw.text((PAD, oy + (th - line_h) // 2), ylabels[y], fill=FG, font=font)
        for x in range(nx):
            ox = left + x * (tw + PAD)
            cell = plan.cell_at(x, y, z)
            path = first_image(by_index.get(cell.index))
            if path is None:
                draw.rectangle((ox, oy, ox + tw - 1, oy + th - 1), outline=MISSING, width=3)
                draw.text((ox + PAD, oy + PAD), "failed" if cell.index in by_index else "missing", fill=MISSING,
                          font=font)
                continue
            img = Image.open(path).convert("RGB")
            if img.size != (tw, th):
                img = img.resize((tw, th), Image.Resampling.LANCZOS)
            sheet.paste(img, (ox, oy))
    return sheet


def _fit(draw, text: str, font, width: int) -> str:
    """Shorten a label with an ellipsis so it stays above its own column."""
    if _text_size(draw, text, font)[0] <= width:
        return text
    while len(text) > 1 and _text_size(draw, text + "…", font)[0] > width:
        text = text[:-1]
    return text + "…"


def _save(image, target: Path, metadata: dict[str, Any] | None) -> Path:
    """Atomic PNG write with the sweep description as a `graphrun_sweep` text chunk."""
    import os

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if metadata is not None:
        info.add_text("graphrun_sweep", json.dumps(metadata))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    image.save(tmp, format="PNG", pnginfo=info)
    os.replace(tmp, target)
    return target
