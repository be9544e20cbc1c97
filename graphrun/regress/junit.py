"""JUnit XML for CI systems: one testcase per workflow; a regression or a missing golden is a <failure>
(type "regression" / "missing-golden"), a broken workflow an <error> with its error type."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from graphrun.regress.runner import Outcome


def _case(out: Outcome, root: Path | None) -> ET.Element:
    path = out.path
    try:
        rel = path.resolve().relative_to(root.resolve()) if root else path
    except ValueError:
        rel = path
    classname = ".".join(p for p in rel.parent.parts if p not in ("", ".")) or "workflows"
    case = ET.Element("testcase", classname=classname, name=rel.name, time=f"{out.seconds:.3f}")
    if out.status == "fail":
        el = ET.SubElement(case, "failure", type="regression", message=out.message)
        cmp = out.comparison
        if cmp is not None:
            lines = [d.describe() for d in cmp.nodes if d.status != "same"] + list(cmp.context)
            el.text = "\n".join(lines)
    elif out.status == "missing":
        ET.SubElement(case, "failure", type="missing-golden", message=out.message)
    elif out.status == "error":
        el = ET.SubElement(case, "error", type=out.error_type or "error", message=out.message)
        el.text = "\n".join(out.details)
    out_lines = [f"{out.status}: {out.message}".rstrip(": ")] + [f"node {n} {c}: {s:.3f}s" for n, c, s in out.nodes]
    ET.SubElement(case, "system-out").text = "\n".join(out_lines)
    return case


def render_junit(outcomes: Sequence[Outcome], *, name: str = "graphrun test", root: Path | None = None) -> str:
    """A <testsuites> document with one <testsuite> of all workflows."""
    suite = ET.Element("testsuite", name=name, tests=str(len(outcomes)),
                       failures=str(sum(o.status in ("fail", "missing") for o in outcomes)),
                       errors=str(sum(o.status == "error" for o in outcomes)), skipped="0",
                       time=f"{sum(o.seconds for o in outcomes):.3f}")
    for out in outcomes:
        suite.append(_case(out, root))
    top = ET.Element("testsuites", name=name)
    top.append(suite)
    ET.indent(top)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode") + "\n"


def write_junit(outcomes: Sequence[Outcome], path: Path, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_junit(outcomes, **kwargs), encoding="utf-8")
    return path
