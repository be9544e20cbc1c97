#!/usr/bin/env python
"""graphrun vs ComfyUI v0.3.64's own executor: the same API prompt, one fresh process per side, alternating rounds.

    python benchmarks/bench_vs_comfyui.py                                   # SD1.5 img2img 512x512, 5 steps, 2 rounds
    python benchmarks/bench_vs_comfyui.py --rounds 3 --steps 6 --modes fp32,bf16 --json out.json
    python benchmarks/bench_vs_comfyui.py --comfy-root /path/ComfyUI --comfy-python /path/venv/bin/python

Per round each side runs the prompt in its own interpreter (ComfyUI: `_comfy_worker.py` under --comfy-python, driven
through `execution.validate_prompt` + `execution.PromptExecutor` with no server, like ../shared/oracle/harness.py;
graphrun: `graphrun.runtime.run.run_workflow`), the order flipping every round so both see the same background load.
Printed: per-node seconds (median over rounds) and graphrun/ComfyUI ratios, seconds per sampling step (median of
the warm steps of every round: step 0 holds the warm-up and is not counted), peak RSS (VmHWM), and how close the
outputs are (relative L2 of the saved latents, max PNG difference): a speed number only counts at parity.
`--modes` adds graphrun-only runs with opt-in fast modes (`bf16`, `fp16`, `compile`, `channels_last`...), each
reported as a speed-up over graphrun's fp32 default and as its relative L2 against that default's latent.

Weights: the full-size random SD1.5 stand-in (../shared/oracle/make_tiny_sd15.py --full, 2.1 GB, byte-reproducible),
generated under --work on first use with the ComfyUI python (never committed). Other families: FAMILIES below.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARK = "@@BENCH@@ "
ORACLE = ROOT.parent / "shared" / "oracle"

# Per family: prompt shape, default size, the checkpoint name and how to make a stand-in, extra ComfyUI node
# modules. SDXL and Flux are hooks: fill them in when those families land in graphrun (families / flux branches).
FAMILIES = {
    "sd15": {"size": 512, "ckpt": "full-sd15-random.safetensors", "make": [str(ORACLE / "make_tiny_sd15.py"), "--full"],
             "extra_nodes": [], "cfg": 8.0, "prompt": "sd_img2img"},
    "sdxl": {"size": 1024, "ckpt": "full-sdxl-random.safetensors", "make": None, "extra_nodes": [], "cfg": 8.0,
             "prompt": "sd_img2img"},
    "flux": {"size": 512, "ckpt": "full-flux-random.safetensors", "make": None,
             "extra_nodes": ["comfy_extras/nodes_flux.py"], "cfg": 1.0, "prompt": "sd_img2img"},
}


def api_prompt(fam: dict, ckpt: str, image: str, steps: int, denoise: float, seed: int) -> dict:
    """The benchmark prompt (API format), node ids in execution order."""
    n = {
        "1": ("CheckpointLoaderSimple", {"ckpt_name": ckpt}),
        "2": ("CLIPTextEncode", {"text": "a photograph of an astronaut riding a horse, detailed, 8k", "clip": ["1", 1]}),
        "3": ("CLIPTextEncode", {"text": "blurry, low quality", "clip": ["1", 1]}),
        "4": ("LoadImage", {"image": image}),
        "5": ("VAEEncode", {"pixels": ["4", 0], "vae": ["1", 2]}),
        "6": ("KSampler", {"model": ["1", 0], "seed": seed, "steps": steps, "cfg": fam["cfg"], "sampler_name": "euler",
                           "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["5", 0],
                           "denoise": denoise}),
        "7": ("VAEDecode", {"samples": ["6", 0], "vae": ["1", 2]}),
        "8": ("SaveImage", {"images": ["7", 0], "filename_prefix": "bench"}),
        "9": ("SaveLatent", {"samples": ["6", 0], "filename_prefix": "bench"}),
    }
    return {k: {"class_type": ct, "inputs": inputs} for k, (ct, inputs) in n.items()}


def rss() -> dict:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, val = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(val.split()[0]) / 1024
    return out


# ----------------------------------------------------------------------------------------------- graphrun worker
def graphrun_worker(a: dict) -> dict:
    t_start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from graphrun.cli.threads import apply_threads

    apply_threads(a["threads"])
    from graphrun.backend.allocator import keep_freed_memory

    keep_freed_memory()  # as `graphrun run` does at start
    import torch

    from graphrun.runtime.run import run_workflow
    from graphrun.settings import Settings

    stamps: list[tuple[str, int, float]] = []
    nodes: list[dict] = []

    def progress(node_id, step, total):
        stamps.append((node_id, step, time.perf_counter()))

    def on_node(rec):
        nodes.append({"id": rec.node_id, "class_type": rec.class_type, "seconds": rec.seconds})

    fields = Settings.model_fields
    extra = {k: v for k, v in a.get("settings", {}).items() if k in fields}
    missing = sorted(set(a.get("settings", {})) - set(extra))
    if missing:
        raise SystemExit(f"this graphrun has no setting(s) {missing} for mode {a.get('mode')!r}")
    settings = Settings(models_dir=Path(a["models_dir"]), input_dir=Path(a["input_dir"]),
                        output_dir=Path(a["output_dir"]), progress=False, **extra)
    import_s = time.perf_counter() - t_start
    prompt_file = Path(a["output_dir"]) / "prompt.json"
    prompt_file.parent.mkdir(parents=True, exist_ok=True)
    prompt_file.write_text(json.dumps(a["prompt"]))
    # the sampler node's start: its progress calls mark step ends; step 0 runs from the KSampler's first call
    t0 = time.perf_counter()
    run_workflow(prompt_file, settings, progress=progress, log=lambda m: None, on_node=on_node)
    total_s = time.perf_counter() - t0
    steps = _graphrun_steps(stamps, nodes, t0)
    return {"side": "graphrun", "import_s": import_s, "total_s": total_s, "nodes": nodes, "step_times": steps,
            "rss": rss(), "torch": torch.__version__, "threads": torch.get_num_threads()}


def _graphrun_steps(stamps, nodes, t0) -> list[float]:
    """Step durations from progress stamps; step 0 starts where the sampler node started (t0 + earlier nodes)."""
    if not stamps:
        return []
    sampler_id = stamps[0][0]
    before = 0.0
    for n in nodes:
        if n["id"] == sampler_id:
            break
        before += n["seconds"]
    prev = t0 + before
    out = []
    for _, _, t in stamps:
        out.append(t - prev)
        prev = t
    return out


# ----------------------------------------------------------------------------------------------- orchestration
def run_side(side: str, a: dict, python: str, timeout: int) -> dict:
    if side == "comfyui":
        cmd = [python, str(HERE / "_comfy_worker.py"), json.dumps(a)]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_worker", json.dumps(a)]
    env = {**os.environ, "OMP_NUM_THREADS": str(a["threads"]), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(ROOT) if side != "comfyui" else ""}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode or not lines:
        raise SystemExit(f"{side} worker failed (rc {proc.returncode}):\n{proc.stderr[-4000:]}")
    r = json.loads(lines[-1][len(MARK):])
    r["process_wall_s"] = wall
    return r


def find_output(folder: Path, suffix: str) -> Path | None:
    hits = sorted(folder.rglob(f"bench*{suffix}"))
    return hits[-1] if hits else None


def compare_outputs(a_dir: Path, b_dir: Path) -> dict:
    """Relative L2 of the SaveLatent tensors and the max |difference| of the PNGs (0..255) between two runs."""
    import numpy as np
    from PIL import Image
    from safetensors.torch import load_file

    out = {}
    la, lb = find_output(a_dir, ".latent"), find_output(b_dir, ".latent")
    if la and lb:
        ta, tb = load_file(str(la))["latent_tensor"].double(), load_file(str(lb))["latent_tensor"].double()
        out["latent_rel_l2"] = float((ta - tb).norm() / tb.norm())
    pa, pb = find_output(a_dir, ".png"), find_output(b_dir, ".png")
    if pa and pb:
        ia = np.asarray(Image.open(pa)).astype(int)
        ib = np.asarray(Image.open(pb)).astype(int)
        out["png_max_diff"] = int(np.abs(ia - ib).max())
    return out


def test_image(path: Path, size: int, seed: int = 0) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    base = np.stack([x, y, 0.5 + 0.5 * np.sin(6.28 * (x + y))], axis=-1) * 200
    img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)


def ensure_ckpt(fam: dict, ns, work: Path) -> Path:
    target = ns.ckpt or work / "models" / "checkpoints" / fam["ckpt"]
    if target.exists():
        return target
    if fam["make"] is None:
        raise SystemExit(f"no stand-in generator for family {ns.family!r} yet: pass --ckpt FILE")
    print(f"writing {target} (random stand-in, ~1 min, once)", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COMFY_ROOT": str(ns.comfy_root), "ORACLE_WORK": str(work / "oracle")}
    subprocess.run([ns.comfy_python, *fam["make"], "--out", str(target), "--keys-dir", str(work / "oracle")],
                   check=True, env=env, cwd=str(ORACLE))
    return target


MODES = {  # graphrun-only opt-in modes: Settings fields they set (see graphrun/settings.py)
    "fp32": {},
    "bf16": {"dtype": "bf16"},
    "fp16": {"dtype": "fp16"},
    "compile": {"fast": ("compile",)},
    "channels_last": {"fast": ("channels_last",)},
}


# ----------------------------------------------------------------------------------------------- report
def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def warm_steps(r: dict) -> list[float]:
    return r["step_times"][1:]


def report(results: dict[str, list[dict]], parity: dict, a: dict, loads: list) -> str:
    g, c = results["graphrun"], results["comfyui"]
    lines = [f"## graphrun vs ComfyUI v0.3.64, {a['family']} img2img {a['size']}x{a['size']}, {a['steps']} steps, "
             f"{a['threads']} threads, {len(g)} alternating rounds\n",
             "| node | graphrun s | ComfyUI s | graphrun / ComfyUI |", "|---|---:|---:|---:|"]
    ids = [n["id"] for n in g[0]["nodes"]]
    for nid in ids:
        ct = next(n["class_type"] for n in g[0]["nodes"] if n["id"] == nid)
        gs = _med([next((n["seconds"] for n in r["nodes"] if n["id"] == nid), None) for r in g])
        cs = _med([sum(n["seconds"] for n in r["nodes"] if n["id"] == nid) or None for r in c])
        ratio = f"{gs / cs:.3f}" if gs is not None and cs else "–"
        lines.append(f"| {nid} {ct} | {gs:.3f} | {cs:.3f} | {ratio} |" if cs else f"| {nid} {ct} | {gs:.3f} | – | – |")
    gw = [t for r in g for t in warm_steps(r)]
    cw = [t for r in c for t in warm_steps(r)]
    paired = [_med(warm_steps(x)) / _med(warm_steps(y)) for x, y in zip(g, c) if warm_steps(x) and warm_steps(y)]
    lines.append(f"| **sampling step** (median of {len(gw)} / {len(cw)} warm steps) | {_med(gw):.3f} | {_med(cw):.3f} "
                 f"| **{_med(gw) / _med(cw):.3f}** |")
    lines.append(f"| sampling step, median of per-round ratios | | | {_med(paired):.3f} |")
    gt, ct_ = _med([r["total_s"] for r in g]), _med([r["total_s"] for r in c])
    lines.append(f"| whole prompt (executor) | {gt:.3f} | {ct_:.3f} | {gt / ct_:.3f} |")
    gi, ci = _med([r["import_s"] for r in g]), _med([r["import_s"] for r in c])
    lines.append(f"| start-up (imports before the prompt) | {gi:.3f} | {ci:.3f} | {gi / ci:.3f} |")
    gp, cp = max(r["rss"]["VmHWM"] for r in g), max(r["rss"]["VmHWM"] for r in c)
    lines.append(f"| **peak RSS** (VmHWM, worst round) | {gp:,.0f} MiB | {cp:,.0f} MiB | **{gp / cp:.3f}** |")
    lines.append("")
    lines.append(f"Parity of this run's outputs (graphrun vs ComfyUI, round 1): {json.dumps(parity.get('graphrun'))}")
    modes = [m for m in results if m not in ("graphrun", "comfyui")]
    if modes:
        lines += ["", "Opt-in graphrun modes (same rounds; speed-up over graphrun fp32 = fp32 time / mode time; "
                  "relative L2 of the mode's latent against the fp32 parity path):\n",
                  "| mode | step s | step speed-up | VAE encode speed-up | VAE decode speed-up | whole prompt "
                  "speed-up | peak RSS | latent rel L2 vs fp32 | PNG max diff vs fp32 |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for m in modes:
            rs = results[m]
            ms = _med([t for r in rs for t in warm_steps(r)])
            node = {ct: (_med([next(n["seconds"] for n in r["nodes"] if n["class_type"] == ct) for r in g]),
                         _med([next(n["seconds"] for n in r["nodes"] if n["class_type"] == ct) for r in rs]))
                    for ct in ("VAEEncode", "VAEDecode")}
            mt = _med([r["total_s"] for r in rs])
            p = parity.get(m, {})
            lines.append(f"| {m} | {ms:.3f} | {_med(gw) / ms:.2f}x | {node['VAEEncode'][0] / node['VAEEncode'][1]:.2f}x "
                         f"| {node['VAEDecode'][0] / node['VAEDecode'][1]:.2f}x | {gt / mt:.2f}x "
                         f"| {max(r['rss']['VmHWM'] for r in rs):,.0f} MiB | {p.get('latent_rel_l2', float('nan')):.2e} "
                         f"| {p.get('png_max_diff', '–')} |")
    lines += ["", f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, load average before/after each run: "
              + ", ".join(f"{s} {b:.1f}/{e:.1f}" for s, b, e in loads),
              f"- torch {g[0]['torch']} (graphrun side), {c[0]['torch']} (ComfyUI side); threads "
              f"{g[0]['threads']} / {c[0]['threads']}; python {platform.python_version()}",
              f"- per-round step medians: graphrun {[round(_med(warm_steps(r)), 3) for r in g]}, "
              f"ComfyUI {[round(_med(warm_steps(r)), 3) for r in c]}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--family", choices=sorted(FAMILIES), default="sd15")
    p.add_argument("--size", type=int, default=None, help="image side in pixels (default: the family's, SD1.5 512)")
    p.add_argument("--steps", type=int, default=5, help="KSampler steps (default 5; step 0 = warm-up)")
    p.add_argument("--denoise", type=float, default=0.75)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    p.add_argument("--threads", type=int, default=None, help="torch threads on both sides (default: physical cores)")
    p.add_argument("--modes", default="", help="comma list of extra graphrun modes: " + ", ".join(m for m in MODES
                                                                                                 if m != "fp32"))
    p.add_argument("--first", choices=("graphrun", "comfyui"), default="graphrun", help="side that runs first in round 1")
    p.add_argument("--mode-rounds", type=int, default=1, help="rounds that also run the --modes (default 1: the first)")
    p.add_argument("--comfy-root", type=Path, default=Path(os.environ.get("COMFY_ROOT", "/tmp/ow/ComfyUI")))
    p.add_argument("--comfy-python", default=os.environ.get("COMFY_PYTHON", "/tmp/ow/venv/bin/python"))
    p.add_argument("--comfy-shims", type=Path, default=ORACLE / "shims",
                   help="folder put first on ComfyUI's sys.path (import-only torchvision stand-in); '' for none")
    p.add_argument("--ckpt", type=Path, default=None, help="checkpoint to use (default: the family's random stand-in)")
    p.add_argument("--work", type=Path, default=Path("/tmp/graphrun-bench"),
                   help="scratch folder: models/, input/, outputs (default /tmp/graphrun-bench)")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per worker process")
    p.add_argument("--json", type=Path, help="write all raw results here")
    p.add_argument("--_worker", help=argparse.SUPPRESS)
    ns = p.parse_args(argv)
    if ns._worker:
        print(MARK + json.dumps(graphrun_worker(json.loads(ns._worker))), flush=True)
        return 0
    fam = FAMILIES[ns.family]
    size = ns.size or fam["size"]
    modes = [m for m in ns.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad:
        p.error(f"unknown mode(s) {bad}; known: {sorted(MODES)}")
    sys.path.insert(0, str(ROOT))
    from graphrun.cli.threads import resolve_threads

    threads = resolve_threads(ns.threads)
    work = ns.work.resolve()
    ckpt = ensure_ckpt(fam, ns, work)
    models = work / "models"
    link = models / "checkpoints" / fam["ckpt"]
    if ckpt.resolve() != link.resolve():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(ckpt.resolve())
    inputs = work / "input"
    inputs.mkdir(parents=True, exist_ok=True)
    image = f"bench-{size}.png"
    if not (inputs / image).exists():
        test_image(inputs / image, size)
    with open(ckpt, "rb") as f:  # warm the page cache once: load times measure parsing and building, not the disk
        while f.read(1 << 26):
            pass
    prompt = api_prompt(fam, fam["ckpt"], image, ns.steps, ns.denoise, ns.seed)
    base = dict(threads=threads, prompt=prompt, models_dir=str(models), input_dir=str(inputs))
    results: dict[str, list[dict]] = {"graphrun": [], "comfyui": [], **{m: [] for m in modes if m != "fp32"}}
    loads, out_dirs = [], {}
    for rnd in range(ns.rounds):
        order = ["graphrun", "comfyui"] if (rnd % 2 == 0) == (ns.first == "graphrun") else ["comfyui", "graphrun"]
        order += [m for m in modes if m != "fp32"] if rnd < ns.mode_rounds else []
        for side in order:
            out = work / "out" / f"r{rnd}-{side}"
            if out.exists():
                import shutil

                shutil.rmtree(out)
            out.mkdir(parents=True)
            a = {**base, "output_dir": str(out), "family": ns.family, "mode": side}
            if side == "comfyui":
                a.update(comfy_root=str(ns.comfy_root), shims=str(ns.comfy_shims) if str(ns.comfy_shims) else None,
                         extra_nodes=fam["extra_nodes"])
            elif side != "graphrun":
                a["settings"] = MODES[side]
            before = os.getloadavg()[0]
            print(f"[round {rnd + 1}/{ns.rounds}] {side} ...", file=sys.stderr, flush=True)
            r = run_side(side, a, ns.comfy_python, ns.timeout)
            loads.append((f"r{rnd + 1}-{side}", before, os.getloadavg()[0]))
            results[side].append(r)
            out_dirs.setdefault(side, out)
            print(f"  {side}: total {r['total_s']:.1f} s, steps {[round(s, 2) for s in r['step_times']]}, peak "
                  f"{r['rss']['VmHWM']:,.0f} MiB", file=sys.stderr, flush=True)
    parity = {"graphrun": compare_outputs(out_dirs["graphrun"], out_dirs["comfyui"])}
    for m in results:
        if m not in ("graphrun", "comfyui"):
            parity[m] = compare_outputs(out_dirs[m], out_dirs["graphrun"])
    a_show = dict(family=ns.family, size=size, steps=ns.steps, threads=threads)
    print(report(results, parity, a_show, loads))
    print(f"\ncommand: python benchmarks/bench_vs_comfyui.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    if ns.json:
        ns.json.write_text(json.dumps({"args": a_show, "results": results, "parity": parity, "loads": loads},
                                      indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
