"""`--to custom` on a saved UI workflow: the same chain as convert_custom, drawn as UI nodes and links.

The sampler node keeps its id and its LATENT output links and becomes a SamplerCustomAdvanced; its model /
positive / negative links move to a new CFGGuider (the model also feeds a new BasicScheduler), the latent link
stays; a seed or cfg widget fed by a primitive keeps its link on RandomNoise / CFGGuider. Other deciding widgets
fed by primitives are written as values (the primitive's link to them is removed). Top-level nodes only; both the
0.4 link lists and the 1.x link objects are handled.
"""

from __future__ import annotations

from typing import Any

from graphrun.errors import Issue, WorkflowError
from graphrun.transforms.custom_chain import CUSTOM, ChainSettings
from graphrun.transforms.sampler_layout import node_shape


class _Graph:
    """Node and link bookkeeping over one UI graph dict (0.4 `[id, from, slot, to, slot, type]` lists or 1.x
    `{id, origin_id, origin_slot, target_id, target_slot, type}` objects)."""

    def __init__(self, ui: dict):
        self.ui = ui
        self.nodes = {n.get("id"): n for n in ui["nodes"] if isinstance(n, dict)}
        links = ui.setdefault("links", [])
        self.dict_links = bool(links) and isinstance(links[0], dict)
        state = ui.get("state") if isinstance(ui.get("state"), dict) else None
        self.next_node = max([int(i) for i in self.nodes if isinstance(i, int)] +
                             [int(ui.get("last_node_id") or 0), int((state or {}).get("lastNodeId") or 0)]) + 1
        self.next_link = max([self._lid(l) for l in links] +
                             [int(ui.get("last_link_id") or 0), int((state or {}).get("lastLinkId") or 0)]) + 1

    def _lid(self, link) -> int:
        return int(link["id"] if isinstance(link, dict) else link[0])

    def link(self, link_id):
        return next((l for l in self.ui["links"] if self._lid(l) == link_id), None)

    def origin(self, link_id) -> tuple[Any, int] | None:
        l = self.link(link_id)
        if l is None:
            return None
        return (l["origin_id"], l["origin_slot"]) if isinstance(l, dict) else (l[1], l[2])

    def retarget(self, link_id, node_id, slot: int) -> None:
        l = self.link(link_id)
        if isinstance(l, dict):
            l["target_id"], l["target_slot"] = node_id, slot
        else:
            l[3], l[4] = node_id, slot

    def connect(self, origin: tuple[Any, int], node_id, slot: int, type_: str) -> int:
        lid = self.next_link
        self.next_link += 1
        o_id, o_slot = origin
        if self.dict_links:
            self.ui["links"].append({"id": lid, "origin_id": o_id, "origin_slot": o_slot, "target_id": node_id,
                                     "target_slot": slot, "type": type_})
        else:
            self.ui["links"].append([lid, o_id, o_slot, node_id, slot, type_])
        out = self.nodes[o_id]["outputs"][o_slot]
        out["links"] = list(out.get("links") or []) + [lid]
        return lid

    def unlink(self, link_id) -> None:
        origin = self.origin(link_id)
        self.ui["links"] = [l for l in self.ui["links"] if self._lid(l) != link_id]
        if origin and origin[0] in self.nodes:
            out = self.nodes[origin[0]]["outputs"][origin[1]]
            out["links"] = [x for x in out.get("links") or [] if x != link_id]

    def add(self, type_: str, pos, inputs: list, outputs: list[tuple[str, str]], widgets: list) -> dict:
        nid = self.next_node
        self.next_node += 1
        node = {"id": nid, "type": type_, "pos": pos, "size": [315, 82 + 26 * len(widgets)], "flags": {},
                "order": 0, "mode": 0, "inputs": inputs,
                "outputs": [{"name": n, "type": t, "links": [], "slot_index": i} for i, (n, t) in enumerate(outputs)],
                "properties": {"Node name for S&R": type_}, "widgets_values": widgets}
        self.ui["nodes"].append(node)
        self.nodes[nid] = node
        return node

    def finish(self) -> None:
        if "last_node_id" in self.ui or "state" not in self.ui:
            self.ui["last_node_id"] = self.next_node - 1
            self.ui["last_link_id"] = self.next_link - 1
        if isinstance(self.ui.get("state"), dict):
            self.ui["state"]["lastNodeId"] = self.next_node - 1
            self.ui["state"]["lastLinkId"] = self.next_link - 1


def _slot_link(node: dict, name: str):
    slot = next((s for s in node.get("inputs") or [] if isinstance(s, dict) and s.get("name") == name), None)
    return None if slot is None else slot.get("link")


def draw_chain(ui: dict, node_id: Any, chain: ChainSettings, cfg: Any) -> None:
    """Replace UI node `node_id` (a KSampler / KSamplerAdvanced) by the chain, in place."""
    g = _Graph(ui)
    k = g.nodes[node_id]
    links = {name: _slot_link(k, name) for name in ("model", "positive", "negative", "latent_image", "seed",
                                                    "noise_seed", "cfg")}
    missing = [n for n in ("model", "positive", "negative", "latent_image") if links[n] is None]
    if missing:
        raise WorkflowError(f"cannot convert node {node_id}", [Issue(
            "required_input_missing", "is not connected; the chain needs it", str(node_id), k.get("type"),
            input_name=missing[0])])
    for slot in list(k.get("inputs") or []):  # primitive links into deciding widgets: values are written instead
        if slot.get("widget") and slot.get("link") is not None and slot.get("name") not in ("seed", "noise_seed",
                                                                                             "cfg"):
            g.unlink(slot["link"])
    x, y = (k.get("pos") or [0, 0])[:2] if isinstance(k.get("pos"), list) else (0, 0)
    model_origin = g.origin(links["model"])

    def add(class_type: str, pos: list, values: dict, linked: dict | None = None) -> dict:
        """A new node shaped by its declaration; `linked`: input name -> an existing link moved onto it."""
        inputs, outputs, widgets = node_shape(class_type).ui_node(values, linked or {})
        node = g.add(class_type, pos, inputs, outputs, widgets)
        for slot, inp in enumerate(inputs):
            if inp["link"] is not None:
                g.retarget(inp["link"], node["id"], slot)
        return node

    def feed(node: dict, name: str, origin: tuple[Any, int]) -> None:
        slot = next(i for i, inp in enumerate(node["inputs"]) if inp["name"] == name)
        node["inputs"][slot]["link"] = g.connect(origin, node["id"], slot, node["inputs"][slot]["type"])

    sampler = add("KSamplerSelect", [x - 360, y], {"sampler_name": chain.sampler_name})
    sched = add("BasicScheduler", [x - 360, y + 110],
                {"scheduler": chain.scheduler, "steps": chain.steps, "denoise": chain.denoise})
    feed(sched, "model", model_origin)
    sigmas = (sched["id"], 0)
    for i, (kind, step) in enumerate(chain.splits):
        split = add("SplitSigmas", [x - 360, y + 250 + 110 * i], {"step": step})
        feed(split, "sigmas", sigmas)
        sigmas = (split["id"], 0 if kind == "high" else 1)
    seed_link = links["seed"] if links["seed"] is not None else links["noise_seed"]
    if chain.add_noise:
        seed = chain.noise_seed if not isinstance(chain.noise_seed, list) else 0
        noise = add("RandomNoise", [x - 720, y], {"noise_seed": seed, "control_after_generate": "fixed"},
                    {"noise_seed": seed_link})
    else:
        noise = add("DisableNoise", [x - 720, y], {})
        if seed_link is not None:
            g.unlink(seed_link)
    guider = add("CFGGuider", [x - 720, y + 110], {"cfg": cfg if not isinstance(cfg, list) else 8.0},
                 {name: links[name] for name in ("model", "positive", "negative", "cfg")})
    inputs, outputs, _ = node_shape(CUSTOM).ui_node({}, {"latent_image": links["latent_image"]})
    latent_slot = next(i for i, inp in enumerate(inputs) if inp["name"] == "latent_image")
    g.retarget(links["latent_image"], node_id, latent_slot)
    k.update(type=CUSTOM, inputs=inputs, widgets_values=[],
             properties={**(k.get("properties") or {}), "Node name for S&R": CUSTOM})
    k.pop("widgets_values_named", None)
    outs = k.get("outputs") or [{"name": "LATENT", "type": "LATENT", "links": []}]
    k["outputs"] = [{**outs[0], "name": outputs[0][0], "type": outputs[0][1], "slot_index": 0}] + [
        {"name": n, "type": t, "links": [], "slot_index": i} for i, (n, t) in enumerate(outputs) if i]
    for name, origin in (("noise", (noise["id"], 0)), ("guider", (guider["id"], 0)), ("sampler", (sampler["id"], 0)),
                         ("sigmas", sigmas)):
        feed(k, name, origin)
    g.finish()


def ui_values_followed(ui: dict, node: dict, values: dict[str, Any]) -> dict[str, Any]:
    """Deciding widgets linked (["link", id]) to a PrimitiveNode / Primitive* node: that node's value."""
    g = _Graph(ui)
    out = dict(values)
    for name, v in values.items():
        if isinstance(v, list) and len(v) == 2 and v[0] == "link":
            origin = g.origin(v[1])
            src = g.nodes.get(origin[0]) if origin else None
            if src and (src.get("type") == "PrimitiveNode" or str(src.get("type")).startswith("Primitive")):
                wv = src.get("widgets_values")
                if isinstance(wv, list) and wv:
                    out[name] = wv[0]
    return out
