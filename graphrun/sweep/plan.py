"""Plan a sweep: resolve the axes, lay the cells out (grid or --paired), and validate every cell's prompt before
anything runs, so a bad axis is one clear error instead of a half-finished sweep."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphrun.errors import Issue, UsageError, WorkflowError
from graphrun.runtime.overrides import Override
from graphrun.settings import Settings
from graphrun.sweep.axes import MAX_AXES, Axis, AxisSpec, file_token, resolve_axis
from graphrun.sweep.cells import CellTask

CELLS_DIR = "cells"


@dataclass(frozen=True)
class SweepPlan:
    """The resolved axes and every cell to compute. `shape` is (len x, len y, len z); paired sweeps are 1-D."""

    workflow: Path
    axes: tuple[Axis, ...]
    paired: bool
    cells: tuple[CellTask, ...]
    out_dir: Path
    shape: tuple[int, int, int]
    fixed: tuple[Override, ...] = ()

    @property
    def cells_dir(self) -> Path:
        return self.out_dir / CELLS_DIR

    def cell_at(self, x: int, y: int, z: int) -> CellTask:
        nx, ny, _ = self.shape
        return self.cells[(z * ny + y) * nx + x]

    def axis_label(self, dim: int) -> str:
        """Margin title of a sheet dimension (0 = x, 1 = y, 2 = z)."""
        if self.paired:
            return " + ".join(a.name for a in self.axes) if dim == 0 else ""
        return self.axes[dim].name if dim < len(self.axes) else ""

    def value_label(self, dim: int, index: int, *, short: bool = False) -> str:
        """`input=value` (short: just the value; the axis name is in the sheet's title)."""
        from graphrun.sweep.axes import format_value

        if self.paired:
            if dim != 0:
                return ""
            parts = [(a.input, a.values[index]) for a in self.axes]
            return ", ".join(format_value(v) if short else f"{n}={format_value(v)}" for n, v in parts)
        if dim >= len(self.axes):
            return ""
        axis = self.axes[dim]
        return format_value(axis.values[index]) if short else axis.label(axis.values[index])


def default_out_dir(workflow: Path, output_dir: Path) -> Path:
    return output_dir / "sweeps" / _stem(workflow)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".json", ".png"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return re.sub(r"[^A-Za-z0-9.()+-]+", "_", name).strip("_") or "workflow"


def plan_sweep(workflow: Path, specs: Sequence[AxisSpec], settings: Settings, *, out_dir: Path | None = None,
               paired: bool = False, fixed: Sequence[Override] = (), registry=None) -> SweepPlan:
    """Resolve axes against the workflow and validate every cell; raises UsageError/WorkflowError listing
    every problem (node id, input, value and cell) before any model is loaded."""
    from graphrun.nodes.base import default_registry
    from graphrun.runtime.context import RunContext
    from graphrun.runtime.overrides import apply_overrides
    from graphrun.runtime.run import to_prompt

    registry = registry or default_registry()
    if not specs:
        raise UsageError("sweep needs at least one --axis NODE.INPUT=VALUES")
    if len(specs) > MAX_AXES and not paired:
        raise UsageError(f"at most {MAX_AXES} axes (X, Y, Z); got {len(specs)} (use --paired to vary them together)")
    try:
        source = workflow.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {workflow}: {exc.strerror or exc}") from None
    ctx = RunContext(settings=settings)
    prompt, _, _ = to_prompt(source, registry, ctx, name=str(workflow))
    prompt = apply_overrides(prompt, fixed)
    axes = tuple(resolve_axis(s, prompt, registry, input_dir=settings.input_dir) for s in specs)
    seen = set()
    for a in axes:
        if (a.node_id, a.input) in seen:
            raise UsageError(f"--axis: {a.name} (node {a.node_id}) is given twice")
        seen.add((a.node_id, a.input))
    if paired and len({len(a.values) for a in axes}) > 1:
        sizes = ", ".join(f"{a.name}: {len(a.values)}" for a in axes)
        raise UsageError(f"--paired axes must have the same number of values ({sizes})")
    out_dir = out_dir or default_out_dir(workflow, settings.output_dir)
    if paired:
        shape = (len(axes[0].values), 1, 1)
        combos = [tuple((a, a.values[i]) for a in axes) for i in range(shape[0])]
        coords = [(i,) for i in range(shape[0])]
    else:
        lens = [len(a.values) for a in axes] + [1] * (3 - len(axes))
        shape = (lens[0], lens[1], lens[2])
        coords, combos = [], []
        for z, y, x in itertools.product(range(shape[2]), range(shape[1]), range(shape[0])):
            idx = (x, y, z)[: len(axes)]
            coords.append(idx)
            combos.append(tuple((a, a.values[i]) for a, i in zip(axes, idx)))
    short = _short_names(axes)
    stem = _stem(workflow)
    cells = []
    for index, (combo, xyz) in enumerate(zip(combos, coords)):
        tokens = "_".join(f"{short[a.node_id, a.input]}-{file_token(v)}" for a, v in combo)
        cells.append(CellTask(
            index=index, coords=xyz, workflow=source, workflow_name=str(workflow),
            overrides=tuple((o.node, o.input, o.value) for o in fixed) + tuple((a.node_id, a.input, v)
                                                                            for a, v in combo),
            settings=settings, out_dir=str(out_dir / CELLS_DIR), stem=f"{stem}_{tokens}",
            labels=tuple(a.label(v) for a, v in combo)))
    if len({c.stem for c in cells}) != len(cells):
        raise UsageError("--axis: two cells would get the same file name (repeated values?)")
    plan = SweepPlan(workflow, axes, paired, tuple(cells), out_dir, shape, tuple(fixed))
    check_cells(plan, registry)
    return plan


def _short_names(axes: Sequence[Axis]) -> dict[tuple[str, str], str]:
    """The input name, or `node.input` where two axes share an input name."""
    names = [a.input for a in axes]
    return {(a.node_id, a.input): a.input if names.count(a.input) == 1 else f"{a.node_id}.{a.input}" for a in axes}


def check_cells(plan: SweepPlan, registry) -> None:
    """Validate every cell's prompt as `run` would (ranges, combos, files); one error listing all problems."""
    from graphrun.runtime.context import RunContext
    from graphrun.runtime.run import prepare

    problems: list[Issue] = []
    seen: set[tuple] = set()
    for cell in plan.cells:
        key = tuple(repr(o) for o in cell.overrides)
        if key in seen:
            continue
        seen.add(key)
        ctx = RunContext(settings=cell.settings)
        try:
            prepare(cell.workflow, ctx, overrides=[Override(*o) for o in cell.overrides], registry=registry,
                    name=cell.workflow_name)
        except WorkflowError as exc:
            where = ", ".join(cell.labels)
            problems.extend(_with_cell(i, where) for i in exc.issues)
    if problems:
        unique = list(dict.fromkeys(problems))
        raise WorkflowError(f"the sweep has invalid cells ({len(unique)} problem(s)); nothing was run", unique)


def _with_cell(issue: Issue, where: str) -> Issue:
    from dataclasses import replace

    return replace(issue, message=f"{issue.message} [cell {where}]")


def cell_summary(plan: SweepPlan) -> list[dict[str, Any]]:
    return [{"index": c.index, "coords": list(c.coords), "labels": list(c.labels), "stem": c.stem}
            for c in plan.cells]
