"""Compare a rerun with its golden node by node, in execution order. A workflow fails when any node's output
moves beyond the tolerance (or the graph's nodes or delivered values change); the first such node is the
diagnosis, so a prompt change shows at CLIPTextEncode even when a decoder happens to hide it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from graphrun.regress.capture import Record, final_values
from graphrun.regress.config import Tolerance


@dataclass(frozen=True)
class OutputDiff:
    """One output slot against its golden: changed (bits differ), beyond (outside tolerance), and by how much."""

    node_id: str
    slot: int
    type: str
    changed: bool
    beyond: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    def describe(self) -> str:
        m = self.metrics
        if self.detail:
            text = self.detail
        elif "psnr" in m:
            psnr = "inf" if m["psnr"] == math.inf else f"{m['psnr']:.1f}"
            text = f"PSNR {psnr} dB, max level {m['max_level']}, {m['pixels_changed'] * 100:.1f}% pixels differ"
        elif "max_abs" in m:
            text = f"max-abs {m['max_abs']:.3g}, rel-L2 {m['rel_l2']:.3g}" + (" (sampled)" if m.get("sampled") else "")
        else:
            text = "changed" if self.changed else "identical"
        return f"{self.type}[{self.slot}] {text}"


@dataclass(frozen=True)
class NodeDiff:
    """One executed node: same | within (changed inside tolerance) | diverged | added | removed | retyped."""

    node_id: str
    class_type: str
    title: str | None
    status: str
    outputs: tuple[OutputDiff, ...] = ()
    changed_inputs: tuple[tuple[str, Any, Any], ...] = ()
    seconds: float | None = None
    golden_seconds: float | None = None

    @property
    def label(self) -> str:
        title = f" '{self.title}'" if self.title and self.title != self.class_type else ""
        return f"node {self.node_id} ({self.class_type}{title})"

    def describe(self) -> str:
        """Status plus the worst outputs and changed inputs, on one line."""
        if self.status in ("added", "removed", "retyped"):
            return f"{self.label}: {self.status} since the golden"
        moved = [o.describe() for o in self.outputs if o.changed] or ["outputs identical"]
        text = f"{self.label}: " + "; ".join(moved)
        if self.changed_inputs:
            text += "; inputs changed: " + ", ".join(f"{n} {_short(a)} -> {_short(b)}" for n, a, b in self.changed_inputs)
        return text


@dataclass(frozen=True)
class Comparison:
    """The verdict for one workflow and the evidence: node diffs in execution order, first divergence, and the
    delivered values (inputs of output nodes) compared."""

    passed: bool
    tolerance: Tolerance
    nodes: tuple[NodeDiff, ...]
    first: NodeDiff | None  # first divergent node (only when failed)
    finals: tuple[OutputDiff, ...]
    context: tuple[str, ...] = ()  # versions/settings/workflow-file differences against the golden
    problems: tuple[str, ...] = ()  # delivered values that are missing on one side

    @property
    def identical(self) -> bool:
        """Every node's every output has the golden's exact bits (whatever the tolerance allowed)."""
        return not self.problems and all(d.status == "same" for d in self.nodes)

    def verdict(self) -> str:
        """What the rerun actually was: bit-identical, within the tolerance (and how far), or not."""
        if self.identical:
            return "bit-identical to the golden"
        if not self.passed:
            return "differs beyond the tolerance"
        worst = [f"{d.label} {o.describe()}" for d in self.nodes for o in d.outputs if o.changed][:1]
        return "within tolerance, not bit-identical" + (f" (first change: {worst[0]})" if worst else "")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def tensor_metrics(actual: torch.Tensor, golden: torch.Tensor) -> dict[str, Any]:
    """max-abs and relative L2 of actual - golden (float64), or the shapes when they differ."""
    if tuple(actual.shape) != tuple(golden.shape):
        return {"shape": [list(golden.shape), list(actual.shape)]}
    a, g = actual.detach().cpu().double(), golden.detach().cpu().double()
    nonfinite = bool((torch.isfinite(a) != torch.isfinite(g)).any())
    a, g = torch.nan_to_num(a), torch.nan_to_num(g)
    diff = a - g
    max_abs = float(diff.abs().max()) if diff.numel() else 0.0
    ref = float(torch.linalg.vector_norm(g))
    rel = float(torch.linalg.vector_norm(diff)) / (ref if ref > 0 else 1.0)
    return {"max_abs": max_abs, "rel_l2": rel, **({"nonfinite": True} if nonfinite else {})}


def image_metrics(actual: np.ndarray, golden: np.ndarray) -> dict[str, Any]:
    """PSNR (8-bit peak), largest per-pixel level difference and fraction of pixels that differ."""
    if actual.shape != golden.shape:
        return {"shape": [list(golden.shape), list(actual.shape)]}
    diff = np.abs(actual.astype(np.int16) - golden.astype(np.int16))
    mse = float((diff.astype(np.float64) ** 2).mean()) if diff.size else 0.0
    psnr = math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)
    changed = float((diff.max(axis=-1) > 0).mean()) if diff.size else 0.0
    return {"psnr": psnr, "max_level": int(diff.max()) if diff.size else 0, "pixels_changed": changed}


def _worst(items: list[dict[str, Any]]) -> dict[str, Any]:
    if any("shape" in m for m in items):
        return next(m for m in items if "shape" in m)
    out: dict[str, Any] = {}
    for m in items:
        for k, v in m.items():
            if k in ("psnr",):
                out[k] = min(out.get(k, math.inf), v)
            elif isinstance(v, bool):
                out[k] = out.get(k, False) or v
            else:
                out[k] = max(out.get(k, 0), v)
    return out


def _beyond(m: dict[str, Any], tol: Tolerance) -> bool:
    if tol.mode == "exact" or "shape" in m or m.get("nonfinite"):
        return True
    checks = [("max_abs", tol.latent_max_abs, False), ("rel_l2", tol.latent_rel_l2, False),
              ("psnr", tol.image_psnr, True), ("max_level", tol.image_max_level, False)]
    for key, limit, lower_bound in checks:
        if key in m and limit is not None and (m[key] < limit if lower_bound else m[key] > limit):
            return True
    return False


def _tensor_keys(out: dict[str, Any]) -> list[str]:
    keys = [out["tensor"]] if "tensor" in out else []
    if isinstance(out.get("noise_mask"), dict):
        keys.append(out["noise_mask"]["tensor"])
    for entry in out.get("entries", []):
        keys.append(entry["cond"]["tensor"])
        keys += [e["tensor"] for e in entry["extras"].values() if isinstance(e, dict) and "tensor" in e]
    return keys


def _plain_extras(out: dict) -> list[dict]:
    return [{k: v for k, v in e["extras"].items() if not (isinstance(v, dict) and "tensor" in v)}
            for e in out.get("entries", [])]


def compare_output(g: dict, a: dict, golden: Record, actual: Record, tol: Tolerance, node_id: str) -> OutputDiff:
    """One slot: identical hashes are equal; otherwise measure by kind and judge against the tolerance."""
    slot, typ = a["slot"], a.get("type", "*")
    if g.get("sha256") == a.get("sha256") and g.get("kind") == a.get("kind"):
        return OutputDiff(node_id, slot, typ, False, False)
    if g.get("kind") != a.get("kind"):
        return OutputDiff(node_id, slot, typ, True, True, detail=f"kind {g.get('kind')} -> {a.get('kind')}")
    kind = a["kind"]
    if kind == "model":
        return OutputDiff(node_id, slot, typ, True, True, detail=f"model {g.get('fingerprint')} -> {a.get('fingerprint')}")
    if kind == "object":
        return OutputDiff(node_id, slot, typ, True, True, detail=f"{a.get('class')} content changed")
    if kind == "value":
        return OutputDiff(node_id, slot, typ, True, True, detail=f"value {_short(g.get('value'))} -> {_short(a.get('value'))}")
    if g.get("shape") != a.get("shape"):
        return OutputDiff(node_id, slot, typ, True, True, detail=f"shape {g.get('shape')} -> {a.get('shape')}")
    if kind == "image":
        pairs = list(zip(g.get("png", []), a.get("png", [])))
        if len(g.get("png", [])) != len(a.get("png", [])):
            return OutputDiff(node_id, slot, typ, True, True, detail=f"batch {len(g['png'])} -> {len(a['png'])}")
        m = _worst([image_metrics(actual.images[y], golden.images[x]) for x, y in pairs])
    else:
        gk, ak = _tensor_keys(g), _tensor_keys(a)
        if len(gk) != len(ak) or any(k not in golden.tensors for k in gk):
            return OutputDiff(node_id, slot, typ, True, True, detail="structure changed (tensor count)")
        if kind == "conditioning" and _plain_extras(g) != _plain_extras(a):
            return OutputDiff(node_id, slot, typ, True, True, detail="conditioning extras changed")
        m = _worst([tensor_metrics(actual.tensors[y], golden.tensors[x]) for x, y in zip(gk, ak)])
        if "sample_stride" in g:
            m["sampled"] = True
    if "shape" in m:
        return OutputDiff(node_id, slot, typ, True, True, m, detail=f"shape {m['shape'][0]} -> {m['shape'][1]}")
    return OutputDiff(node_id, slot, typ, True, _beyond(m, tol), m)


def _changed_inputs(g: dict, a: dict) -> tuple[tuple[str, Any, Any], ...]:
    gi, ai = g.get("inputs", {}), a.get("inputs", {})
    return tuple((k, gi.get(k), ai.get(k)) for k in list(ai) + [k for k in gi if k not in ai] if gi.get(k) != ai.get(k))


def compare_node(g: dict | None, a: dict, golden: Record, actual: Record, tol: Tolerance) -> NodeDiff:
    """One executed node against the golden node with the same id."""
    base = dict(node_id=a["id"], class_type=a["class_type"], title=a.get("title"), seconds=a.get("seconds"))
    if g is None:
        return NodeDiff(status="added", **base)
    base["golden_seconds"] = g.get("seconds")
    if g["class_type"] != a["class_type"]:
        return NodeDiff(status="retyped", **base)
    outs = []
    for out in a.get("outputs", []):
        gold = next((o for o in g.get("outputs", []) if o["slot"] == out["slot"]), None)
        outs.append(OutputDiff(a["id"], out["slot"], out.get("type", "*"), True, True, detail="new output")
                    if gold is None else compare_output(gold, out, golden, actual, tol, a["id"]))
    if len(g.get("outputs", [])) > len(outs):
        outs.append(OutputDiff(a["id"], len(outs), "*", True, True, detail="output missing"))
    status = "diverged" if any(o.beyond for o in outs) else "within" if any(o.changed for o in outs) else "same"
    return NodeDiff(status=status, outputs=tuple(outs), changed_inputs=_changed_inputs(g, a), **base)


def context_changes(golden: dict, actual: dict) -> tuple[str, ...]:
    """What differs around the run: versions, device, settings, the workflow file itself."""
    notes = []
    for section in ("environment", "settings"):
        ge, ae = golden.get(section, {}), actual.get(section, {})
        for key in sorted(set(ge) | set(ae)):
            if section == "settings" and key == "device":
                continue  # the request ('auto', 'cpu'); the device used is environment.device
            if ge.get(key) != ae.get(key):
                notes.append(f"{key}: {_short(ge.get(key), 60)} -> {_short(ae.get(key), 60)}")
    if golden.get("workflow_sha256") and golden.get("workflow_sha256") != actual.get("workflow_sha256"):
        notes.append("the workflow file changed since the golden was recorded")
    return tuple(notes)


def compare_records(golden: Record, actual: Record, tolerance: Tolerance) -> Comparison:
    """Judge `actual` against `golden`; the tolerance mode `auto` is resolved from the two devices."""
    tol = tolerance.resolve(golden.manifest.get("environment", {}), actual.manifest.get("environment", {}))
    diffs = [compare_node(golden.node(a["id"]), a, golden, actual, tol) for a in actual.node_list()]
    seen = {d.node_id for d in diffs}
    diffs += [NodeDiff(g["id"], g["class_type"], g.get("title"), "removed", golden_seconds=g.get("seconds"))
              for g in golden.node_list() if g["id"] not in seen]
    by_slot = {(o.node_id, o.slot): o for d in diffs for o in d.outputs}
    finals, problems = [], []
    for ref in dict.fromkeys(final_values(golden.manifest) + final_values(actual.manifest)):
        if ref in by_slot:
            finals.append(by_slot[ref])
        else:
            problems.append(f"output {ref[0]}[{ref[1]}] is delivered by only one of golden and rerun")
    bad = [d for d in diffs if d.status in ("diverged", "added", "removed", "retyped")]
    passed = not problems and not bad
    first = None if passed else (bad[0] if bad else next((d for d in diffs if d.status == "within"), None))
    return Comparison(passed, tol, tuple(diffs), first, tuple(finals),
                      context_changes(golden.manifest, actual.manifest), tuple(problems))
