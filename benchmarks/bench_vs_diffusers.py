#!/usr/bin/env python
"""graphrun vs diffusers' StableDiffusionImg2ImgPipeline on the same full-size SD1.5-architecture random weights.

    python benchmarks/bench_vs_diffusers.py                      # 256x256, 4 steps, all cores (a few minutes)
    python benchmarks/bench_vs_diffusers.py --ab                 # + both sides in ONE process, runs alternated
    python benchmarks/bench_vs_diffusers.py --size 512 --steps 10 --threads 4 --rounds 2 --json out.json

Measures, per side, in a fresh interpreter (so peak RSS and load time are not polluted by the other side):
seconds per sampling step (median over the steps after the first, which is the warm-up), checkpoint load time, peak RSS
(VmHWM), plus text-encode / VAE-encode / VAE-decode times. Both sides read the same cached fp16 safetensors stub
(graphrun.backend.stub, seed 0), run the UNet in fp32 on CPU with one batched [uncond, cond] UNet call per step,
euler / EulerDiscreteScheduler (linspace spacing ~ ComfyUI "normal"), denoise/strength 0.75, cfg 8, same prompt.

Nothing is downloaded: the diffusers config folder (incl. tokenizer vocab/merges) is generated in code
(benchmarks/_sd15_config.py) and HF_HUB_OFFLINE=1 is set for the workers. On a shared machine the wall-clock
numbers of separate processes are at the mercy of other jobs; `--ab` (both sides loaded in one process, sampling
runs alternated) gives the like-for-like per-step ratio.
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
CACHE = HERE / ".cache"
STUB = CACHE / "stub-sd15-full.safetensors"
CONFIG_DIR = CACHE / "sd15-diffusers-config"
MARK = "@@BENCH@@ "

DEFAULT_PROMPT = "a photograph of an astronaut riding a horse, detailed, 8k"
DEFAULT_NEGATIVE = "blurry, low quality"


# ----------------------------------------------------------------------------------------------------- helpers
def proc_status() -> dict[str, float]:
    """VmRSS / VmHWM in MiB from /proc/self/status (falls back to ru_maxrss for the peak)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0]) / 1024
    except OSError:
        pass
    if "VmHWM" not in out:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["VmHWM"] = kb / 1024 / (1024 if sys.platform == "darwin" else 1)
    return out


def make_stub(path: Path = STUB) -> Path:
    """Write the full-size SD1.5 stub (fp16 safetensors, ~2.1 GB) once; later runs reuse it."""
    if path.exists():
        return path
    import torch
    from safetensors.torch import save_file

    from graphrun.backend.stub import make_stub_checkpoint

    print(f"writing {path} (full-size SD1.5 stub, fp16, seed 0; ~1 min, once)", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    sd = {k: v.contiguous() for k, v in make_stub_checkpoint("full", seed=0, dtype=torch.float16).items()}
    tmp = path.with_suffix(".tmp")
    save_file(sd, str(tmp), metadata={"graphrun_stub": "full seed=0 fp16"})
    os.replace(tmp, path)
    return path


def test_image(size: int, seed: int):
    """A deterministic uint8 RGB image (smooth gradients + noise) as a numpy array [H, W, 3]."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    base = np.stack([x, y, 0.5 + 0.5 * np.sin(6.28 * (x + y))], axis=-1) * 200
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def diffusers_steps(steps: int, strength: float) -> int:
    """num_inference_steps N such that the img2img pipeline runs exactly `steps` steps: int(N*strength) == steps."""
    n = steps
    while int(n * strength) < steps:
        n += 1
    if int(n * strength) != steps:
        raise SystemExit(f"no num_inference_steps gives exactly {steps} steps at strength {strength}")
    return n


class StepTimer:
    """Wall and process-CPU timestamps of per-step callbacks; step i lasts t[i] - t[i-1] (step 0 = warm-up)."""

    def __init__(self):
        self.start = (0.0, 0.0)
        self.stamps: list[tuple[float, float]] = []
        self.ru_first: dict | None = None
        self.ru_last: dict | None = None

    @staticmethod
    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def begin(self, at: tuple[float, float] | None = None):
        self.start = at or self.now()
        self.stamps = []
        self.ru_first = self.ru_last = None

    def tick(self, *_a, **_k):
        self.stamps.append(self.now())
        self.ru_last = _rusage()  # counters over the warm steps: first callback .. last callback
        if len(self.stamps) == 1:
            self.ru_first = self.ru_last

    def result(self) -> dict:
        prev = [self.start] + self.stamps
        wall = [b[0] - a[0] for a, b in zip(prev, self.stamps)]
        cpu = [b[1] - a[1] for a, b in zip(prev, self.stamps)]
        tw, tc = wall[1:], cpu[1:]
        ru = ({k: self.ru_last[k] - self.ru_first[k] for k in self.ru_first}
              if self.ru_first and self.ru_last and len(tw) else None)
        return {"step_times": wall, "step_cpu_times": cpu, "warmup_step_s": wall[0] if wall else None,
                "step_median_s": statistics.median(tw) if tw else None,
                "step_mean_s": statistics.fmean(tw) if tw else None,
                "step_min_s": min(tw) if tw else None,
                "step_cpu_median_s": statistics.median(tc) if tc else None,
                "warm_rusage": ru,
                "step_sys_s": ru["stime"] / len(tw) if ru else None,
                "step_minflt": ru["minflt"] / len(tw) if ru else None}


def _rusage() -> dict[str, float]:
    """Process resource counters: user/system CPU, page faults, voluntary/involuntary context switches."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"utime": r.ru_utime, "stime": r.ru_stime, "minflt": r.ru_minflt, "majflt": r.ru_majflt,
            "nvcsw": r.ru_nvcsw, "nivcsw": r.ru_nivcsw}


def _setup_torch(threads: int):
    import torch

    torch.set_num_threads(threads)
    return torch


# ----------------------------------------------------------------------------------------------------- sides
class GraphrunSide:
    """graphrun, driven the way the runtime runs the nodes (each node body under torch.inference_mode)."""

    name = "graphrun"

    def __init__(self, a: dict):
        import torch

        self.a, self.torch = a, torch
        self.mode = torch.inference_mode if a["inference_mode"] else torch.no_grad

    @staticmethod
    def imports():
        import diffusers  # noqa: F401  (graphrun builds its UNet/VAE with diffusers' modules: import them up front)
        from diffusers import AutoencoderKL, UNet2DConditionModel  # noqa: F401
        from diffusers.loaders import single_file_utils  # noqa: F401

        import graphrun.backend.checkpoints  # noqa: F401
        import graphrun.backend.clip  # noqa: F401
        import graphrun.sampling.ksampler  # noqa: F401

    def load(self) -> dict:
        from graphrun.backend.checkpoints import load_checkpoint

        with self.mode():
            self.ckpt = load_checkpoint(self.a["ckpt"])
        if self.a["channels_last"]:
            with self.mode():  # the weights are inference tensors: convert them inside the same mode
                self.ckpt.model.network.unet.to(memory_format=self.torch.channels_last)
        weights = getattr(getattr(self.ckpt.clip, "transformer", None), "weights", None) or {}
        te = sorted({str(w.dtype) for w in weights.values()})
        return {"unet": str(self.ckpt.model.dtype), "vae": str(self.ckpt.vae.dtype),
                "text_encoder": f"{'/'.join(te) or '?'} weights, fp32 compute"}

    @property
    def unet(self):
        return self.ckpt.model.network.unet

    def encode_text(self):
        from graphrun.values import CondEntry

        with self.mode():
            cond, pooled = self.ckpt.clip.encode(self.a["prompt"])
            ncond, npooled = self.ckpt.clip.encode(self.a["negative"])
        self.positive = (CondEntry(cond, pooled_output=pooled),)
        self.negative = (CondEntry(ncond, {"pooled_output": npooled}),)

    def encode_image(self, image_u8) -> float:
        pixels = self.torch.from_numpy(image_u8).float().div(255.0)[None]  # IMAGE: NHWC 0..1
        t = time.perf_counter()
        with self.mode():
            self.samples = self.ckpt.vae.encode(pixels)
        return time.perf_counter() - t

    def sample(self, timer: StepTimer):
        from graphrun.sampling.ksampler import common_ksampler
        from graphrun.values import Latent

        a = self.a
        with self.mode():
            timer.begin()
            out = common_ksampler(self.ckpt.model, a["seed"], a["steps"], a["cfg"], "euler", "normal", self.positive,
                                  self.negative, Latent(self.samples), denoise=a["denoise"],
                                  callback=lambda *cb: timer.tick())
        return out.samples

    def decode(self, latent):
        with self.mode():
            return self.ckpt.vae.decode(latent)


class DiffusersSide:
    """diffusers StableDiffusionImg2ImgPipeline.from_single_file on the same file, config folder made offline."""

    name = "diffusers"

    def __init__(self, a: dict):
        import torch

        self.a, self.torch = a, torch
        self.n = diffusers_steps(a["steps"], a["denoise"])

    @staticmethod
    def imports():
        from diffusers import StableDiffusionImg2ImgPipeline  # noqa: F401
        from transformers import CLIPTextModel, CLIPTokenizer  # noqa: F401  (lazy imports, kept out of load time)

    def load(self) -> dict:
        from diffusers import StableDiffusionImg2ImgPipeline
        from diffusers.utils import logging as dlogging

        dlogging.disable_progress_bar()
        pipe = StableDiffusionImg2ImgPipeline.from_single_file(
            self.a["ckpt"], config=self.a["config_dir"], local_files_only=True, torch_dtype=self.torch.float32,
            safety_checker=None, feature_extractor=None, requires_safety_checker=False,
        )
        pipe.set_progress_bar_config(disable=True)
        if self.a["channels_last"]:
            pipe.unet.to(memory_format=self.torch.channels_last)
        self.pipe = pipe
        # time the pipeline's own VAE encode (it runs inside __call__, before the first step)
        self.phase: dict[str, float] = {}
        vae_encode = pipe.vae.encode

        def timed_encode(*args, **kw):
            s = time.perf_counter()
            r = vae_encode(*args, **kw)
            self.phase["vae_encode_s"] = time.perf_counter() - s
            self.phase["after_encode"] = StepTimer.now()
            return r

        pipe.vae.encode = timed_encode
        return {"unet": str(pipe.unet.dtype), "vae": str(pipe.vae.dtype), "text_encoder": str(pipe.text_encoder.dtype),
                "scheduler": type(pipe.scheduler).__name__, "num_inference_steps": self.n}

    @property
    def unet(self):
        return self.pipe.unet

    def encode_text(self):
        with self.torch.no_grad():
            self.pe, self.ne = self.pipe.encode_prompt(self.a["prompt"], "cpu", 1, True, self.a["negative"])

    def encode_image(self, image_u8):
        from PIL import Image

        self.image = Image.fromarray(image_u8)
        return None  # timed inside the pipeline call

    def sample(self, timer: StepTimer):
        a = self.a
        gen = self.torch.Generator().manual_seed(a["seed"])
        self.phase.clear()

        def on_step_end(_pipe, i, _t, kwargs):
            timer.tick()
            return kwargs

        timer.begin()
        out = self.pipe(prompt_embeds=self.pe, negative_prompt_embeds=self.ne, image=self.image,
                        strength=a["denoise"], num_inference_steps=self.n, guidance_scale=a["cfg"], generator=gen,
                        output_type="latent", callback_on_step_end=on_step_end).images
        # step 0 = from the end of the pipeline's VAE encode to the first callback (noise + first UNet call)
        timer.start = self.phase.get("after_encode", timer.start)
        return out

    def decode(self, latents):
        with self.torch.no_grad():
            return self.pipe.vae.decode(latents / self.pipe.vae.config.scaling_factor, return_dict=False)[0]


SIDES = {"graphrun": GraphrunSide, "diffusers": DiffusersSide}


def run_side(side_name: str, a: dict) -> dict:
    """Everything one side does in its own fresh process: import, load, encode, sample (timed per step), decode."""
    t0 = time.perf_counter()
    torch = _setup_torch(a["threads"])
    cls = SIDES[side_name]
    cls.imports()
    res = {"import_s": time.perf_counter() - t0}
    side = cls(a)
    t = time.perf_counter()
    res["dtypes"] = side.load()
    res["load_s"] = time.perf_counter() - t
    st = proc_status()
    res["rss_after_load_mib"], res["peak_rss_after_load_mib"] = st.get("VmRSS"), st.get("VmHWM")
    res["unet_layout"] = unet_layout(side.unet)

    t = time.perf_counter()
    side.encode_text()
    res["text_encode_s"] = time.perf_counter() - t
    res["vae_encode_s"] = side.encode_image(test_image(a["size"], a["seed"]))

    timer, profiler = StepTimer(), _maybe_profiler(a)
    t = time.perf_counter()
    with profiler:
        out = side.sample(timer)
    res["sampling_s"] = time.perf_counter() - t
    if res["vae_encode_s"] is None:  # diffusers: the VAE encode ran inside the pipeline call
        res["vae_encode_s"] = side.phase.get("vae_encode_s")
        res["sampling_s"] -= res["vae_encode_s"] or 0.0
    res.update(timer.result())
    _profile_report(a, profiler, res)

    t = time.perf_counter()
    img = side.decode(out)
    res["vae_decode_s"] = time.perf_counter() - t
    res["finite"] = bool(torch.isfinite(out).all()) and bool(torch.isfinite(img).all())
    res["latent_shape"] = list(out.shape)
    return res


def run_ab(a: dict) -> dict:
    """Both sides in ONE process, sampling runs alternated (g, d, g, d, ...): per-step times under the same noise."""
    torch = _setup_torch(a["threads"])
    sides = []
    for name in ("graphrun", "diffusers"):
        cls = SIDES[name]
        cls.imports()
        side = cls(a)
        side.load()
        side.encode_text()
        side.encode_image(test_image(a["size"], a["seed"]))
        sides.append(side)
    res = {"graphrun": [], "diffusers": [], "unet_same_weights": _same_weights(sides[0].unet, sides[1].unet)}
    for rnd in range(a["ab_rounds"]):
        for side in (sides if rnd % 2 == 0 else sides[::-1]):
            timer = StepTimer()
            side.sample(timer)
            r = timer.result()
            res[side.name].append(r)
            print(f"  ab round {rnd + 1}: {side.name} steps {['%.3f' % s for s in r['step_times']]}",
                  file=sys.stderr, flush=True)
    res["threads"] = torch.get_num_threads()
    return res


def unet_layout(unet) -> dict:
    """What could make one UNet slower than the other with the same class: strides, dtypes, attention processor."""
    import torch

    params = list(unet.parameters())
    procs = sorted({type(p).__name__ for p in unet.attn_processors.values()})
    return {"params": sum(p.numel() for p in params), "non_contiguous": sum(not p.is_contiguous() for p in params),
            "channels_last_4d": sum(p.ndim == 4 and p.is_contiguous(memory_format=torch.channels_last)
                                    and not p.is_contiguous() for p in params),
            "dtypes": sorted({str(p.dtype) for p in params}), "attn_processors": procs,
            "inference_tensors": sum(p.is_inference() for p in params)}


def _same_weights(u1, u2) -> bool:
    s1, s2 = u1.state_dict(), u2.state_dict()
    return s1.keys() == s2.keys() and all(bool((s1[k] == s2[k]).all()) for k in s1)


def _maybe_profiler(a: dict):
    import contextlib

    if not a.get("profile"):
        return contextlib.nullcontext()
    from torch.profiler import ProfilerActivity, profile

    return profile(activities=[ProfilerActivity.CPU], record_shapes=False)


def _profile_report(a: dict, profiler, res: dict) -> None:
    if not a.get("profile"):
        return
    table = profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=a.get("profile_rows", 25))
    res["profile_table"] = table
    ops = {}
    for ev in profiler.key_averages():
        ops[ev.key] = {"count": ev.count, "self_cpu_ms": ev.self_cpu_time_total / 1000}
    res["profile_ops"] = ops


WORKERS = ("graphrun", "diffusers", "ab")


def run_worker(side: str, args: dict) -> dict:
    """One side in a fresh interpreter; returns its result dict (+ peak RSS measured inside the child)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               DIFFUSERS_VERBOSITY="error", TRANSFORMERS_VERBOSITY="error", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS=str(args["threads"]), MKL_NUM_THREADS=str(args["threads"]),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_worker", side, "--_args", json.dumps(args)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for ln in proc.stderr.splitlines():
        if ln.startswith("  ab round"):
            print(ln, file=sys.stderr)
    wall = time.perf_counter() - t
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise SystemExit(f"{side} worker failed (exit {proc.returncode})")
    res = json.loads(lines[-1][len(MARK):])
    res["process_wall_s"] = wall
    return res


def worker_main(side: str, args_json: str) -> None:
    a = json.loads(args_json)
    res = run_ab(a) if side == "ab" else run_side(side, a)
    st = proc_status()
    res["peak_rss_mib"] = st.get("VmHWM")
    import torch

    res["torch_threads"] = torch.get_num_threads()
    print(MARK + json.dumps(res), flush=True)


# ----------------------------------------------------------------------------------------------------- report
ROWS = [  # label, key, unit, lower-is-better
    ("seconds per sampling step (median, warm)", "step_median_s", "s"),
    ("seconds per sampling step (mean, warm)", "step_mean_s", "s"),
    ("process CPU seconds per step (median, warm)", "step_cpu_median_s", "s"),
    ("  of which kernel (system) CPU per step", "step_sys_s", "s"),
    ("  minor page faults per step", "step_minflt", "#"),
    ("first (warm-up) step", "warmup_step_s", "s"),
    ("checkpoint load time", "load_s", "s"),
    ("peak memory (VmHWM)", "peak_rss_mib", "MiB"),
    ("peak memory by end of load", "peak_rss_after_load_mib", "MiB"),
    ("RSS after load", "rss_after_load_mib", "MiB"),
    ("text encode (pos + neg)", "text_encode_s", "s"),
    ("VAE encode", "vae_encode_s", "s"),
    ("sampling total", "sampling_s", "s"),
    ("VAE decode", "vae_decode_s", "s"),
    ("import time", "import_s", "s"),
]


def _best(results: list[dict], key: str):
    vals = [r[key] for r in results if r.get(key) is not None]
    if not vals:
        return None
    return min(vals)  # best-of-rounds: the noise on a shared machine only ever adds time/memory


def table(g: list[dict], d: list[dict]) -> str:
    lines = ["| metric | graphrun | diffusers | graphrun / diffusers |", "|---|---:|---:|---:|"]
    for label, key, unit in ROWS:
        gv, dv = _best(g, key), _best(d, key)
        if gv is None and dv is None:
            continue
        fmt = ((lambda v: f"{v:,.0f} {unit}") if unit == "MiB" else (lambda v: f"{v:,.0f}") if unit == "#"
               else (lambda v: f"{v:.3f} {unit}"))
        ratio = f"{gv / dv:.3f}" if gv is not None and dv else "–"
        lines.append(f"| {label} | {fmt(gv) if gv is not None else '–'} | {fmt(dv) if dv is not None else '–'} "
                     f"| {ratio} |")
    return "\n".join(lines)


def ab_table(ab: dict) -> str:
    """Per-step times from the one-process alternating runs, all warm steps of all runs pooled."""
    lines = [f"Both sides in ONE process, sampling runs alternated ({len(ab['graphrun'])} per side; same noise "
             f"conditions; UNet weights identical: {ab.get('unet_same_weights')}):\n",
             "| metric | graphrun | diffusers | graphrun / diffusers |", "|---|---:|---:|---:|"]
    pooled = {k: [t for r in ab[k] for t in r["step_times"][1:]] for k in ("graphrun", "diffusers")}
    cpu = {k: [t for r in ab[k] for t in r["step_cpu_times"][1:]] for k in ("graphrun", "diffusers")}
    for label, fn, src in (("seconds per step (median of warm steps)", statistics.median, pooled),
                           ("seconds per step (min)", min, pooled),
                           ("process CPU seconds per step (median)", statistics.median, cpu)):
        g, d = fn(src["graphrun"]), fn(src["diffusers"])
        lines.append(f"| {label} | {g:.3f} s | {d:.3f} s | {g / d:.3f} |")
    lines.append(f"| warm steps measured | {len(pooled['graphrun'])} | {len(pooled['diffusers'])} | |")
    return "\n".join(lines)


def settings_block(a: dict, g: list[dict], d: list[dict]) -> str:
    import diffusers
    import torch

    try:
        import transformers

        tv = transformers.__version__
    except ImportError:
        tv = "not installed"
    ds = d[0] if d else {}
    gs = g[0] if g else {}
    items = [
        ("input", f"{a['size']}x{a['size']} RGB -> latent {gs.get('latent_shape') or ds.get('latent_shape')}"),
        ("steps", f"{a['steps']} sampled (euler/normal, denoise {a['denoise']}; diffusers EulerDiscreteScheduler "
                  f"num_inference_steps={diffusers_steps(a['steps'], a['denoise'])}, "
                  f"strength {a['denoise']}); step 0 = warm-up, per-step stats over steps 1..{a['steps'] - 1}"),
        ("cfg", f"{a['cfg']} (one batched [uncond, cond] UNet call per step, batch 2)"),
        ("prompt", f"{a['prompt']!r} / negative {a['negative']!r}"),
        ("weights", f"{Path(a['ckpt']).name} (graphrun.backend.stub full, seed 0, fp16 on disk)"),
        ("dtypes", f"graphrun {gs.get('dtypes')}; diffusers {ds.get('dtypes')}"),
        ("threads", f"torch.set_num_threads({a['threads']}) on both sides (os.cpu_count()={os.cpu_count()})"),
        ("graphrun mode", "torch.inference_mode (as graphrun.runtime.execute)" if a["inference_mode"]
         else "torch.no_grad"),
        ("channels_last", str(a["channels_last"])),
        ("rounds", f"{a['rounds']} per side, alternating; table shows best of rounds"),
        ("versions", f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {tv}, "
                     f"python {platform.python_version()}"),
        ("machine", f"{platform.machine()} {platform.processor() or ''} {platform.system()} {platform.release()}"),
    ]
    fin = {"graphrun": [r.get("finite") for r in g], "diffusers": [r.get("finite") for r in d]}
    items.append(("outputs finite", json.dumps(fin)))
    return "\n".join(f"- **{k}**: {v}" for k, v in items)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=256, help="input image side in pixels (default 256)")
    p.add_argument("--steps", type=int, default=4, help="sampling steps actually run (default 4; step 0 = warm-up)")
    p.add_argument("--threads", type=int, default=None, help="torch threads on both sides (default: all cores)")
    p.add_argument("--cfg", type=float, default=8.0)
    p.add_argument("--denoise", type=float, default=0.75, help="KSampler denoise = img2img strength")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prompt", default=DEFAULT_PROMPT)
    p.add_argument("--negative", default=DEFAULT_NEGATIVE)
    p.add_argument("--rounds", type=int, default=1, help="fresh processes per side, alternating (best-of)")
    p.add_argument("--only", choices=("both", "graphrun", "diffusers", "ab"), default="both",
                   help="'ab': only the one-process alternating comparison (implies --ab)")
    p.add_argument("--order", choices=("graphrun-first", "diffusers-first"), default="diffusers-first",
                   help="which side runs first in each round")
    p.add_argument("--no-inference-mode", dest="inference_mode", action="store_false",
                   help="graphrun side under torch.no_grad instead of inference_mode (the runtime uses the latter)")
    p.add_argument("--channels-last", action="store_true", help="convert both UNets to channels_last")
    p.add_argument("--profile", action="store_true", help="torch.profiler over the sampling loop on both sides")
    p.add_argument("--profile-rows", type=int, default=25)
    p.add_argument("--ab", action="store_true",
                   help="also load BOTH sides in one process and alternate their sampling runs (robust per-step "
                        "ratio on a noisy machine; ~2x the memory)")
    p.add_argument("--ab-rounds", type=int, default=2, help="sampling runs per side in --ab mode (default 2)")
    p.add_argument("--ckpt", type=Path, default=STUB, help="checkpoint to load on both sides (default: the stub)")
    p.add_argument("--json", type=Path, help="write all raw results here")
    p.add_argument("--_worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--_args", help=argparse.SUPPRESS)
    ns = p.parse_args(argv)
    if ns._worker:
        worker_main(ns._worker, ns._args)
        return 0
    if ns.steps < 2:
        p.error("--steps must be >= 2 (step 0 is the warm-up)")
    if ns.size % 8:
        p.error("--size must be a multiple of 8")

    import torch

    sys.path.insert(0, str(HERE))
    from _sd15_config import write_sd15_config

    threads = ns.threads or torch.get_num_threads()
    ckpt = make_stub() if ns.ckpt == STUB else ns.ckpt
    config_dir = write_sd15_config(CONFIG_DIR)
    a = dict(size=ns.size, steps=ns.steps, threads=threads, cfg=ns.cfg, denoise=ns.denoise, seed=ns.seed,
             prompt=ns.prompt, negative=ns.negative, ckpt=str(ckpt), config_dir=str(config_dir),
             inference_mode=ns.inference_mode, channels_last=ns.channels_last, profile=ns.profile,
             profile_rows=ns.profile_rows, rounds=ns.rounds, ab_rounds=ns.ab_rounds)
    # read the file once so both sides start from a warm page cache (load time = parsing + building, not disk)
    with open(ckpt, "rb") as f:
        while f.read(1 << 26):
            pass

    sides = {"both": ["diffusers", "graphrun"], "graphrun": ["graphrun"], "diffusers": ["diffusers"],
             "ab": []}[ns.only]
    if ns.order == "graphrun-first":
        sides = sides[::-1]
    results: dict[str, list[dict]] = {"graphrun": [], "diffusers": []}
    for rnd in range(ns.rounds if sides else 0):
        for side in (sides if rnd % 2 == 0 else sides[::-1]):
            print(f"[round {rnd + 1}/{ns.rounds}] {side} ...", file=sys.stderr, flush=True)
            r = run_worker(side, a)
            results[side].append(r)
            print(f"  {side}: load {r['load_s']:.2f} s, steps {['%.3f' % s for s in r['step_times']]}, "
                  f"peak {r['peak_rss_mib']:,.0f} MiB", file=sys.stderr, flush=True)

    ab = None
    if ns.ab or ns.only == "ab":
        print(f"[ab] both sides in one process, {ns.ab_rounds} alternating sampling runs each ...", file=sys.stderr,
              flush=True)
        ab = run_worker("ab", a)

    print("## graphrun vs diffusers (StableDiffusionImg2ImgPipeline), same SD1.5 random weights, CPU\n")
    if sides:
        print("Each side in its own fresh process:\n")
        print(table(results["graphrun"], results["diffusers"]))
        print()
    if ab is not None:
        print(ab_table(ab))
        print()
    print(settings_block(a, results["graphrun"], results["diffusers"]))
    for side in ("graphrun", "diffusers"):
        for r in results[side][:1]:
            print(f"- **{side} UNet**: {json.dumps(r.get('unet_layout'))}")
    if ns.profile:
        for side in ("graphrun", "diffusers"):
            for r in results[side][:1]:
                print(f"\n### profile: {side} (sampling loop, self CPU time)\n\n```\n{r.get('profile_table')}\n```")
    if ns.json:
        ns.json.write_text(json.dumps({"settings": a, "results": results, "ab": ab}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
