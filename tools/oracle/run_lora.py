"""ComfyUI v0.3.64 reference outputs for graphrun's LoraLoader / LoraLoaderModelOnly.

Each case is an API prompt (tiny SD1.5 checkpoint of ../shared/parity + the tiny LoRAs of make_tiny_loras.py)
run by ComfyUI's own executor (validate_prompt + PromptExecutor, shared oracle harness: CPU, fp32, one thread,
deterministic), twice; both runs must give identical files. Written to tests/fixtures/lora/:
  NAME.api.json                 the prompt (SaveImage/SaveLatent prefixes "NAME/n<node id>")
  NAME/n<id>_00001_.latent|png  ComfyUI's own output files
The LoRA files are regenerated into the oracle's models/loras and must equal tests/fixtures/lora/loras byte for byte.

    ORACLE_WORK=/tmp/ow-lora COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python tools/oracle/run_lora.py
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED_ORACLE = os.environ.get("SHARED_ORACLE", os.path.join(os.path.dirname(REPO), "shared", "oracle"))
os.environ.setdefault("PARITY_DIR", os.path.join(os.path.dirname(SHARED_ORACLE), "parity"))
sys.path.insert(0, HERE)
sys.path.insert(0, SHARED_ORACLE)
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "flux"))
import comfy_env  # noqa: E402,F401
import oracle_paths as P  # noqa: E402
import tiny_detect  # noqa: E402
import harness as H  # noqa: E402
import make_tiny_loras as L  # noqa: E402

FIXTURES = os.path.join(REPO, "tests", "fixtures", "lora")
CKPT = "tiny-sd15.safetensors"
SEED = 280823642470253
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
NEG = "watermark, text"


class Prompt:
    def __init__(self, name):
        self.name, self.p = name, {}

    def add(self, class_type, **inputs):
        nid = str(len(self.p) + 1)
        self.p[nid] = {"class_type": class_type, "inputs": inputs}
        return nid

    def save(self, kind, key, value):
        nid = str(len(self.p) + 1)
        return self.add(kind, **{key: value}, filename_prefix="%s/n%s" % (self.name, nid))


def build(name, loras, sampler="euler", steps=3, ckpt=CKPT):
    """loras: [(node, lora_name, strength_model, strength_clip)] chained in order; node "M" = LoraLoaderModelOnly."""
    p = Prompt(name)
    ck = p.add("CheckpointLoaderSimple", ckpt_name=ckpt)
    model, clip = [ck, 0], [ck, 1]
    for kind, lora, sm, sc in loras:
        if kind == "M":
            model = [p.add("LoraLoaderModelOnly", model=model, lora_name=lora, strength_model=sm), 0]
        else:
            n = p.add("LoraLoader", model=model, clip=clip, lora_name=lora, strength_model=sm, strength_clip=sc)
            model, clip = [n, 0], [n, 1]
    pos = [p.add("CLIPTextEncode", text=POS, clip=clip), 0]
    neg = [p.add("CLIPTextEncode", text=NEG, clip=clip), 0]
    lat = [p.add("EmptyLatentImage", width=64, height=64, batch_size=1), 0]
    out = [p.add("KSampler", model=model, seed=SEED, steps=steps, cfg=5.0, sampler_name=sampler, scheduler="normal",
                 positive=pos, negative=neg, latent_image=lat, denoise=1.0), 0]
    p.save("SaveLatent", "samples", out)
    p.save("SaveImage", "images", [p.add("VAEDecode", samples=out, vae=[ck, 2]), 0])
    return {"name": name, "prompt": p.p}


def build_flux(name, lora, sm, sc):
    """Tiny Flux schnell (UNETLoader + DualCLIPLoader + VAELoader of tests/fixtures/flux) with one LoraLoader."""
    p = Prompt(name)
    unet = p.add("UNETLoader", unet_name="tiny-flux-schnell.safetensors", weight_dtype="default")
    clip = p.add("DualCLIPLoader", clip_name1="tiny-clip-l.safetensors", clip_name2="tiny-t5xxl.safetensors",
                 type="flux", device="default")
    vae = p.add("VAELoader", vae_name="tiny-flux-ae.safetensors")
    n = p.add("LoraLoader", model=[unet, 0], clip=[clip, 0], lora_name=lora, strength_model=sm, strength_clip=sc)
    pos = [p.add("CLIPTextEncode", text=POS, clip=[n, 1]), 0]
    neg = [p.add("CLIPTextEncode", text="", clip=[n, 1]), 0]
    lat = [p.add("EmptySD3LatentImage", width=64, height=64, batch_size=1), 0]
    out = [p.add("KSampler", model=[n, 0], seed=SEED, steps=3, cfg=1.0, sampler_name="euler", scheduler="simple",
                 positive=pos, negative=neg, latent_image=lat, denoise=1.0), 0]
    p.save("SaveLatent", "samples", out)
    p.save("SaveImage", "images", [p.add("VAEDecode", samples=out, vae=[vae, 0]), 0])
    return {"name": name, "prompt": p.p}


def cases():
    K, C, PE, D = ("tiny-kohya.safetensors", "tiny-comfy.safetensors", "tiny-peft.safetensors",
                   "tiny-kohya-ldm-dora.safetensors")
    return [
        build("lora_kohya", [("L", K, 1.0, 1.0)]),
        build("lora_kohya_split", [("L", K, 0.7, 1.6)], sampler="dpmpp_2m"),
        build("lora_comfy_negative", [("L", C, -0.8, -0.5)]),
        build("lora_peft", [("L", PE, 1.3, 0.9)]),
        build("lora_stacked", [("L", K, 0.6, 0.9), ("L", C, 1.1, -0.4)]),
        build("lora_model_only_dora", [("M", D, 0.75, 0.0)]),
        build("lora_clip_only", [("L", K, 0.0, 1.0)]),
        build("lora_model_only_stacked", [("M", K, 1.0, 0.0), ("M", D, -1.5, 0.0)], sampler="heun"),
        build_flux("lora_flux", "tiny-flux.safetensors", 0.8, 1.5),
        build_flux("lora_flux_model", "tiny-flux.safetensors", 0.8, 0.0),
        build_flux("lora_flux_clip", "tiny-flux.safetensors", 0.0, 1.5),
        build("lora_sd2", [("L", "tiny-sd2.safetensors", 1.2, 0.8)], ckpt="tiny-sd2-v.safetensors"),
        build("lora_sdxl", [("L", "tiny-sdxl-kohya.safetensors", 0.9, 1.2)], ckpt="tiny-sdxl.safetensors"),
    ]


def prepare():
    import folder_paths
    d = os.path.join(P.MODELS_DIR, "loras")
    os.makedirs(d, exist_ok=True)
    L.main(d)
    for n in L.LORAS:
        with open(os.path.join(d, n), "rb") as a, open(os.path.join(FIXTURES, "loras", n), "rb") as b:
            if a.read() != b.read():
                raise SystemExit("%s differs from the committed fixture; rerun make_tiny_loras.py" % n)
    folder_paths.folder_names_and_paths["loras"] = ([d], folder_paths.supported_pt_extensions)


def run_once(case, out_root):
    H.set_output_dir(out_root)
    shutil.rmtree(out_root, ignore_errors=True)
    os.makedirs(out_root)
    H.run_prompt(case["prompt"], "lora-" + case["name"])
    files = {}
    for root, _, names in os.walk(out_root):
        for n in names:
            path = os.path.join(root, n)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, out_root)] = fh.read()
    return files


def main():
    tiny_detect.install()
    import families_detect
    families_detect.install()  # the tiny SDXL of ../shared/parity (config detection only)
    sdxl = os.path.join(P.PARITY_DIR, "models", "checkpoints", "tiny-sdxl.safetensors")
    P._link(sdxl, os.path.join(P.MODELS_DIR, "checkpoints", "tiny-sdxl.safetensors"))
    import asyncio
    import folder_paths
    import nodes
    import flux_detect
    import tiny_flux
    flux_detect.install()
    if not asyncio.run(nodes.load_custom_node(os.path.join(P.COMFY_ROOT, "comfy_extras", "nodes_sd3.py"),
                                              module_parent="comfy_extras")):
        raise RuntimeError("could not load comfy_extras/nodes_sd3.py")  # EmptySD3LatentImage
    tiny_flux.write_all(P.MODELS_DIR)  # content sha256 checked
    sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "families"))
    import families_sd2_cases
    import tiny_sd2
    families_sd2_cases.install_sd2()  # config detection of the tiny SD2 only
    tiny_sd2.write(os.path.join(P.MODELS_DIR, "checkpoints", "tiny-sd2-v.safetensors"), "v")
    for folder in ("diffusion_models", "text_encoders", "vae"):
        folder_paths.folder_names_and_paths[folder] = ([os.path.join(P.MODELS_DIR, folder)],
                                                       folder_paths.supported_pt_extensions)
    prepare()
    only = sys.argv[1:]
    bad = []
    for c in cases():
        if only and not any(c["name"].startswith(o) for o in only):
            continue
        r1 = run_once(c, os.path.join(P.OUTPUT_DIR, "lora1"))
        r2 = run_once(c, os.path.join(P.OUTPUT_DIR, "lora2"))
        if r1 != r2:
            bad.append(c["name"])
        shutil.rmtree(os.path.join(FIXTURES, c["name"]), ignore_errors=True)
        with open(os.path.join(FIXTURES, c["name"] + ".api.json"), "w") as fh:
            json.dump(c["prompt"], fh, indent=1, sort_keys=True)
        for rel, data in r1.items():
            dst = os.path.join(FIXTURES, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as fh:
                fh.write(data)
        print("%-28s files %d rerun identical %s" % (c["name"], len(r1), r1 == r2))
    if bad:
        raise SystemExit("reruns differ: %s" % bad)


if __name__ == "__main__":
    main()
