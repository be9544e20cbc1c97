"""A self-contained HTML report (inline CSS, images as data URIs): status, expected | actual | difference,
the first divergent node, the per-node table and timings for every workflow."""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path

from graphrun.regress.runner import ImageSet, Outcome

MAX_SIDE = 512  # embedded images are downscaled to this; full-size PNGs stay beside the report

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2125;background:#f6f7f9}
h1{font-size:20px;margin:0 0 8px} h2{font-size:16px;margin:0 0 6px;word-break:break-all}
.summary span{margin-right:14px} section{background:#fff;border:1px solid #d8dde3;border-left-width:6px;
border-radius:6px;padding:14px 16px;margin:14px 0} .badge{display:inline-block;padding:1px 8px;border-radius:10px;
color:#fff;font-weight:600;font-size:12px;margin-right:8px;text-transform:uppercase}
.pass{border-left-color:#2e9e4f} .pass .badge,.b-pass{background:#2e9e4f}
.fail{border-left-color:#d1383d} .fail .badge,.b-fail{background:#d1383d}
.error{border-left-color:#8a1fb3} .error .badge,.b-error{background:#8a1fb3}
.missing{border-left-color:#d98a00} .missing .badge,.b-missing{background:#d98a00}
.recorded,.updated{border-left-color:#2f6fd1} .recorded .badge,.updated .badge,.b-recorded,.b-updated{background:#2f6fd1}
.divergence{background:#fff3f3;border:1px solid #f0b8ba;padding:8px 10px;border-radius:4px;margin:8px 0}
.images{display:flex;gap:14px;flex-wrap:wrap;margin:10px 0} figure{margin:0;text-align:center}
figure img{width:256px;height:auto;image-rendering:pixelated;border:1px solid #ccd;background:#eee}
figcaption{font-size:12px;color:#555} table{border-collapse:collapse;font-size:12.5px;margin-top:8px}
td,th{border-bottom:1px solid #e4e7eb;padding:3px 8px;text-align:left;vertical-align:top}
tr.diverged td{background:#fde8e9} tr.within td{background:#fff8e1} tr.first td{font-weight:600}
pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px} .muted{color:#667}
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.querySelectorAll('img'));
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok));
});
"""


def _data_uri(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        if max(im.size) > MAX_SIDE:
            scale = MAX_SIDE / max(im.size)
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(path: Path | None, caption: str, cls: str) -> str:
    uri = _data_uri(path)
    if uri is None:
        return f'<figure class="{cls}"><div class="muted" style="width:256px">(none)</div><figcaption>{escape(caption)}</figcaption></figure>'
    return f'<figure class="{cls}"><img alt="{escape(caption)}" src="{uri}"><figcaption>{escape(caption)}</figcaption></figure>'


def _images(sets: Sequence[ImageSet]) -> str:
    parts = []
    for s in sets:
        gain = f"difference ×{s.gain:.3g}" if s.diff else "difference"
        parts.append(f'<div class="muted">{escape(s.label)}{" — " + escape(s.note) if s.note else ""}</div>'
                     f'<div class="images">{_figure(s.expected, "expected", "expected")}'
                     f'{_figure(s.actual, "actual", "actual")}{_figure(s.diff, gain, "difference")}</div>')
    return "".join(parts)


def _seconds(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}s"


def _node_table(out: Outcome) -> str:
    rows = []
    cmp = out.comparison
    if cmp is not None:
        for d in cmp.nodes:
            cls = d.status + (" first" if cmp.first is not None and d.node_id == cmp.first.node_id else "")
            moved = "; ".join(o.describe() for o in d.outputs if o.changed)
            if d.changed_inputs:
                moved += ("; " if moved else "") + "inputs: " + ", ".join(f"{n} {a!r} → {b!r}" for n, a, b in d.changed_inputs)
            rows.append(f'<tr class="{cls}"><td>{escape(d.node_id)}</td><td>{escape(d.class_type)}</td>'
                        f'<td>{escape(d.title or "")}</td><td>{escape(d.status)}</td><td>{escape(moved)}</td>'
                        f'<td>{_seconds(d.golden_seconds)}</td><td>{_seconds(d.seconds)}</td></tr>')
        head = "<tr><th>node</th><th>class</th><th>title</th><th>status</th><th>difference</th><th>golden</th><th>now</th></tr>"
    else:
        for nid, cls_type, secs in out.nodes:
            rows.append(f"<tr><td>{escape(nid)}</td><td>{escape(cls_type)}</td><td>{_seconds(secs)}</td></tr>")
        head = "<tr><th>node</th><th>class</th><th>time</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>" if rows else ""


def _section(out: Outcome, n: int) -> str:
    cmp = out.comparison
    body = [f'<h2><span class="badge">{escape(out.status)}</span>{escape(str(out.path))}</h2>',
            f'<div class="muted">{out.seconds:.2f}s'
            + (f" · {escape(cmp.verdict())} · allowed: {escape(cmp.tolerance.allowed())}" if cmp else "")
            + (f" · golden {escape(str(out.golden))}" if out.golden else "") + "</div>"]
    if cmp is not None and cmp.first is not None:
        body.append(f'<div class="divergence" data-node="{escape(cmp.first.node_id)}"><b>First divergent node:</b> '
                    f'{escape(cmp.first.describe())}</div>')
    if out.message and not (cmp is not None and cmp.first is not None):
        body.append(f"<p>{escape(out.message)}</p>")
    if out.details:
        body.append(f"<pre>{escape(chr(10).join(out.details))}</pre>")
    if cmp is not None and cmp.context:
        body.append("<div class='muted'>Changed since the golden: " + escape("; ".join(cmp.context)) + "</div>")
    if out.stub_notes:
        body.append("<div class='muted'>Stub models: " + escape("; ".join(out.stub_notes)) + "</div>")
    body.append(_images(out.images))
    body.append(_node_table(out))
    return f'<section id="wf-{n}" class="{escape(out.status)}" data-status="{escape(out.status)}">{"".join(body)}</section>'


def render_html(outcomes: Sequence[Outcome], *, title: str = "graphrun test", environment: str = "") -> str:
    """The whole report as one HTML string; failing workflows first."""
    counts = Counter(o.status for o in outcomes)
    total = sum(o.seconds for o in outcomes)
    summary = "".join(f'<span><span class="badge b-{s}">{s}</span>{c}</span>' for s, c in sorted(counts.items()))
    ordered = sorted(outcomes, key=lambda o: (not o.failing, o.index))
    sections = "".join(_section(o, i) for i, o in enumerate(ordered))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
            f'<div class="summary">{summary}<span class="muted">{len(outcomes)} workflows · {total:.1f}s'
            f'{" · " + escape(environment) if environment else ""}</span></div>{sections}'
            f"<script>{SCRIPT}</script></body></html>")


def write_html(outcomes: Sequence[Outcome], path: Path, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(outcomes, **kwargs), encoding="utf-8")
    return path


