"""Sweep axes: `NODE.INPUT=VALUES` parsed, resolved against the workflow's prompt, and checked before any run.

VALUES is a comma list (`0,1,9,20`; items are JSON when they parse, else strings), an inclusive range
`START:STOP:STEP` (`1.0:0.0:-0.25` -> 1.0, 0.75, 0.5, 0.25, 0.0), or file names / globs for file inputs
(`LoadImage.image=input/a.png,input/b*.png`: paths inside the input folder become the names LoadImage takes).
"""

from __future__ import annotations

import glob
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from graphrun.errors import Issue, UsageError
from graphrun.workflow.api import is_link

MAX_AXES = 3  # X, Y, and one sheet per Z value
MAX_RANGE_VALUES = 1000


@dataclass(frozen=True)
class AxisSpec:
    """An axis as typed: node reference (id, title or class), input name, raw values text."""

    node: str
    input: str
    values_text: str

    @classmethod
    def parse(cls, text: str) -> AxisSpec:
        key, sep, raw = text.partition("=")
        node, dot, name = key.rpartition(".")
        if not sep or not dot or not node.strip() or not name.strip() or not raw.strip():
            raise UsageError(f"--axis expects NODE.INPUT=VALUES (e.g. KSampler.denoise=1.0:0.0:-0.25), got {text!r}")
        return cls(node.strip(), name.strip(), raw.strip())


@dataclass(frozen=True)
class Axis:
    """A resolved axis: the execution node id, its title, the input, and the values to try."""

    node_id: str
    title: str
    input: str
    values: tuple[Any, ...]

    @property
    def name(self) -> str:
        return f"{self.title}.{self.input}"

    def label(self, value: Any) -> str:
        return f"{self.input}={format_value(value)}"


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return repr(round(value, 10)).rstrip("0").rstrip(".") if value != int(value) else f"{value:.1f}"
    return str(value)


def file_token(value: Any) -> str:
    """A value as it appears in file names: no path separators or odd characters, file extensions dropped."""
    text = format_value(value)
    if isinstance(value, str) and "." in text and not _is_number(text):
        text = Path(text).stem
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_") or "empty"


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def parse_values(text: str, *, input_dir: Path | None = None, files: str | None = None) -> list[Any]:
    """The values of an axis (see module docstring). `files` is the folder kind of a file input, if any."""
    if _looks_like_range(text):
        return _range(text)
    items = [t.strip() for t in _split(text) if t.strip()]
    if not items:
        raise UsageError(f"--axis: no values in {text!r}")
    out: list[Any] = []
    for item in items:
        if files is not None and any(c in item for c in "*?["):
            matches = sorted(glob.glob(item))
            if not matches:
                raise UsageError(f"--axis: no file matches {item!r}")
            out.extend(_file_name(m, input_dir, files) for m in matches)
        elif files is not None and ("/" in item or "\\" in item):
            out.append(_file_name(item, input_dir, files))
        else:
            try:
                out.append(json.loads(item))
            except json.JSONDecodeError:
                out.append(item)
    return out


def _split(text: str) -> list[str]:
    """Split on commas outside JSON strings/brackets (so `"a, b",c` is two values)."""
    parts, depth, quote, cur = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "[{":
            depth += 1
        elif not quote and ch in "]}":
            depth -= 1
        if ch == "," and not quote and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def _looks_like_range(text: str) -> bool:
    return "," not in text and re.fullmatch(r"\s*-?[\d.eE+-]+\s*:\s*-?[\d.eE+-]+\s*(:\s*-?[\d.eE+-]+\s*)?", text) \
        is not None


def _range(text: str) -> list[Any]:
    """START:STOP[:STEP], STOP included when reached; decimal arithmetic so 0.1 steps stay exact."""
    parts = [p.strip() for p in text.split(":")]
    try:
        start, stop = Decimal(parts[0]), Decimal(parts[1])
        step = Decimal(parts[2]) if len(parts) == 3 else Decimal(1 if stop >= start else -1)
    except InvalidOperation:
        raise UsageError(f"--axis: bad range {text!r} (START:STOP:STEP)") from None
    if step == 0 or (stop - start) * step < 0:
        raise UsageError(f"--axis: the range {text!r} never reaches its end (step {step})")
    count = int((stop - start) / step) + 1
    if count > MAX_RANGE_VALUES:
        raise UsageError(f"--axis: the range {text!r} has {count} values (at most {MAX_RANGE_VALUES})")
    as_int = all("." not in p and "e" not in p.lower() for p in parts)
    values = [start + i * step for i in range(count)]
    return [int(v) if as_int else float(v) for v in values]


def _file_name(path: str, input_dir: Path | None, folder: str) -> str:
    """A file path given for a file input -> the name the node takes (relative to the input folder)."""
    p = Path(path)
    if folder.startswith("input") and input_dir is not None:
        try:
            return p.resolve().relative_to(Path(input_dir).resolve()).as_posix()
        except ValueError:
            raise UsageError(f"--axis: {path} is not inside the input folder {input_dir} "
                             f"(copy it there or pass --input-dir)") from None
    return p.name


def resolve_axis(spec: AxisSpec, prompt: dict[str, Any], registry, *, input_dir: Path | None = None) -> Axis:
    """Find the node and input, refuse linked or undeclared inputs, parse the values. Range and combo checks
    come from validating every cell's prompt (sweep/plan.py), so they read as ComfyUI's validation does."""
    from graphrun.runtime.overrides import find_node

    try:
        node_id = find_node(prompt, spec.node)
    except UsageError as exc:
        raise UsageError(exc.message.replace("--set", "--axis"), exc.issues) from None
    node = prompt[node_id]
    class_type = node.get("class_type")
    node_type = registry.get(class_type)
    declared = {i.name: i for i in node_type.INPUTS} if node_type is not None else {}
    title = (node.get("_meta") or {}).get("title") or class_type
    where = f"node {node_id} ({title})"
    if spec.input not in declared:
        raise UsageError(f"--axis: {where} has no input {spec.input!r}", [Issue(
            "unknown_input", f"no input {spec.input!r}", node_id=node_id, class_type=class_type,
            input_name=spec.input, allowed=", ".join(declared) or None)])
    current = (node.get("inputs") or {}).get(spec.input)
    if is_link(current):
        raise UsageError(f"--axis: input {spec.input!r} of {where} is linked from node {current[0]} output "
                         f"{current[1]}; sweep a constant input (e.g. on the node that feeds it)", [Issue(
                             "linked_input", "an axis needs a constant input, this one is linked",
                             node_id=node_id, class_type=class_type, input_name=spec.input, value=current)])
    values = parse_values(spec.values_text, input_dir=input_dir, files=declared[spec.input].files)
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise UsageError(f"--axis: {where} input {spec.input!r}: value {v} is not a finite number")
    return Axis(node_id, str(title), spec.input, tuple(values))
