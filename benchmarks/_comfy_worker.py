"""ComfyUI side of bench_vs_comfyui.py: run one API prompt through ComfyUI's own executor, no server.

Run by the ComfyUI venv's python (it imports nothing from graphrun):

    python _comfy_worker.py ARGS_JSON

ARGS_JSON keys: comfy_root, shims (folder with an import-only torchvision stand-in, or null), threads, prompt (the
API prompt), models_dir, input_dir, output_dir, extra_nodes (comfy_extras module files to load, for other families).
Prints one line `@@BENCH@@ {json}` with: node seconds (by node id, from wrapping each node class's FUNCTION), the
wall time of every sampling step (from the k-diffusion callback ComfyUI hands its sampler), import seconds, peak RSS.
Same bootstrap as the oracle harness (../shared/oracle/comfy_env.py): `--cpu`, previews and progress bars off,
folders pointed at the benchmark's work dir; nothing in the checkout is modified.
"""

import asyncio
import functools
import json
import os
import sys
import time

T_START = time.perf_counter()
MARK = "@@BENCH@@ "


def peak_rss_mib():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0]) / 1024
    return out


def main(a):
    os.environ["OMP_NUM_THREADS"] = str(a["threads"])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    for p in (a.get("shims"), a["comfy_root"]):
        if p and p not in sys.path:
            sys.path.insert(0, p)
    import torch

    torch.set_num_threads(a["threads"])
    import comfy.options

    comfy.options.enable_args_parsing(False)
    import comfy.cli_args

    comfy.cli_args.args.cpu = True
    comfy.cli_args.args.preview_method = comfy.cli_args.LatentPreviewMethod.NoPreviews
    import comfy.model_management  # noqa: F401  (reads the args at import)
    import comfy.utils

    comfy.utils.PROGRESS_BAR_ENABLED = False
    import folder_paths

    folder_paths.set_input_directory(a["input_dir"])
    folder_paths.set_output_directory(a["output_dir"])
    folder_paths.set_temp_directory(os.path.join(a["output_dir"], "temp"))
    for kind in ("checkpoints", "vae", "clip", "unet", "diffusion_models", "text_encoders", "embeddings"):
        folder_paths.folder_names_and_paths[kind] = ([os.path.join(a["models_dir"], kind)],
                                                     folder_paths.supported_pt_extensions)
    import execution
    import latent_preview
    import nodes

    for path in a.get("extra_nodes") or []:
        asyncio.run(nodes.load_custom_node(os.path.join(a["comfy_root"], path), module_parent="comfy_extras"))

    class StubServer:  # what PromptExecutor needs of server.PromptServer
        client_id = None  # set from extra_data["client_id"]: then the executor records last_node_id per node
        last_node_id = None
        last_prompt_id = "bench"
        sockets_metadata = {}

        def send_sync(self, *a, **k):
            pass

        def queue_updated(self):
            pass

    server = StubServer()
    node_seconds = []  # (node id being executed, class_type, seconds) for every node FUNCTION call
    for class_type in {n["class_type"] for n in a["prompt"].values()}:
        cls = nodes.NODE_CLASS_MAPPINGS[class_type]
        real = getattr(cls, cls.FUNCTION)

        def timed(self, *args, _real=real, _ct=class_type, **kw):
            t0 = time.perf_counter()
            try:
                return _real(self, *args, **kw)
            finally:
                node_seconds.append((server.last_node_id, _ct, time.perf_counter() - t0))
        setattr(cls, cls.FUNCTION, functools.wraps(real)(timed))

    stamps = []
    real_prepare = latent_preview.prepare_callback

    def prepare_callback(model, steps, x0_output_dict=None):
        inner = real_prepare(model, steps, x0_output_dict)
        stamps.append(("start", time.perf_counter()))

        def cb(step, x0, x, total_steps):
            stamps.append((step, time.perf_counter()))
            return inner(step, x0, x, total_steps)
        return cb
    latent_preview.prepare_callback = prepare_callback
    import_s = time.perf_counter() - T_START

    prompt = a["prompt"]
    t0 = time.perf_counter()
    valid = asyncio.run(execution.validate_prompt("bench", prompt, None))
    if not valid[0]:
        raise SystemExit("ComfyUI rejected the prompt: %s %s" % (json.dumps(valid[1]), json.dumps(valid[3])))
    ex = execution.PromptExecutor(server, cache_type=execution.CacheType.CLASSIC, cache_size=0)
    ex.execute(prompt, "bench", {"client_id": "bench"}, valid[2])
    total_s = time.perf_counter() - t0
    if not ex.success:
        errs = [m for m in ex.status_messages if m[0] == "execution_error"]
        raise SystemExit("ComfyUI execution failed: %s" % json.dumps(errs, default=str)[:3000])
    nodes_out = [{"id": nid, "class_type": ct, "seconds": sec} for nid, ct, sec in node_seconds]
    t_prev = None
    steps = []
    for tag, t in stamps:
        if tag == "start":
            t_prev = t
            continue
        steps.append(t - t_prev)
        t_prev = t
    return {"side": "comfyui", "import_s": import_s, "total_s": total_s, "nodes": nodes_out, "step_times": steps,
            "rss": peak_rss_mib(), "torch": torch.__version__, "threads": torch.get_num_threads()}


if __name__ == "__main__":
    result = main(json.loads(sys.argv[1]))
    print(MARK + json.dumps(result), flush=True)
