"""Backend-style validation of an API prompt: ComfyUI v0.3.64 `execution.py::validate_prompt`, reporting all.

What matches ComfyUI: the error types, messages, `details` and `extra_info`; which nodes are outputs; constant
coercion written back into the prompt (here into a copy); the /prompt 400 body (`to_comfy_json`).
Where graphrun goes further, on purpose (check everything, then report everything):
* every missing/unknown class_type is reported (ComfyUI stops at the first); the top-level error is the first;
* nodes behind a mismatched link are still validated (ComfyUI skips them until the link is fixed);
* dangling links, bad output indices and cycles get their own errors instead of a Python exception;
* a constant given to a socket type (MODEL, LATENT, ...) is an error (ComfyUI fails only when running);
* orders are deterministic: outputs and node_errors in prompt order, reasons in declared input order,
  `dependent_outputs` = the failing outputs that really depend on the node;
* undeclared inputs and requested outputs that are not output nodes become `warnings` (never errors).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphrun.compile.checks import (CUSTOM_FILE_VALIDATORS, FileExists, Finding, NodeRef, check_constant,
                                     check_file_input, check_link, finding, input_config)
from graphrun.compile.node_origin import missing_node_text, node_origin
from graphrun.compile.suggest import closest
from graphrun.errors import Issue, WorkflowError
from graphrun.nodedefs import NodeDef

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of `validate_prompt`. `ok` follows ComfyUI: at least one output is valid."""

    ok: bool
    prompt: dict[str, Any]  # coerced copy; run this, not the input
    outputs: tuple[str, ...]  # valid output node ids, prompt order
    error: dict[str, Any] | None  # ComfyUI's top-level error object
    node_errors: dict[str, Any]
    issues: tuple[Issue, ...]
    warnings: tuple[Issue, ...] = ()
    failed_outputs: tuple[str, ...] = field(default=())

    def to_comfy_json(self) -> dict[str, Any]:
        """ComfyUI's /prompt response body shape: `{"error": ..., "node_errors": ...}`."""
        return {"error": self.error, "node_errors": self.node_errors}

    def raise_for_issues(self) -> ValidationResult:
        """Raise WorkflowError carrying every issue when any output failed (or anything is wrong); else self."""
        if self.issues or not self.ok:
            msg = self.error["message"] if self.error else "Some outputs failed validation"
            raise WorkflowError(msg, list(self.issues))
        return self


def validate_prompt(prompt: Any, defs: Mapping[str, NodeDef], *, file_exists: FileExists | None = None,
                    outputs: list[str] | None = None) -> ValidationResult:
    """Validate an API prompt against node definitions, like ComfyUI's validate_prompt, reporting every problem.

    `file_exists(folder, name)` checks LoadImage files: `name` is the value as written (ComfyUI's ' [output]'
    annotation included), `folder` the folder it names ("input"/"output"/"temp"); None skips those checks.
    `outputs` restricts the output nodes (ComfyUI's `partial_execution_targets`).
    """
    return _Validator(prompt, defs, file_exists).run(outputs)


def _top_error(type_: str, message: str, details: str = "", extra_info: dict[str, Any] | None = None) -> dict:
    return {"type": type_, "message": message, "details": details, "extra_info": extra_info or {}}


class _Validator:
    def __init__(self, prompt: Any, defs: Mapping[str, NodeDef], file_exists: FileExists | None):
        self.raw = prompt
        self.defs = defs
        self.file_exists = file_exists
        self.prompt: dict[Any, Any] = {}
        self.refs: dict[Any, NodeRef] = {}
        self.known: dict[Any, NodeDef] = {}  # node id -> definition, for nodes with a known class_type
        self.findings: dict[Any, list[Finding]] = {}
        self.edges: dict[Any, list[Any]] = {}  # node id -> source ids of its resolvable links
        self.warnings: list[Issue] = []
        self.spec_cache: dict[int, list] = {}

    # -- 1. structure and class types -------------------------------------------------------------------------
    def run(self, wanted: list[str] | None) -> ValidationResult:
        if not isinstance(self.raw, dict):
            kind = type(self.raw).__name__
            err = _top_error("invalid_prompt", "The prompt must be a JSON object of nodes keyed by id", kind)
            issue = Issue("invalid_prompt", f"the prompt must be a JSON object {{node_id: node}}, got {kind}")
            return ValidationResult(False, {}, (), err, {}, (issue,))
        self.prompt = {k: _copy_node(v) for k, v in self.raw.items()}
        aborts = self._scan_nodes()
        outs = self._outputs(wanted)
        top: dict[str, Any] | None = aborts[0].error if aborts else None
        global_issues = [f.issue for f in aborts]
        if not outs and top is None:
            top = _top_error("prompt_no_outputs", "Prompt has no outputs")
            global_issues.append(Issue("prompt_no_outputs", "Prompt has no outputs: it needs at least one output "
                                       "node (SaveImage, PreviewImage, ...)"))
        reach = self._reachable(outs)
        for nid in self.prompt:
            if nid in reach:
                self._check_node(nid)
        feeds = {}
        if self._has_cycle(reach) or any(self.findings.values()):  # networkx (~0.3 s to import) only when needed
            import networkx as nx

            graph = self._graph(reach)
            self._check_cycles(graph)
            # an output fails when it is, or depends on, a node with findings of its own
            feeds = {n: nx.descendants(graph, n) | {n} for n in self.prompt if self.findings.get(n) and n in graph}
        tainted = set().union(*feeds.values()) if feeds else set()
        good = [o for o in outs if o not in tainted]
        bad = [o for o in outs if o in tainted]
        node_errors: dict[str, Any] = {}
        if top is None:
            for nid in self.prompt:
                if self.findings.get(nid):
                    node_errors[str(nid)] = {"errors": [f.error for f in self.findings[nid]],
                                             "dependent_outputs": [str(o) for o in bad if o in feeds.get(nid, ())],
                                             "class_type": self.refs[nid].class_type}
            if not good:
                lines = [f"{f.error['message']}: {f.error['details']}" for o in bad for f in self.findings.get(o, [])]
                top = _top_error("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                                 "\n".join(lines))
        issues = global_issues + [f.issue for nid in self.prompt for f in self.findings.get(nid, [])]
        ok = top is None and bool(good)
        return ValidationResult(ok, self.prompt, tuple(good) if not aborts else (), top, node_errors,
                                tuple(issues), tuple(self.warnings), tuple(bad))

    def _scan_nodes(self) -> list[Finding]:
        aborts: list[Finding] = []
        for nid, node in self.prompt.items():
            sid = str(nid)
            meta = node.get("_meta") if isinstance(node, dict) else None
            title = meta.get("title") if isinstance(meta, dict) and isinstance(meta.get("title"), str) else None
            ct = node.get("class_type") if isinstance(node, dict) else None
            ref = NodeRef(sid, ct if isinstance(ct, str) else None, title)
            self.refs[nid] = ref
            extra = {"node_id": sid, "class_type": ref.class_type, "node_title": title}
            if not isinstance(node, dict) or "class_type" not in node:
                what = "is not a JSON object" if not isinstance(node, dict) else "has no class_type"
                msg = (f"Node '{title or f'ID #{sid}'}' has no class_type. The workflow may be corrupted or a "
                       f"custom node is missing.")
                aborts.append(finding(ref, "missing_node_type", msg, f"Node ID '#{sid}'", extra,
                                      human=f"node {what}", allowed="an object with class_type and inputs"))
                continue
            definition = self.defs.get(ct) if isinstance(ct, str) else None
            if definition is None:
                msg = f"Node '{title or ct}' not found. The custom node may not be installed."
                # A real core/custom node name is not a typo of one of ours: no "did you mean" for those.
                hint = closest(ct, self.defs.keys()) if isinstance(ct, str) and node_origin(ct) is None else None
                aborts.append(finding(ref, "missing_node_type", msg, f"Node ID '#{sid}'", extra,
                                      human=missing_node_text(ct) if isinstance(ct, str) else
                                      f"node type {ct!r} is not a string",
                                      value=ct, suggestion=hint))
                continue
            self.known[nid] = definition
        return aborts

    def _outputs(self, wanted: list[str] | None) -> list[Any]:
        outs = [n for n, d in self.known.items() if d.output_node is True and (wanted is None or n in wanted)]
        for w in wanted or []:
            if w not in self.known or self.known[w].output_node is not True:
                why = "is not in the prompt" if w not in self.prompt else "is not an output node"
                self.warnings.append(Issue("invalid_output", f"requested output {w!r} {why}; ignored",
                                           node_id=str(w) if w in self.prompt else None))
        return [n for n in self.prompt if n in outs]

    def _specs(self, definition: NodeDef) -> list:
        cached = self.spec_cache.get(id(definition))
        if cached is None:
            cached = self.spec_cache[id(definition)] = definition.inputs()
        return cached

    # -- 2. inputs of every node the outputs need ------------------------------------------------------------
    def _reachable(self, outs: list[Any]) -> set[Any]:
        seen: set[Any] = set()
        stack = list(outs)
        while stack:
            nid = stack.pop()
            if nid in seen:
                continue
            seen.add(nid)
            inputs = self.prompt[nid].get("inputs")
            if not isinstance(inputs, dict):
                continue
            for spec in self._specs(self.known[nid]):
                val = inputs.get(spec.name)
                if isinstance(val, list) and len(val) == 2 and _hashable(val[0]) and val[0] in self.known:
                    stack.append(val[0])
        return seen

    def _check_node(self, nid: Any) -> None:
        ref, definition, node = self.refs[nid], self.known[nid], self.prompt[nid]
        found: list[Finding] = []
        inputs = node.get("inputs")
        if not isinstance(inputs, dict):
            got = "missing" if "inputs" not in node else f"a {type(inputs).__name__}"
            found.append(finding(ref, "invalid_prompt", "Node inputs must be an object", f"inputs is {got}",
                                 {"node_id": ref.node_id}, human=f"'inputs' must be a JSON object, but it is {got}",
                                 allowed="an object {input_name: value or [node_id, output_index]}"))
            self.findings[nid] = found
            return
        specs = self._specs(definition)
        declared = {s.name for s in specs}
        custom = CUSTOM_FILE_VALIDATORS.get(definition.name, {})
        for spec in specs:
            if spec.name not in inputs:
                if spec.group == "required":
                    found.append(finding(ref, "required_input_missing", "Required input is missing", spec.name,
                                         {"input_name": spec.name}, input_name=spec.name,
                                         human="required input is missing",
                                         allowed=_expect(spec)))
                continue
            val = inputs[spec.name]
            if isinstance(val, list):
                if len(val) != 2:
                    found.append(finding(ref, "bad_linked_input", "Bad linked input, must be a length-2 list of "
                                         "[node_id, slot_index]", spec.name,
                                         {"input_name": spec.name, "input_config": input_config(spec),
                                          "received_value": val}, input_name=spec.name, value=val,
                                         human=f"a link must be [node_id, output_index], got a list of {len(val)}"))
                    continue
                problems, src = check_link(ref, spec, val, self.prompt, self.known.get)
                found.extend(problems)
                if src is not None:
                    self.edges.setdefault(nid, []).append(src)
                continue
            problems, coerced = check_constant(ref, spec, val, custom=spec.name in custom)
            found.extend(problems)
            if not problems:
                inputs[spec.name] = coerced
                self._lossy(ref, spec, val, coerced)
                if spec.name in custom:
                    found.extend(check_file_input(ref, spec, coerced, custom[spec.name], self.file_exists))
        for name in inputs:
            if name not in declared and isinstance(name, str):
                self.warnings.append(Issue("unknown_input", f"input {name!r} is not declared by "
                                           f"{definition.name}; ignored", node_id=ref.node_id,
                                           class_type=ref.class_type, title=ref.title, input_name=name,
                                           suggestion=closest(name, declared)))
        if found:
            self.findings[nid] = found

    def _lossy(self, ref: NodeRef, spec: Any, raw: Any, coerced: Any) -> None:
        """Warn where ComfyUI's coercion changes the meaning: int(7.9) == 7, bool("false") is True."""
        raw = raw["__value__"] if isinstance(raw, dict) and "__value__" in raw else raw
        lossy = ((spec.type == "INT" and isinstance(raw, float) and raw != coerced)
                 or (spec.type == "BOOLEAN" and isinstance(raw, str)))
        if lossy:
            self.warnings.append(Issue("lossy_conversion", f"{raw!r} becomes {coerced!r} ({spec.type}), as in "
                                       f"ComfyUI", node_id=ref.node_id, class_type=ref.class_type, title=ref.title,
                                       input_name=spec.name, value=raw))

    # -- 3. cycles ---------------------------------------------------------------------------------------------
    def _has_cycle(self, reach: set[Any]) -> bool:
        """Whether the graph of _graph() has a cycle (Kahn's algorithm on the same nodes and edges)."""
        nodes = {n for n in self.prompt if n in reach}
        nodes.update(self.edges)
        nodes.update(src for sources in self.edges.values() for src in sources)
        consumers: dict[Any, set[Any]] = {n: set() for n in nodes}
        for dst, sources in self.edges.items():
            for src in sources:
                consumers[src].add(dst)
        indegree = dict.fromkeys(nodes, 0)
        for outs in consumers.values():
            for dst in outs:
                indegree[dst] += 1
        ready = [n for n, d in indegree.items() if d == 0]
        seen = 0
        while ready:
            n = ready.pop()
            seen += 1
            for dst in consumers[n]:
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    ready.append(dst)
        return seen < len(nodes)

    def _graph(self, reach: set[Any]) -> nx.DiGraph:
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(n for n in self.prompt if n in reach)
        for dst, sources in self.edges.items():
            graph.add_edges_from((src, dst) for src in sources)
        return graph

    def _check_cycles(self, graph: nx.DiGraph) -> None:
        import networkx as nx

        order = {n: i for i, n in enumerate(self.prompt)}
        for comp in nx.strongly_connected_components(graph):
            start = min(comp, key=order.__getitem__)
            if len(comp) == 1 and not graph.has_edge(start, start):
                continue
            sub = graph.subgraph(comp)
            # edges run source -> consumer; report in "depends on" order starting from the first node in the file
            cycle = [u for u, _ in nx.find_cycle(sub.reverse(copy=False), source=start)]
            path = " -> ".join(str(n) for n in cycle + [cycle[0]])
            ref = self.refs[start]
            self.findings.setdefault(start, []).append(finding(
                ref, "dependency_cycle", "Dependency cycle detected", path,
                {"node_id": ref.node_id, "cycle": [str(n) for n in cycle]},
                human=f"dependency cycle: node {path} (each depends on the next); break one of these links"))


def _copy_json(value: Any) -> Any:
    """Deep copy of JSON data (dicts and lists; scalars are immutable), much faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return copy.deepcopy(value)


def _copy_node(node: Any) -> Any:
    try:
        return _copy_json(node)
    except RecursionError:  # absurdly nested JSON: share the deep parts, copy the levels we write to
        if isinstance(node, dict):
            out = dict(node)
            if isinstance(out.get("inputs"), dict):
                out["inputs"] = dict(out["inputs"])
            return out
        return node


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _expect(spec: Any) -> str:
    if spec.is_widget:
        default = spec.options.get("default")
        return f"a {spec.type_name} value" + (f" (default {default!r})" if default is not None else "")
    return f"a link to an output of type {spec.type_name}"
