"""The run pipeline: file -> document -> API prompt -> overrides -> validation -> plan -> execution."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graphrun.compile.plan import ExecutionPlan
from graphrun.errors import Issue, ModelError, WorkflowError
from graphrun.nodes.base import NodeRegistry, default_registry
from graphrun.runtime.context import ModelStore, RunContext
from graphrun.runtime.execute import NodeRun, RunResult, execute
from graphrun.runtime.overrides import Override, apply_overrides
from graphrun.settings import Settings
from graphrun.workflow.api import is_link


@dataclass(frozen=True)
class PreparedRun:
    """A validated prompt ready to execute: the prompt, the node order, and what to embed in outputs."""

    name: str
    prompt: dict[str, Any]
    plan: ExecutionPlan  # links resolved once; what execute runs
    extra_pnginfo: dict[str, Any] | None

    @property
    def order(self) -> tuple[str, ...]:
        return self.plan.order


def file_lister(ctx: RunContext, prompt: dict[str, Any] | None = None) -> Callable[[str], list[str]]:
    """Combo options for file inputs: model folders, the input folder; stand-in names with --stub-models."""
    from graphrun.backend.latent_io import list_latent_files
    from graphrun.backend.paths import list_input_files

    def list_files(folder: str) -> list[str]:
        if folder == "input":
            return list_input_files(ctx.settings.input_dir)
        if folder == "input_latents":
            return list_latent_files(ctx.settings.input_dir)
        names = ctx.folders.list_names(folder)
        if folder == "checkpoints" and ctx.settings.stub_models and prompt:
            # Missing checkpoints become labelled stand-ins at run time instead of failing validation.
            wanted = {n["inputs"].get("ckpt_name") for n in prompt.values()
                      if n.get("class_type") == "CheckpointLoaderSimple" and isinstance(n.get("inputs"), dict)}
            names = sorted(set(names) | {w for w in wanted if isinstance(w, str)})
        return names

    return list_files


def to_prompt(source: Path | str | bytes, registry: NodeRegistry, ctx: RunContext,
              name: str | None = None) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """Load any supported file and return (API prompt, extra_pnginfo, display name)."""
    from graphrun.compile.ui_to_api import compile_workflow
    from graphrun.workflow.load import load_document

    doc = load_document(source, name=name)
    workflow = getattr(doc, "embedded_workflow", None)
    embedded_prompt = getattr(doc, "embedded_prompt", None)
    if embedded_prompt is not None:  # a PNG saved by ComfyUI/graphrun: rerun exactly what produced it
        return dict(embedded_prompt), ({"workflow": workflow} if workflow else None), doc.name
    if doc.kind == "api":
        return dict(doc.data), None, doc.name
    defs = registry.definitions(file_lister(ctx))
    return compile_workflow(doc.data, defs), {"workflow": doc.data}, doc.name


def prepare(source: Path | str | bytes, ctx: RunContext, *, overrides: Sequence[Override] = (),
            registry: NodeRegistry | None = None, name: str | None = None) -> PreparedRun:
    """Everything up to execution; raises WorkflowError listing every problem found."""
    from graphrun.compile.plan import build_plan
    from graphrun.compile.validate import validate_prompt

    registry = registry or default_registry()
    prompt, extra, display = to_prompt(source, registry, ctx, name=name)
    overridden = apply_overrides(prompt, overrides)
    defs = registry.definitions(file_lister(ctx, overridden))
    if overrides and extra and isinstance(extra.get("workflow"), dict):
        # --set is the truth in the saved `workflow` chunk too (the graph ComfyUI loads from the PNG)
        from graphrun.runtime.overrides_ui import write_overrides

        extra = {**extra, "workflow": write_overrides(extra["workflow"], prompt, overrides, defs)}
    prompt = overridden
    result = validate_prompt(prompt, defs, file_exists=_file_exists(ctx))
    if not result.ok:
        issues = [_explain_missing_file(i, prompt, registry, ctx) for i in result.issues]
        raise WorkflowError("the workflow is invalid", issues)
    plan = build_plan(result.prompt, defs, result.outputs)
    prompt = _with_is_changed(result.prompt, plan, registry, ctx)
    return PreparedRun(display, prompt, plan, extra)


def _with_is_changed(prompt: dict[str, Any], plan: ExecutionPlan, registry: NodeRegistry,
                     ctx: RunContext) -> dict[str, Any]:
    """Record IS_CHANGED values in the prompt as ComfyUI does (LoadImage's file hash ends up in saved PNGs)."""
    out = dict(prompt)
    for step in plan:
        node_type = registry.get(step.class_type)
        if node_type is None or node_type.is_changed is None:
            continue
        consts = {k: v for k, v in prompt[step.node_id].get("inputs", {}).items() if not is_link(v)}
        out[step.node_id] = {**prompt[step.node_id], "is_changed": [node_type.is_changed(ctx, **consts)]}
    return out


def _explain_missing_file(issue: Issue, prompt: dict[str, Any], registry: NodeRegistry, ctx: RunContext) -> Issue:
    """A model name not in its folder listing: say which folders were searched and the closest names."""
    if issue.code != "value_not_in_list" or issue.node_id not in prompt:
        return issue
    node_type = registry.get(prompt[issue.node_id].get("class_type", ""))
    spec = next((i for i in (node_type.INPUTS if node_type else ()) if i.name == issue.input_name), None)
    if spec is None or spec.files is None or spec.files.startswith("input"):
        return issue
    try:
        ctx.folders.find(spec.files, str(issue.value))
    except ModelError as exc:
        return replace(issue, message=f"model file not found: {exc.message}", allowed=None, suggestion=None)
    return issue


def _file_exists(ctx: RunContext) -> Callable[[str, str], bool]:
    from graphrun.backend.paths import resolve_input

    def exists(folder: str, name: str) -> bool:
        s = ctx.settings
        try:
            return resolve_input(s.input_dir, s.output_dir, s.resolved_temp_dir(), name).is_file()
        except Exception:
            return False

    return exists


def run_workflow(source: Path | str | bytes, settings: Settings, *, overrides: Sequence[Override] = (),
                 store: ModelStore | None = None, registry: NodeRegistry | None = None,
                 progress=None, log: Callable[[str], None] = print,
                 on_node: Callable[[NodeRun], None] | None = None, name: str | None = None) -> RunResult:
    """Run one workflow file (UI, API or PNG) end to end and return the outputs and files written."""
    registry = registry or default_registry()
    ctx = RunContext(settings=settings, store=store or ModelStore(), progress=progress, log=log)
    prepared = prepare(source, ctx, overrides=overrides, registry=registry, name=name)
    ctx.prompt = prepared.prompt
    ctx.extra_pnginfo = prepared.extra_pnginfo
    return execute(prepared.plan, registry, ctx, cache=ctx.store.outputs, on_node=on_node)
