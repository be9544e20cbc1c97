"""Rewrite KSampler <-> KSamplerAdvanced nodes in a UI or API workflow dict (pure: returns a new dict).

Only the converted nodes change: their type, the sampler inputs/widgets (seed <-> noise_seed, denoise <->
add_noise/start/end/leftover) and, in the UI format, the widget sockets of the renamed/removed inputs (with the
saved target_slot of this node's links renumbered). Ids, links, titles, positions and everything else are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphrun.errors import Issue, WorkflowError
from graphrun.transforms.sampler_variants import (
    AdvancedSettings, Conversion, KSamplerSettings, Settings, SigmaOracle, convert_settings, default_oracle,
)
from graphrun.transforms.sampler_layout import sampler_layout

KS, ADV = "KSampler", "KSamplerAdvanced"
TARGETS = {"advanced": (KS, ADV), "ksampler": (ADV, KS)}
SEED = {KS: "seed", ADV: "noise_seed"}
# Inputs whose value decides the sigma list: they must be plain values, not links, to be converted.
DECIDING = {KS: ("steps", "sampler_name", "scheduler", "denoise"),
            ADV: ("add_noise", "steps", "sampler_name", "scheduler", "start_at_step", "end_at_step",
                  "return_with_leftover_noise")}


def _widgets(class_type: str) -> tuple[str, ...]:
    """widgets_values order of a saved UI node (from the node's declaration)."""
    return sampler_layout(class_type).widgets


def _default(class_type: str, name: str) -> Any:
    """The declared default of an input only this type has (denoise, add_noise, start/end, leftover): what a
    conversion writes into a new widget, and what a prompt lacking it means. None for shared inputs."""
    other = sampler_layout(ADV if class_type == KS else KS)
    return None if name in other.widgets else sampler_layout(class_type).defaults.get(name)


@dataclass(frozen=True)
class NodeConversion:
    """One converted node: its id (`<subgraph id>/<node id>` inside a subgraph definition) and the report."""

    node_id: str
    title: str | None
    conversion: Conversion

    def describe(self) -> str:
        name = f"node {self.node_id}" + (f" '{self.title}'" if self.title else "")
        return f"{name}: {self.conversion.describe()}"


@dataclass(frozen=True)
class ConvertResult:
    data: dict
    kind: str  # "ui" | "api"
    nodes: tuple[NodeConversion, ...]

    @property
    def exact(self) -> bool:
        return all(n.conversion.exact for n in self.nodes)


def ui_values(graph: dict, node: dict, node_id: str) -> dict[str, Any]:
    """ui_widget_values with deciding widgets fed by a PrimitiveNode / Primitive* node replaced by its value."""
    from graphrun.transforms.convert_custom_ui import ui_values_followed

    return ui_values_followed(graph, node, ui_widget_values(node, node_id))


def _unlink_changed_primitives(node: dict, graph: dict, target: Settings, values: dict[str, Any]) -> None:
    """A primitive stays connected to a converted widget only when the target has that widget with the same value;
    otherwise its link is removed (the value is written into the widget instead)."""
    from graphrun.transforms.convert_custom_ui import _Graph

    g = _Graph(graph)
    new = written_values(target, {})
    for slot in node.get("inputs") or []:
        name = slot.get("name") if isinstance(slot, dict) else None
        if slot.get("widget") and slot.get("link") is not None and name in DECIDING[node["type"]]:
            if name not in _widgets(target.class_type) or new.get(name) != values.get(name):
                g.unlink(slot["link"])
                slot["link"] = None


def api_values(prompt: dict, node: dict) -> dict[str, Any]:
    """An API node's inputs, deciding inputs fed by Primitive* nodes replaced by their values (followed)."""
    from graphrun.transforms.convert_custom import follow_primitives

    raw = dict(node.get("inputs") or {})
    followed, _ = follow_primitives(prompt, {k: v for k, v in raw.items() if k in DECIDING.get(
        node.get("class_type"), ())})
    return {**raw, **followed}


def workflow_kind(data: Any) -> str:
    """"ui" for a saved UI workflow (has a nodes list), "api" for an API prompt."""
    return "ui" if isinstance(data, dict) and isinstance(data.get("nodes"), list) else "api"


def read_settings(class_type: str, values: dict[str, Any], node_id: str) -> Settings:
    """KSampler/KSamplerAdvanced settings from name -> value; raises WorkflowError for links or bad values."""
    issues, limits = [], sampler_layout(class_type).limits
    for name in DECIDING[class_type]:
        v = values.get(name, _default(class_type, name))
        if v is None:
            issues.append(Issue("required_input_missing", "convert needs this value", node_id, class_type,
                                input_name=name))
        elif isinstance(v, list):
            issues.append(Issue("linked_input", "is connected to another node; convert needs a value typed in "
                                "the node", node_id, class_type, input_name=name, value=v))
    for name in ("steps", "start_at_step", "end_at_step"):
        v = values.get(name, _default(class_type, name))
        if name in DECIDING[class_type] and not isinstance(v, list) and v is not None and not _is_int(v):
            issues.append(Issue("invalid_input_type", "must be an integer", node_id, class_type,
                                input_name=name, value=v))
        elif name in DECIDING[class_type] and _is_int(v) and not limits[name][0] <= v <= limits[name][1]:
            issues.append(Issue("value_out_of_range", "must be {}..{}".format(*limits[name]), node_id,
                                class_type, input_name=name, value=v))
    d = values.get("denoise", _default(class_type, "denoise"))
    if class_type == KS and not isinstance(d, (list, type(None))) and not _is_number(d):
        issues.append(Issue("invalid_input_type", "must be a number", node_id, class_type,
                            input_name="denoise", value=d))
    if issues:
        raise WorkflowError(f"cannot convert node {node_id} ({class_type})", issues)
    seed = values.get(SEED[class_type], 0)
    common = dict(steps=int(values["steps"]), sampler_name=values["sampler_name"], scheduler=values["scheduler"])
    if class_type == KS:
        return KSamplerSettings(seed=seed, denoise=float(values.get("denoise", _default(KS, "denoise"))), **common)
    own = {name: values.get(name, _default(ADV, name)) for name in
           ("add_noise", "start_at_step", "end_at_step", "return_with_leftover_noise")}
    return AdvancedSettings(noise_seed=seed, add_noise=own["add_noise"], start_at_step=int(own["start_at_step"]),
                            end_at_step=int(own["end_at_step"]),
                            return_with_leftover_noise=own["return_with_leftover_noise"], **common)


def checked(fn, settings: Settings, oracle: SigmaOracle, node_id: str):
    """fn(settings, oracle), with an unknown sampler/scheduler name turned into a WorkflowError issue."""
    try:
        return fn(settings, oracle)
    except ValueError as exc:  # raised by the scheduler/sampler registries for unknown names
        text = str(exc)
        name = "scheduler" if "scheduler" in text else "sampler_name" if "sampler" in text else None
        raise WorkflowError(f"cannot convert node {node_id}", [Issue(
            "value_not_in_list", text, node_id, settings.class_type, input_name=name,
            value=getattr(settings, name) if name else None)]) from None


def _is_int(v: Any) -> bool:
    return not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float))


def written_values(target: Settings, source_values: dict[str, Any]) -> dict[str, Any]:
    """The target node's sampler values; seed (value or link) and the untouched inputs carried over."""
    out = dict(source_values)
    for name in ("seed", "noise_seed", "denoise", "add_noise", "start_at_step", "end_at_step",
                 "return_with_leftover_noise"):
        out.pop(name, None)
    seed_key = "seed" if "seed" in source_values else "noise_seed"
    if seed_key in source_values:
        out[SEED[target.class_type]] = source_values[seed_key]
    out["steps"] = target.steps
    if isinstance(target, KSamplerSettings):
        out["denoise"] = float(target.denoise)
    else:
        out.update(add_noise=target.add_noise, start_at_step=target.start_at_step,
                   end_at_step=target.end_at_step, return_with_leftover_noise=target.return_with_leftover_noise)
    return out


def convert_workflow(data: dict, to: str, *, nodes: Iterable[str] | None = None, approximate: bool = False,
                     oracle: SigmaOracle | None = None) -> ConvertResult:
    """Convert every KSampler (to="advanced") or KSamplerAdvanced (to="ksampler") node, or only `nodes`.

    Raises WorkflowError when a conversion would not be bit-identical and `approximate` is False, when a named
    node is missing or of another type, or when a deciding input is a link."""
    from graphrun.transforms.convert_custom import chain_ids

    chains = chain_ids(data, nodes)
    if to == "custom" or chains:  # SamplerCustomAdvanced chains: graphrun.transforms.convert_custom
        return _convert_chains(data, to, nodes, approximate, oracle, chains)
    if to not in TARGETS:
        raise WorkflowError(f"unknown conversion target {to!r}", [Issue("invalid_target",
                                                                        "use advanced|ksampler|custom", value=to)])
    source_type, target_type = TARGETS[to]
    oracle = oracle or default_oracle()
    out = copy.deepcopy(data)
    kind = workflow_kind(out)
    wanted = None if nodes is None else {str(n) for n in nodes}
    found = find_nodes(out, kind)
    issues, plans = [], []
    for node_id, node, graph in found:
        if wanted is not None and node_id not in wanted:
            continue
        class_type = node.get("type") if kind == "ui" else node.get("class_type")
        if class_type != source_type:
            if wanted is not None:
                issues.append(Issue("wrong_node_type", f"is a {class_type}, not a {source_type}", node_id,
                                    class_type))
            continue
        try:
            values = ui_values(graph, node, node_id) if kind == "ui" else api_values(out, node)
            settings = read_settings(source_type, values, node_id)
            conversion = checked(convert_settings, settings, oracle, node_id)
        except WorkflowError as exc:
            issues.extend(exc.issues)
            continue
        plans.append((node_id, node, graph, values, conversion))
    missing = (wanted or set()) - {nid for nid, _, _ in found}
    issues += [Issue("node_not_found", "no such node in the workflow", n) for n in sorted(missing)]
    if not plans and not issues:
        issues.append(Issue("nothing_to_convert", f"the workflow has no {source_type} node"))
    if not approximate:
        for node_id, node, _, _, conv in plans:
            if not conv.exact:
                issues.append(Issue("conversion_not_exact", "; ".join(conv.reasons) +
                                    f" (closest: {conv.before.summary()} -> {conv.after.summary()}); "
                                    "use --approximate to convert anyway", node_id, source_type,
                                    title=node_title(node, kind)))
    if issues:
        raise WorkflowError(f"cannot convert to {target_type}", issues)
    report = []
    for node_id, node, graph, values, conv in plans:
        if kind == "ui":
            _unlink_changed_primitives(node, graph, conv.target, values)
            _rewrite_ui(node, graph, conv.target)
        else:
            node["class_type"] = target_type
            order = sampler_layout(target_type).api_order
            node["inputs"] = _ordered(written_values(conv.target, values), order, values)
        report.append(NodeConversion(node_id, node_title(node, kind), conv))
    return ConvertResult(out, kind, tuple(report))


def _convert_chains(data, to, nodes, approximate, oracle, chains) -> ConvertResult:
    """--to custom, or chains -> advanced|ksampler first and then the plain nodes the normal way."""
    from graphrun.transforms.convert_custom import convert_custom_workflow

    if to not in (*TARGETS, "custom"):
        raise WorkflowError(f"unknown conversion target {to!r}", [Issue("invalid_target",
                                                                        "use advanced|ksampler|custom", value=to)])
    prompt, done = convert_custom_workflow(data, to, nodes=nodes if to == "custom" else chains,
                                           approximate=approximate, oracle=oracle)
    report = tuple(NodeConversion(nid, title, conv) for nid, title, conv in done)
    if to == "custom":
        return ConvertResult(prompt, workflow_kind(prompt), report)
    rest_wanted = None if nodes is None else [n for n in nodes if str(n) not in chains]
    source = TARGETS[to][0]
    if (rest_wanted is None and any(isinstance(n, dict) and n.get("class_type") == source for n in prompt.values())) \
            or rest_wanted:
        rest = convert_workflow(prompt, to, nodes=rest_wanted, approximate=approximate, oracle=oracle)
        return ConvertResult(rest.data, "api", report + rest.nodes)
    return ConvertResult(prompt, "api", report)


def node_title(node: dict, kind: str) -> str | None:
    return node.get("title") if kind == "ui" else (node.get("_meta") or {}).get("title")


def _ordered(values: dict, order: tuple[str, ...], original: dict) -> dict:
    known = {k: values[k] for k in order if k in values}
    known.update((k, v) for k, v in values.items() if k not in known and k in original)
    return known


def find_nodes(data: dict, kind: str) -> list[tuple[str, dict, dict]]:
    """(id, node, graph) for every node; UI subgraph-definition nodes are `<definition id>/<node id>`."""
    if kind == "api":
        return [(str(k), v, data) for k, v in data.items() if isinstance(v, dict)]
    found = [(str(n.get("id")), n, data) for n in data["nodes"] if isinstance(n, dict)]
    for sub in ((data.get("definitions") or {}).get("subgraphs") or []):
        found += [(f"{sub.get('id')}/{n.get('id')}", n, sub) for n in sub.get("nodes") or [] if isinstance(n, dict)]
    return found


# ---- UI format ----

def ui_widget_values(node: dict, node_id: str) -> dict[str, Any]:
    """Widget values by name (positional widgets_values, or an object), plus links of converted widgets."""
    class_type = node["type"]
    layout = _widgets(class_type)
    raw = node.get("widgets_values")
    if isinstance(raw, dict):
        values = {k: raw[k] for k in layout if k in raw}
    elif isinstance(raw, list) and len(raw) >= len(layout):
        values = dict(zip(layout, raw))
    else:
        n = len(raw) if isinstance(raw, list) else 0
        raise WorkflowError(f"cannot convert node {node_id}", [Issue(
            "unexpected_widgets_values", f"widgets_values has {n} values; expected {len(layout)} "
            f"({', '.join(layout)})", node_id, class_type, value=raw)])
    for slot in node.get("inputs") or []:
        if (isinstance(slot, dict) and slot.get("widget") and slot.get("link") is not None
                and slot.get("name") in DECIDING[class_type]):
            values[slot["name"]] = ["link", slot["link"]]  # connected: its value is not known here
    return values


def _rewrite_ui(node: dict, graph: dict, target: Settings) -> None:
    source_type, target_type = node["type"], target.class_type
    raw = node.get("widgets_values")
    old = _widget_map(node, source_type)
    old[SEED[target_type]] = old.get(SEED[source_type])
    new = {name: old.get(name, _default(target_type, name)) for name in _widgets(target_type)}
    new.update((k, v) for k, v in written_values(target, {}).items() if k in new)
    if isinstance(raw, dict):
        node["widgets_values"] = new
    else:
        node["widgets_values"] = [new[k] for k in _widgets(target_type)] + list(raw[len(_widgets(source_type)):])
    if isinstance(node.get("widgets_values_named"), dict):
        node["widgets_values_named"] = dict(new)
    node["type"] = target_type
    _rewrite_sockets(node, graph, source_type, target_type)


def _widget_map(node: dict, class_type: str) -> dict:
    raw = node.get("widgets_values")
    if isinstance(raw, dict):
        return dict(raw)
    return dict(zip(_widgets(class_type), raw))


def _rewrite_sockets(node: dict, graph: dict, source_type: str, target_type: str) -> None:
    """Rename the seed socket, drop unlinked sockets of widgets the target lacks, renumber saved target_slot."""
    if not isinstance(node.get("inputs"), list):
        return
    kept = []
    for slot in node["inputs"]:
        name = slot.get("name") if isinstance(slot, dict) else None
        if name == SEED[source_type]:
            slot["name"] = SEED[target_type]
            if isinstance(slot.get("widget"), dict):
                slot["widget"]["name"] = SEED[target_type]
            if slot.get("localized_name") == SEED[source_type]:
                slot["localized_name"] = SEED[target_type]
        elif slot.get("widget") is not None and name not in _widgets(target_type) and slot.get("link") is None:
            continue
        kept.append(slot)
    node["inputs"] = kept
    slots = {s.get("link"): i for i, s in enumerate(kept) if isinstance(s, dict) and s.get("link") is not None}
    for link in graph.get("links") or []:
        if isinstance(link, list) and len(link) >= 5 and link[0] in slots and str(link[3]) == str(node.get("id")):
            link[4] = slots[link[0]]
        elif isinstance(link, dict) and link.get("id") in slots and str(link.get("target_id")) == str(node.get("id")):
            link["target_slot"] = slots[link["id"]]
