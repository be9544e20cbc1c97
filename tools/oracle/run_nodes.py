"""ComfyUI v0.3.64 reference outputs for graphrun's image / latent / mask / inpaint / upscale / conditioning nodes.

Each case is an API prompt run by ComfyUI's own executor (validate_prompt + PromptExecutor, no server; the shared
oracle harness in ../shared/oracle, tiny SD1.5 checkpoint with its config-detection patch), twice; both runs must
give identical files. Written per case to tests/fixtures/nodes/<group>/:
  NAME.api.json             the prompt (SaveImage/SaveLatent prefixes "NAME/n<node id>")
  NAME/n<id>_00001_.png     SaveImage files, NAME/n<id>_00001_.latent SaveLatent files (ComfyUI's own bytes)
  NAME.ui.json              UI text of PreviewAny nodes ({node id: text}), when the case has some

Run with the oracle venv (python 3.11, torch 2.13 cpu, spandrel 0.4.2):
    ORACLE_WORK=/tmp/ow-nodes COMFY_ROOT=/tmp/ow/ComfyUI PARITY_DIR=../shared/parity FAMILY_CONFIG_DIR=../shared/parity \
        /tmp/ow/venv/bin/python tools/oracle/run_nodes.py [--only PREFIX...]
"""
import argparse
import json
import os
import shutil
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED_ORACLE = os.environ.get("SHARED_ORACLE", os.path.join(os.path.dirname(REPO), "shared", "oracle"))
sys.path.insert(0, HERE)
sys.path.insert(0, SHARED_ORACLE)
import comfy_env  # noqa: E402,F401
import oracle_paths as P  # noqa: E402
import tiny_detect  # noqa: E402
import families_detect  # noqa: E402
import harness as H  # noqa: E402
import nodes_cases  # noqa: E402

FIXTURES = os.path.join(REPO, "tests", "fixtures", "nodes")
EXTRA = ("nodes_mask.py", "nodes_images.py", "nodes_post_processing.py", "nodes_preview_any.py",
         "nodes_upscale_model.py", "nodes_custom_sampler.py")


def torchvision_placeholder():
    """spandrel imports torchvision.transforms.functional for LaMa/RestoreFormer only; the oracle has no
    torchvision (see shared/oracle/shims). Names resolve to callables that fail if ever used."""
    mod = types.ModuleType("torchvision.transforms.functional")

    def _missing(*a, **k):
        raise ImportError("torchvision is not installed in the oracle venv")

    mod.__getattr__ = lambda name: _missing
    sys.modules["torchvision.transforms.functional"] = mod


def server_placeholder():
    """comfy_extras/nodes_images.py imports server.PromptServer (aiohttp, not in the oracle venv) only to show
    GetImageSize's size text on the node; a stand-in whose send_progress_text does nothing."""
    mod = types.ModuleType("server")

    class PromptServer:
        instance = None

        def send_progress_text(self, *a, **k):
            pass

    PromptServer.instance = PromptServer()
    mod.PromptServer = PromptServer
    sys.modules.setdefault("server", mod)


def load_extra_nodes():
    import asyncio
    import nodes
    for f in EXTRA:
        ok = asyncio.run(nodes.load_custom_node(os.path.join(P.COMFY_ROOT, "comfy_extras", f), module_parent="comfy_extras"))
        if not ok:
            raise RuntimeError("could not load comfy_extras/%s" % f)


def prepare_dirs():
    import folder_paths
    inputs = os.path.join(FIXTURES, "input")
    for n in os.listdir(inputs):
        shutil.copyfile(os.path.join(inputs, n), os.path.join(P.INPUT_DIR, n))
    sdxl = os.path.join(P.PARITY_DIR, "models", "checkpoints", "tiny-sdxl.safetensors")
    P._link(sdxl, os.path.join(P.MODELS_DIR, "checkpoints", "tiny-sdxl.safetensors"))
    up = os.path.join(P.MODELS_DIR, "upscale_models")
    os.makedirs(up, exist_ok=True)
    import make_tiny_upscale_models as M
    from safetensors.torch import save_file
    for n, sd in M.models().items():
        save_file(sd, os.path.join(up, n))
        if P.sha256_file(os.path.join(up, n)) != M.SHA256[n]:
            raise SystemExit("%s is not byte-identical to the recorded model" % n)
    folder_paths.folder_names_and_paths["upscale_models"] = ([up], folder_paths.supported_pt_extensions)


def run_once(case, out_root):
    H.set_output_dir(out_root)
    prompt = case["prompt"]
    hist, calls, secs, info = H.run_prompt(prompt, "nodes-" + case["name"])
    files = {}
    for root, _, names in os.walk(out_root):
        for n in names:
            p = os.path.join(root, n)
            with open(p, "rb") as fh:
                files[os.path.relpath(p, out_root)] = fh.read()
    texts = {nid: list(o["text"]) for nid, o in hist["outputs"].items() if "text" in o}
    return files, texts, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    torchvision_placeholder()
    server_placeholder()
    tiny_detect.install()
    families_detect.install()  # the tiny SDXL of ../shared/parity (config detection only)
    load_extra_nodes()
    prepare_dirs()
    cases = nodes_cases.all_cases()
    if a.only:
        cases = [c for c in cases if any(c["name"].startswith(o) for o in a.only)]
    bad = []
    for c in cases:
        r1 = run_once(c, os.path.join(P.OUTPUT_DIR, "nodes1"))
        r2 = run_once(c, os.path.join(P.OUTPUT_DIR, "nodes2"))
        same = r1[0] == r2[0] and r1[1] == r2[1]
        if not same:
            bad.append(c["name"])
        gdir = os.path.join(FIXTURES, c["group"])
        case_dir = os.path.join(gdir, c["name"])
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir, exist_ok=True)
        with open(os.path.join(gdir, c["name"] + ".api.json"), "w") as fh:
            json.dump(c["prompt"], fh, indent=1, sort_keys=True)
        for rel, data in r1[0].items():
            dst = os.path.join(gdir, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as fh:
                fh.write(data)
        ui = os.path.join(gdir, c["name"] + ".ui.json")
        if r1[1]:
            with open(ui, "w") as fh:
                json.dump(r1[1], fh, indent=1, sort_keys=True)
        elif os.path.exists(ui):
            os.remove(ui)
        print("%-40s %5.1fs files %d rerun identical %s" % (c["name"], r1[2], len(r1[0]), same))
    if bad:
        raise SystemExit("reruns differ: %s" % bad)


if __name__ == "__main__":
    main()
