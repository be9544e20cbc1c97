"""The sweep's HTML page (the grid, each cell's settings, links to its PNGs) and its JSON summary."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from graphrun.sweep.cells import CellResult
from graphrun.sweep.plan import SweepPlan
from graphrun.sweep.sheet import first_image

PAGE = "index.html"
SUMMARY = "sweep.json"


def summary(plan: SweepPlan, results: list[CellResult], sheets: list[Path], seconds: float) -> dict[str, Any]:
    return {
        "workflow": str(plan.workflow),
        "paired": plan.paired,
        "axes": [{"node": a.node_id, "title": a.title, "input": a.input, "values": list(a.values)}
                 for a in plan.axes],
        "fixed": [[o.node, o.input, o.value] for o in plan.fixed],
        "shape": list(plan.shape),
        "sheets": [str(s) for s in sheets],
        "page": str(plan.out_dir / PAGE),
        "seconds": round(seconds, 3),
        "cells": [{**r.to_json(), "coords": list(plan.cells[r.index].coords)} for r in results],
    }


def write_summary(plan: SweepPlan, data: dict[str, Any]) -> Path:
    return _atomic(plan.out_dir / SUMMARY, json.dumps(data, indent=2, default=str))


def write_page(plan: SweepPlan, results: list[CellResult], sheets: list[Path]) -> Path:
    nx, ny, nz = plan.shape
    by_index = {r.index: r for r in results}
    esc = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>sweep {esc(plan.workflow.name)}</title>",
             "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:13px}"
             "img{max-width:256px;display:block}.bad{color:#b00}</style>",
             f"<h1>{esc(plan.workflow.name)}</h1>",
             "<p>" + "; ".join(f"<b>{esc(a.name)}</b> (node {esc(a.node_id)}): "
                                + ", ".join(esc(str(v)) for v in a.values) for a in plan.axes)
             + (" — paired" if plan.paired else "") + "</p>"]
    if plan.fixed:
        parts.append("<p>fixed: " + ", ".join(esc(f"{o.node}.{o.input}={o.value}") for o in plan.fixed) + "</p>")
    for s in sheets:
        parts.append(f"<p><a href='{esc(_rel(s, plan))}'>contact sheet {esc(s.name)}</a></p>")
    for z in range(nz):
        if nz > 1:
            parts.append(f"<h2>{esc(plan.value_label(2, z))}</h2>")
        parts.append("<table><tr><th></th>" + "".join(f"<th>{esc(plan.value_label(0, x))}</th>"
                                                       for x in range(nx)) + "</tr>")
        for y in range(ny):
            parts.append(f"<tr><th>{esc(plan.value_label(1, y))}</th>")
            for x in range(nx):
                cell = plan.cell_at(x, y, z)
                parts.append("<td>" + _cell_html(cell, by_index.get(cell.index), plan) + "</td>")
            parts.append("</tr>")
        parts.append("</table>")
    return _atomic(plan.out_dir / PAGE, "\n".join(parts) + "\n")


def _cell_html(cell, result: CellResult | None, plan: SweepPlan) -> str:
    esc = html.escape
    settings = "<br>".join(esc(f"node {n}.{i} = {json.dumps(v)}") for n, i, v in cell.overrides)
    if result is None or not result.ok:
        error = esc(result.error or "failed") if result is not None else "not run"
        return f"<span class='bad'>{error}</span><br>{settings}"
    img = first_image(result)
    pic = f"<a href='{esc(_rel(img, plan))}'><img src='{esc(_rel(img, plan))}' alt='{esc(cell.stem)}'></a>" \
        if img is not None else ""
    links = " ".join(f"<a href='{esc(_rel(Path(f), plan))}'>{esc(Path(f).name)}</a>" for f in result.files)
    timing = f"{result.seconds:.2f} s, {result.cached_nodes} node(s) cached" + (" (resumed)" if result.resumed else "")
    return f"{pic}{settings}<br>{links}<br><small>{esc(timing)}</small>"


def _rel(path: Path, plan: SweepPlan) -> str:
    return os.path.relpath(path, plan.out_dir).replace(os.sep, "/")


def _atomic(target: Path, text: str) -> Path:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
