"""Time load + compile + validate + plan on a generated ~300-node UI workflow (core nodes from object_info.json).

    python benchmarks/bench_compile.py [--nodes 300] [--runs 7] [--object-info PATH] [--save FILE]

The workflow is 30 chained ten-node stages (two prompts, latent, KSampler, latent upscale, KSampler (Advanced),
decode, two image scales, save); each stage samples the previous stage's latent, so the graph is ~90 nodes deep.
Prints the median (and min) per stage over N runs; the target is well under a second in total.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_INFO = ROOT.parent / "shared" / "data" / "object_info.json"


class UIBuilder:
    """A minimal UI workflow (schema 0.4) writer: nodes with socket inputs/outputs and 6-tuple links."""

    def __init__(self, defs):
        self.defs = defs
        self.nodes: list[dict] = []
        self.links: list[list] = []

    def add(self, class_type: str, widgets: list, **links: tuple[int, int]) -> int:
        d = self.defs[class_type]
        node_id = len(self.nodes) + 1
        inputs = []
        for spec in d.inputs():
            if spec.name in links:
                src, slot = links[spec.name]
                link_id = len(self.links) + 1
                self.links.append([link_id, src, slot, node_id, len(inputs), spec.type_name])
                self.nodes[src - 1]["outputs"][slot]["links"].append(link_id)
                inputs.append({"name": spec.name, "type": spec.type_name, "link": link_id})
        outputs = [{"name": n, "type": t, "links": []} for n, t in zip(d.output_name, d.output_types)]
        self.nodes.append({"id": node_id, "type": class_type, "pos": [node_id * 30, 100], "size": [300, 120],
                           "flags": {}, "order": node_id - 1, "mode": 0, "inputs": inputs, "outputs": outputs,
                           "properties": {"Node name for S&R": class_type}, "widgets_values": widgets})
        return node_id

    def workflow(self) -> dict:
        return {"last_node_id": len(self.nodes), "last_link_id": len(self.links), "nodes": self.nodes,
                "links": self.links, "groups": [], "config": {}, "extra": {}, "version": 0.4}


def generate(defs, n_nodes: int = 300) -> dict:
    b = UIBuilder(defs)
    ckpt = b.add("CheckpointLoaderSimple", ["tiny-sd15.safetensors"])
    latent = None
    for i in range(max(1, n_nodes // 10)):
        pos = b.add("CLIPTextEncode", [f"stage {i}, a cat"], clip=(ckpt, 1))
        neg = b.add("CLIPTextEncode", ["blurry"], clip=(ckpt, 1))
        if latent is None:
            src = b.add("EmptyLatentImage", [512, 512, 1])
        else:
            src = b.add("LatentUpscaleBy", ["nearest-exact", 1.0], samples=(latent, 0))
        ks = b.add("KSampler", [i, "fixed", 20, 8.0, "euler", "normal", 0.5], model=(ckpt, 0),
                   positive=(pos, 0), negative=(neg, 0), latent_image=(src, 0))
        up = b.add("LatentUpscaleBy", ["bilinear", 1.5], samples=(ks, 0))
        adv = b.add("KSamplerAdvanced", ["enable", i, "fixed", 20, 7.5, "dpmpp_2m", "karras", 10, 10000,
                                         "disable"], model=(ckpt, 0), positive=(pos, 0), negative=(neg, 0),
                    latent_image=(up, 0))
        dec = b.add("VAEDecode", [], samples=(adv, 0), vae=(ckpt, 2))
        s1 = b.add("ImageScaleBy", ["lanczos", 0.5], image=(dec, 0))
        s2 = b.add("ImageScale", ["bilinear", 256, 256, "center"], image=(s1, 0))
        b.add("SaveImage", [f"bench/stage{i}"], images=(s2, 0))
        latent = adv
    return b.workflow()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=300)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--object-info", type=Path, default=DEFAULT_INFO)
    ap.add_argument("--save", type=Path, default=None, help="also write the generated UI workflow here")
    args = ap.parse_args(argv)

    from graphrun.compile.checks_files import build_definitions
    from graphrun.compile.plan import build_plan
    from graphrun.compile.ui_to_api import compile_ui
    from graphrun.compile.validate import validate_prompt
    from graphrun.nodedefs import load_object_info
    from graphrun.nodes.base import default_registry
    from graphrun.workflow.load import load_document

    t0 = time.perf_counter()
    info = load_object_info(args.object_info)
    defs = build_definitions(default_registry(), info, lambda folder: ["tiny-sd15.safetensors"]
                             if folder == "checkpoints" else [])
    t_defs = time.perf_counter() - t0
    raw = json.dumps(generate(info, args.nodes)).encode()
    if args.save:
        args.save.write_bytes(raw)

    stages: dict[str, list[float]] = {"load": [], "compile": [], "validate": [], "plan": [], "total": []}
    for _ in range(args.runs):
        t = [time.perf_counter()]
        doc = load_document(raw, name="bench.json")
        t.append(time.perf_counter())
        prompt = compile_ui(doc.data, defs).prompt
        t.append(time.perf_counter())
        result = validate_prompt(prompt, defs)
        t.append(time.perf_counter())
        if not result.ok or result.issues:
            print("generated workflow is invalid:", *[i.render() for i in result.issues[:10]], sep="\n  ")
            return 1
        plan = build_plan(result.prompt, defs, list(result.outputs))
        t.append(time.perf_counter())
        for name, a, b in zip(("load", "compile", "validate", "plan"), t, t[1:]):
            stages[name].append(b - a)
        stages["total"].append(t[-1] - t[0])

    print(f"workflow: {len(prompt)} nodes, {len(doc.data['links'])} links, {len(result.outputs)} outputs, "
          f"plan depth {len(plan.order)} steps; {len(raw) / 1024:.0f} KiB JSON")
    print(f"definitions (object_info + graphrun registry, once): {t_defs * 1000:.1f} ms")
    for name, values in stages.items():
        print(f"{name:>9}: median {statistics.median(values) * 1000:7.1f} ms   min {min(values) * 1000:7.1f} ms"
              f"   ({args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
