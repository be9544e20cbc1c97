"""ComfyUI v0.3.64 reference outputs for graphrun's ControlNet nodes (ControlNetLoader, DiffControlNetLoader,
ControlNetApply, ControlNetApplyAdvanced).

Cases: controlnet_cases.py. Each is run by ComfyUI's own executor (the shared oracle harness, tiny SD1.5
checkpoint with its config-detection patch), twice; both runs must give identical files. The tiny ControlNets are
made first with graphrun's python (diffusers is needed for the diffusers-layout file):
    python tools/oracle/make_tiny_controlnet.py /tmp/ow-controlnet/cn
then, with the oracle venv:
    ORACLE_WORK=/tmp/ow-controlnet COMFY_ROOT=/tmp/ow/ComfyUI PARITY_DIR=../shared/parity \
        FAMILY_CONFIG_DIR=../shared/parity \
        /tmp/ow/venv/bin/python tools/oracle/run_controlnet.py /tmp/ow-controlnet/cn
Written to tests/fixtures/controlnet/: NAME.api.json and NAME/n<id>_00001_.{latent,png} (ComfyUI's bytes).
"""
import json
import os
import shutil
import sys

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
import controlnet_cases  # noqa: E402
import make_tiny_controlnet as M  # noqa: E402

FIXTURES = os.path.join(REPO, "tests", "fixtures", "controlnet")
INPUTS = os.path.join(REPO, "tests", "fixtures", "nodes", "input")


def install_diffusers_detect():
    """Config detection only: ComfyUI recognises diffusers-layout ControlNets by comparing against a fixed list
    of full-size UNet configs (model_detection.unet_config_from_diffusers_unet), which the tiny sizes are not in.
    For a file with the tiny UNet's shapes this returns the config ComfyUI itself detects from the tiny
    checkpoint's UNet (model_config_from_unet, with tiny_detect's TinySD15); every other file is untouched.
    Loading and running are ComfyUI's."""
    import comfy.model_detection as md
    import comfy.utils
    sd = comfy.utils.load_torch_file(P.TINY_CKPT, safe_load=True)
    tiny = dict(md.model_config_from_unet(sd, "model.diffusion_model.").unet_config)
    real = md.unet_config_from_diffusers_unet

    def detect(state_dict, dtype=None):
        out = real(state_dict, dtype)
        w = state_dict.get("conv_in.weight")
        adm = "class_embedding.linear_1.weight" in state_dict or "add_embedding.linear_1.weight" in state_dict
        tiny_shape = (tiny["model_channels"], tiny["in_channels"])
        if out is None and w is not None and not adm and tuple(w.shape[:2]) == tiny_shape:
            out = dict(tiny, dtype=dtype)
        return out

    md.unet_config_from_diffusers_unet = detect


def load_extra_nodes():
    import asyncio
    import nodes
    path = os.path.join(P.COMFY_ROOT, "comfy_extras", "nodes_custom_sampler.py")
    if not asyncio.run(nodes.load_custom_node(path, module_parent="comfy_extras")):
        raise RuntimeError("could not load comfy_extras/nodes_custom_sampler.py")


def prepare_dirs(cn_dir):
    import folder_paths
    shutil.copyfile(os.path.join(INPUTS, controlnet_cases.HINT), os.path.join(P.INPUT_DIR, controlnet_cases.HINT))
    for name, digest in M.SHA256.items():
        got = M.sha256_file(os.path.join(cn_dir, name))
        if digest is not None and got != digest:
            raise SystemExit("%s is not byte-identical to the recorded ControlNet" % name)
    sdxl = os.path.join(P.PARITY_DIR, "models", "checkpoints", "tiny-sdxl.safetensors")
    P._link(sdxl, os.path.join(P.MODELS_DIR, "checkpoints", "tiny-sdxl.safetensors"))
    folder_paths.folder_names_and_paths["controlnet"] = ([cn_dir], folder_paths.supported_pt_extensions)


def run_once(prompt, name, out_root):
    H.set_output_dir(out_root)
    H.run_prompt(prompt, "cn-" + name)
    files = {}
    for root, _, names in os.walk(out_root):
        for n in names:
            p = os.path.join(root, n)
            with open(p, "rb") as fh:
                files[os.path.relpath(p, out_root)] = fh.read()
    return files


def main():
    cn_dir = os.path.abspath(sys.argv[1])
    tiny_detect.install()
    families_detect.install()  # the tiny SDXL of ../shared/parity (config detection only)
    install_diffusers_detect()
    load_extra_nodes()
    prepare_dirs(cn_dir)
    bad = []
    for c in controlnet_cases.all_cases():
        r1 = run_once(c["prompt"], c["name"], os.path.join(P.OUTPUT_DIR, "cn1"))
        r2 = run_once(c["prompt"], c["name"], os.path.join(P.OUTPUT_DIR, "cn2"))
        if r1 != r2:
            bad.append(c["name"])
        case_dir = os.path.join(FIXTURES, c["name"])
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir, exist_ok=True)
        with open(os.path.join(FIXTURES, c["name"] + ".api.json"), "w") as fh:
            json.dump(c["prompt"], fh, indent=1, sort_keys=True)
        for rel, data in r1.items():
            dst = os.path.join(FIXTURES, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as fh:
                fh.write(data)
        print("%-20s files %d rerun identical %s" % (c["name"], len(r1), r1 == r2))
    if bad:
        raise SystemExit("reruns differ: %s" % bad)


if __name__ == "__main__":
    main()
