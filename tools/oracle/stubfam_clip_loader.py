"""Reference outputs of ComfyUI v0.3.64's CLIPLoader (type stable_diffusion) + CLIPTextEncode / CLIPSetLastLayer on
standalone tiny text-encoder files (tests/fixtures/stubfam/split_text_encoders.py cuts them out of the tiny SD1.5
and SDXL checkpoints of ../shared/parity).

ComfyUI is run as its CLIPLoader node does (comfy.sd.load_clip with the file, CLIPType.STABLE_DIFFUSION), with one
addition through ComfyUI's own hook: model_options["clip_l_class"] (read by sd1_clip.SD1ClipModel) is an
SDClipModel built from the file's tiny text config instead of sd1_clip_config.json (CLIP-L 768), exactly
SD1CheckpointClipModel's arguments otherwise. Both tiny files have fewer than 23 layers, so ComfyUI's
detect_te_model calls them CLIP-L and encodes them with SD1's recipe (as a real CLIP-L file).

    PARITY_DIR=../shared/parity ORACLE_WORK=/tmp/ow-stubfam COMFY_ROOT=/tmp/ow/ComfyUI \
        /tmp/ow/venv/bin/python tools/oracle/stubfam_clip_loader.py tests/fixtures/stubfam/clip_loader

writes NAME.safetensors (`<case>.cond`, `<case>.pooled`) and NAME.json (the cases).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "stubfam"))

import comfy_env  # noqa: F401,E402
import oracle_paths  # noqa: E402
import split_text_encoders  # noqa: E402
import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
LONG = ", ".join(["a very long prompt about a castle on a hill with many towers"] * 10)
WEIGHTED = "a (red:1.3) cat and a [blue] dog, (masterpiece)"
FILES = {"sd15_l": "tiny-sd15-clip_l.safetensors", "sdxl_l": "tiny-sdxl-clip_l.safetensors"}
CASES = [dict(name=f"{f}_{n}", file=FILES[f], text=t, stop_at_clip_layer=s)
         for f in FILES for n, t, s in (("pos", POS, None), ("empty", "", None), ("weighted", WEIGHTED, None),
                                        ("long", LONG, None), ("layer_m2", POS, -2))]


def tiny_clip_class(config_json_path):
    import comfy.sd1_clip

    class TinyClipL(comfy.sd1_clip.SDClipModel):
        def __init__(self, device="cpu", dtype=None, model_options={}):
            super().__init__(device=device, return_projected_pooled=False, dtype=dtype, model_options=model_options,
                             textmodel_json_config=config_json_path)
    return TinyClipL


def main(out_base):
    import comfy.sd
    import nodes

    te_dir = os.path.join(oracle_paths.ORACLE_WORK, "stubfam_text_encoders")
    paths = split_text_encoders.write_all(oracle_paths.PARITY_DIR, te_dir)
    for name, path in paths.items():
        assert split_text_encoders.sha256(path) == split_text_encoders.SHA256[name], name
    clips = {}
    for name, path in paths.items():
        if name not in FILES.values():
            continue
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata()
        cfg = json.loads(meta.get("clip_config") or meta["clip_l_config"])
        cfg_path = os.path.join(te_dir, name + ".config.json")
        with open(cfg_path, "w") as fh:
            json.dump(cfg, fh)
        clips[name] = comfy.sd.load_clip(ckpt_paths=[str(path)], clip_type=comfy.sd.CLIPType.STABLE_DIFFUSION,
                                         model_options={"clip_l_class": tiny_clip_class(cfg_path)})
    tensors = {}
    with torch.inference_mode():
        for c in CASES:
            clip = clips[c["file"]]
            if c["stop_at_clip_layer"] is not None:
                clip = nodes.CLIPSetLastLayer().set_last_layer(clip, c["stop_at_clip_layer"])[0]
            cond = nodes.CLIPTextEncode().encode(clip, c["text"])[0]
            tensors[c["name"] + ".cond"] = cond[0][0].float().contiguous()
            tensors[c["name"] + ".pooled"] = cond[0][1]["pooled_output"].float().contiguous()
    os.makedirs(os.path.dirname(os.path.abspath(out_base)), exist_ok=True)
    save_file(tensors, out_base + ".safetensors")
    with open(out_base + ".json", "w") as fh:
        json.dump({"comfyui": oracle_paths.COMFYUI_COMMIT, "generator": "tools/oracle/stubfam_clip_loader.py",
                   "cases": CASES}, fh, indent=1)
    print("wrote", out_base, len(tensors), "tensors")


if __name__ == "__main__":
    main(sys.argv[1])
