"""Rewrite KSampler / KSamplerAdvanced nodes into SamplerCustomAdvanced chains and back (API prompts; pure).

`--to custom`: each KSampler / KSamplerAdvanced node keeps its id and becomes a SamplerCustomAdvanced (so every
consumer of its LATENT still reads slot 0) fed by new KSamplerSelect, BasicScheduler, SplitSigmas, RandomNoise or
DisableNoise and CFGGuider nodes. `--to advanced|ksampler`: each SamplerCustomAdvanced whose inputs form that chain
becomes the equivalent node under the same id; chain nodes nobody else reads are removed. Exactness is decided in
custom_chain (verified sigma lists, noise and per-step seeds). Values fed by Primitive* nodes are followed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from graphrun.errors import Issue, WorkflowError
from graphrun.transforms.custom_chain import CUSTOM, ChainSettings, chain_to_advanced, chain_to_ksampler, to_chain
from graphrun.transforms.sampler_layout import node_shape
from graphrun.transforms.sampler_variants import (
    AdvancedSettings, Conversion, KSamplerSettings, SigmaOracle, default_oracle,
)

KS, ADV = "KSampler", "KSamplerAdvanced"
PRIMITIVES = frozenset({"PrimitiveInt", "PrimitiveFloat", "PrimitiveString", "PrimitiveStringMultiline",
                        "PrimitiveBoolean"})


def is_link(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)


def follow_primitives(prompt: dict, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Values with links to Primitive* nodes replaced by those nodes' values; also {input: primitive node id}."""
    out, followed = dict(values), {}
    for name, v in values.items():
        if is_link(v):
            src = prompt.get(v[0])
            if isinstance(src, dict) and src.get("class_type") in PRIMITIVES and v[1] == 0:
                inner = (src.get("inputs") or {}).get("value")
                if inner is not None and not is_link(inner):
                    out[name], followed[name] = inner, v[0]
    return out, followed


def _new_ids(prompt: dict):
    n = max([int(k) for k in prompt if str(k).isdigit()] + [0])
    while True:
        n += 1
        if str(n) not in prompt:
            yield str(n)


# ---- KSampler / KSamplerAdvanced -> chain ----

def _chain_nodes(prompt: dict, node_id: str, values: dict, chain: ChainSettings, ids) -> None:
    """Replace node `node_id` by the chain: new nodes get fresh ids; the node itself becomes SamplerCustomAdvanced."""
    def add(class_type: str, **inputs) -> str:
        nid = next(ids)
        prompt[nid] = {"class_type": class_type, "inputs": node_shape(class_type).api_inputs(inputs),
                       "_meta": {"title": class_type}}
        return nid

    sampler = add("KSamplerSelect", sampler_name=chain.sampler_name)
    sigmas = [add("BasicScheduler", model=values["model"], scheduler=chain.scheduler, steps=chain.steps,
                  denoise=chain.denoise), 0]
    for kind, step in chain.splits:
        sigmas = [add("SplitSigmas", sigmas=sigmas, step=step), 0 if kind == "high" else 1]
    seed = values.get("seed", values.get("noise_seed", chain.noise_seed))  # a link (to a primitive) stays a link
    noise = add("RandomNoise", noise_seed=seed) if chain.add_noise else add("DisableNoise")
    guider = add("CFGGuider", model=values["model"], positive=values["positive"], negative=values["negative"],
                 cfg=values.get("cfg", 8.0))
    node = prompt[node_id]
    node["class_type"] = CUSTOM
    node["inputs"] = node_shape(CUSTOM).api_inputs({"noise": [noise, 0], "guider": [guider, 0], "sampler": [sampler, 0],
                                                    "sigmas": sigmas, "latent_image": values["latent_image"]})


# ---- chain -> KSampler / KSamplerAdvanced ----

def read_chain(prompt: dict, node_id: str) -> tuple[ChainSettings, dict[str, Any], list[str]]:
    """The chain feeding SamplerCustomAdvanced `node_id`: its settings, the KSampler-side inputs (model, cfg,
    positive, negative, latent_image, seed) and the chain node ids; WorkflowError naming what does not fit."""
    node = prompt[node_id]
    inputs = node.get("inputs") or {}
    issues: list[Issue] = []

    def src(name: str, want: tuple[str, ...]) -> tuple[str | None, dict]:
        v = inputs.get(name)
        n = prompt.get(v[0]) if is_link(v) else None
        if not isinstance(n, dict) or n.get("class_type") not in want:
            got = n.get("class_type") if isinstance(n, dict) else v
            issues.append(Issue("not_a_chain", f"must come from {' or '.join(want)} (got {got!r})", node_id, CUSTOM,
                                input_name=name))
            return None, {}
        vals, _ = follow_primitives(prompt, n.get("inputs") or {})
        return v[0], vals

    noise_id, noise = src("noise", ("RandomNoise", "DisableNoise"))
    guider_id, guider = src("guider", ("CFGGuider",))
    sampler_id, sampler = src("sampler", ("KSamplerSelect",))
    used = [i for i in (noise_id, guider_id, sampler_id) if i]
    splits: list[tuple[str, int]] = []
    v = inputs.get("sigmas")
    sched: dict = {}
    while is_link(v) and isinstance(prompt.get(v[0]), dict):
        n = prompt[v[0]]
        vals, _ = follow_primitives(prompt, n.get("inputs") or {})
        if n.get("class_type") == "SplitSigmas" and isinstance(vals.get("step"), int):
            splits.insert(0, ("high" if v[1] == 0 else "low", vals["step"]))
            used.append(v[0])
            v = vals.get("sigmas")
            continue
        if n.get("class_type") == "BasicScheduler":
            sched = vals
            used.append(v[0])
        break
    if not sched:
        issues.append(Issue("not_a_chain", "must come from BasicScheduler, optionally through SplitSigmas",
                            node_id, CUSTOM, input_name="sigmas"))
    for name, d in (("steps", sched), ("scheduler", sched), ("sampler_name", sampler)):
        if d and is_link(d.get(name)):
            issues.append(Issue("linked_input", f"{name} of the chain is connected to another node; convert needs a "
                                "value", node_id, CUSTOM, input_name=name, value=d.get(name)))
    if sched and guider and sched.get("model") != guider.get("model"):
        issues.append(Issue("not_a_chain", "BasicScheduler and CFGGuider use different models", node_id, CUSTOM,
                            input_name="sigmas"))
    readers = [k for k, n in prompt.items() if isinstance(n, dict) and k != node_id
               and any(is_link(x) and x[0] == node_id and x[1] == 1 for x in (n.get("inputs") or {}).values())]
    if readers:
        issues.append(Issue("denoised_output_used", f"denoised_output is read by node(s) {', '.join(readers)}; "
                            "KSampler has no such output", node_id, CUSTOM))
    if issues:
        raise WorkflowError(f"cannot convert node {node_id} ({CUSTOM})", issues)
    add = prompt[noise_id]["class_type"] == "RandomNoise"
    chain = ChainSettings(noise.get("noise_seed", 0) if add else 0, add, sampler["sampler_name"],
                          sched["scheduler"], int(sched["steps"]), float(sched.get("denoise", 1.0)), tuple(splits))
    carried = {"model": guider["model"], "positive": guider["positive"], "negative": guider["negative"],
               "cfg": (prompt[guider_id].get("inputs") or {}).get("cfg", 8.0),
               "latent_image": inputs.get("latent_image"),
               "seed": (prompt[noise_id].get("inputs") or {}).get("noise_seed", 0) if add else 0}
    return chain, carried, used


def _plain_node(prompt: dict, node_id: str, carried: dict, target) -> None:
    common = dict(model=carried["model"])
    if isinstance(target, KSamplerSettings):
        inputs = dict(model=carried["model"], seed=carried["seed"], steps=target.steps, cfg=carried["cfg"],
                      sampler_name=target.sampler_name, scheduler=target.scheduler, positive=carried["positive"],
                      negative=carried["negative"], latent_image=carried["latent_image"], denoise=float(target.denoise))
    else:
        inputs = dict(common, add_noise=target.add_noise, noise_seed=carried["seed"], steps=target.steps,
                      cfg=carried["cfg"], sampler_name=target.sampler_name, scheduler=target.scheduler,
                      positive=carried["positive"], negative=carried["negative"],
                      latent_image=carried["latent_image"], start_at_step=target.start_at_step,
                      end_at_step=target.end_at_step, return_with_leftover_noise=target.return_with_leftover_noise)
    prompt[node_id]["class_type"] = target.class_type
    prompt[node_id]["inputs"] = inputs


def _drop_unread(prompt: dict, candidates: list[str]) -> None:
    """Remove chain nodes no remaining node reads (repeat: removing one can free the next)."""
    changed = True
    while changed:
        changed = False
        read = {x[0] for n in prompt.values() if isinstance(n, dict)
                for x in (n.get("inputs") or {}).values() if is_link(x)}
        for c in candidates:
            if c in prompt and c not in read:
                del prompt[c]
                changed = True


# ---- the workflow-level entry point ----

def convert_custom_workflow(data: dict, to: str, *, nodes: Iterable[str] | None = None, approximate: bool = False,
                            oracle: SigmaOracle | None = None):
    """--to custom (KSampler/KSamplerAdvanced -> chain) or SamplerCustomAdvanced chains -> --to advanced|ksampler.

    Returns (new prompt, [(node_id, title, Conversion)]); raises WorkflowError when a conversion is refused."""
    from graphrun.transforms.convert import read_settings

    oracle = oracle or default_oracle()
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        if to != "custom":
            raise WorkflowError("cannot convert this UI workflow", [Issue(
                "ui_format_unsupported", f"--to {to} of SamplerCustomAdvanced chains rewrites API prompts; compile "
                "the workflow first (`graphrun compile FILE -o prompt.json`) and convert that", value=to)])
        return _ui_to_custom(data, nodes, approximate, oracle)
    out = copy.deepcopy(data)
    sources = (KS, ADV) if to == "custom" else (CUSTOM,)
    wanted = None if nodes is None else {str(n) for n in nodes}
    issues: list[Issue] = []
    plans: list[tuple[str, Conversion, Any]] = []
    for node_id, node in list(out.items()):
        if not isinstance(node, dict) or (wanted is not None and node_id not in wanted):
            continue
        ct = node.get("class_type")
        if ct not in sources:
            if wanted is not None and to == "custom":  # --to advanced|ksampler: plain nodes are converted later
                issues.append(Issue("wrong_node_type", f"is a {ct}, not a {' or '.join(sources)}", node_id, ct))
            continue
        try:
            if to == "custom":
                values, _ = follow_primitives(out, dict(node.get("inputs") or {}))
                conv = _checked(lambda: to_chain(read_settings(ct, values, node_id), oracle), node_id, ct)
                plans.append((node_id, conv, dict(node.get("inputs") or {})))
            else:
                chain, carried, used = read_chain(out, node_id)
                fn = chain_to_advanced if to == "advanced" else chain_to_ksampler
                plans.append((node_id, _checked(lambda: fn(chain, oracle), node_id, ct), (carried, used)))
        except WorkflowError as exc:
            issues.extend(exc.issues)
    missing = (wanted or set()) - set(out) if to == "custom" else set()
    issues += [Issue("node_not_found", "no such node in the workflow", n) for n in sorted(missing)]
    if not plans and not issues:
        issues.append(Issue("nothing_to_convert", f"the workflow has no {' or '.join(sources)} node"))
    if not approximate:
        issues += [Issue("conversion_not_exact", "; ".join(c.reasons) + f" (closest: {c.before.summary()} -> "
                         f"{c.after.summary()}); use --approximate to convert anyway", nid, c.source.class_type)
                   for nid, c, _ in plans if not c.exact]
    if issues:
        raise WorkflowError(f"cannot convert to {to}", issues)
    ids = _new_ids(out)
    for node_id, conv, extra in plans:
        if to == "custom":
            _chain_nodes(out, node_id, extra, conv.target, ids)
        else:
            carried, used = extra
            _plain_node(out, node_id, carried, conv.target)
            _drop_unread(out, used)
    return out, [(nid, ((out.get(nid) or {}).get("_meta") or {}).get("title"), conv) for nid, conv, _ in plans]


def _ui_to_custom(data: dict, nodes, approximate: bool, oracle):
    """--to custom on a UI workflow (top-level nodes; see convert_custom_ui)."""
    from graphrun.transforms.convert import find_nodes, read_settings, ui_widget_values
    from graphrun.transforms.convert_custom_ui import draw_chain, ui_values_followed

    out = copy.deepcopy(data)
    wanted = None if nodes is None else {str(n) for n in nodes}
    issues: list[Issue] = []
    plans = []
    found = find_nodes(out, "ui")
    for node_id, node, graph in found:
        if wanted is not None and node_id not in wanted:
            continue
        ct = node.get("type")
        if ct not in (KS, ADV):
            if wanted is not None:
                issues.append(Issue("wrong_node_type", f"is a {ct}, not a KSampler or KSamplerAdvanced", node_id, ct))
            continue
        if graph is not out:
            issues.append(Issue("in_subgraph", "is inside a subgraph definition; --to custom converts top-level "
                                "nodes only", node_id, ct))
            continue
        try:
            values = ui_values_followed(out, node, ui_widget_values(node, node_id))
            conv = _checked(lambda: to_chain(read_settings(ct, values, node_id), oracle), node_id, ct)
        except WorkflowError as exc:
            issues.extend(exc.issues)
            continue
        plans.append((node_id, node, conv, values))
    missing = (wanted or set()) - {nid for nid, _, _ in found}
    issues += [Issue("node_not_found", "no such node in the workflow", n) for n in sorted(missing)]
    if not plans and not issues:
        issues.append(Issue("nothing_to_convert", "the workflow has no KSampler or KSamplerAdvanced node"))
    if not approximate:
        issues += [Issue("conversion_not_exact", "; ".join(c.reasons) + f" (closest: {c.before.summary()} -> "
                         f"{c.after.summary()}); use --approximate to convert anyway", nid, c.source.class_type)
                   for nid, _, c, _ in plans if not c.exact]
    if issues:
        raise WorkflowError("cannot convert to custom", issues)
    for node_id, node, conv, values in plans:
        draw_chain(out, node["id"], conv.target, values.get("cfg", 8.0))
    return out, [(nid, node.get("title"), conv) for nid, node, conv, _ in plans]


def _checked(fn, node_id: str, class_type: str) -> Conversion:
    try:
        return fn()
    except ValueError as exc:  # unknown sampler / scheduler names
        text = str(exc)
        name = "scheduler" if "scheduler" in text else "sampler_name" if "sampler" in text else None
        raise WorkflowError(f"cannot convert node {node_id}", [Issue("value_not_in_list", text, node_id, class_type,
                                                                     input_name=name)]) from None


def chain_ids(data: Any, nodes: Iterable[str] | None = None) -> list[str]:
    """Ids of the API prompt's SamplerCustomAdvanced nodes (those among `nodes` when given); [] for UI workflows."""
    if not isinstance(data, dict) or isinstance(data.get("nodes"), list):
        return []
    wanted = None if nodes is None else {str(n) for n in nodes}
    return [k for k, n in data.items() if isinstance(n, dict) and n.get("class_type") == CUSTOM
            and (wanted is None or k in wanted)]


__all__ = ["AdvancedSettings", "chain_ids", "convert_custom_workflow", "follow_primitives", "read_chain"]
