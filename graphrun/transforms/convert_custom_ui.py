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

WIDGET_TYPES = {"seed": "INT", "noise_seed": "INT", "cfg": "FLOAT"}


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

    def widget_input(name: str, link_id) -> list:
        return [] if link_id is None else [{"name": name, "type": WIDGET_TYPES[name], "widget": {"name": name},
                                            "link": link_id}]

    sampler = g.add("KSamplerSelect", [x - 360, y], [], [("SAMPLER", "SAMPLER")], [chain.sampler_name])
    sched = g.add("BasicScheduler", [x - 360, y + 110], [{"name": "model", "type": "MODEL", "link": None}],
                  [("SIGMAS", "SIGMAS")], [chain.scheduler, chain.steps, chain.denoise])
    sched["inputs"][0]["link"] = g.connect(model_origin, sched["id"], 0, "MODEL")
    sigmas = (sched["id"], 0)
    for i, (kind, step) in enumerate(chain.splits):
        split = g.add("SplitSigmas", [x - 360, y + 250 + 110 * i], [{"name": "sigmas", "type": "SIGMAS", "link": None}],
                      [("high_sigmas", "SIGMAS"), ("low_sigmas", "SIGMAS")], [step])
        split["inputs"][0]["link"] = g.connect(sigmas, split["id"], 0, "SIGMAS")
        sigmas = (split["id"], 0 if kind == "high" else 1)
    seed_link = links["seed"] if links["seed"] is not None else links["noise_seed"]
    if chain.add_noise:
        noise = g.add("RandomNoise", [x - 720, y], widget_input("noise_seed", seed_link), [("NOISE", "NOISE")],
                      [chain.noise_seed if not isinstance(chain.noise_seed, list) else 0, "fixed"])
        if seed_link is not None:
            g.retarget(seed_link, noise["id"], 0)
    else:
        noise = g.add("DisableNoise", [x - 720, y], [], [("NOISE", "NOISE")], [])
        if seed_link is not None:
            g.unlink(seed_link)
    guider = g.add("CFGGuider", [x - 720, y + 110],
                   [{"name": "model", "type": "MODEL", "link": links["model"]},
                    {"name": "positive", "type": "CONDITIONING", "link": links["positive"]},
                    {"name": "negative", "type": "CONDITIONING", "link": links["negative"]}]
                   + widget_input("cfg", links["cfg"]), [("GUIDER", "GUIDER")], [cfg if not isinstance(cfg, list)
                                                                                else 8.0])
    for slot, name in enumerate(("model", "positive", "negative", "cfg")):
        if links[name] is not None:
            g.retarget(links[name], guider["id"], slot)
    g.retarget(links["latent_image"], node_id, 4)
    inputs = [{"name": "noise", "type": "NOISE", "link": None}, {"name": "guider", "type": "GUIDER", "link": None},
              {"name": "sampler", "type": "SAMPLER", "link": None}, {"name": "sigmas", "type": "SIGMAS", "link": None},
              {"name": "latent_image", "type": "LATENT", "link": links["latent_image"]}]
    k.update(type=CUSTOM, inputs=inputs, widgets_values=[],
             properties={**(k.get("properties") or {}), "Node name for S&R": CUSTOM})
    k.pop("widgets_values_named", None)
    outs = k.get("outputs") or [{"name": "LATENT", "type": "LATENT", "links": []}]
    k["outputs"] = [{**outs[0], "name": "output", "type": "LATENT", "slot_index": 0},
                    {"name": "denoised_output", "type": "LATENT", "links": [], "slot_index": 1}]
    for slot, (src, idx) in enumerate(((noise["id"], 0), (guider["id"], 0), (sampler["id"], 0), sigmas)):
        inputs[slot]["link"] = g.connect((src, idx), node_id, slot, ("NOISE", "GUIDER", "SAMPLER", "SIGMAS")[slot])
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
