"""Reference outputs of ComfyUI v0.3.64's SDXL text encoding on the tiny SDXL checkpoint of ../shared/parity:
CLIPTextEncode, CLIPSetLastLayer + CLIPTextEncode, CLIPTextEncodeSDXL and CLIPTextEncodeSDXLRefiner (cond and
pooled_output), plus the ADM vectors ComfyUI's SDXL / SDXLRefiner `encode_adm` build from them.

Run with the oracle venv (ComfyUI imported from $COMFY_ROOT at run time, config detection taught the tiny sizes
by ../shared/oracle/families_detect.py, nothing else patched):

    ORACLE_WORK=/tmp/ow-families COMFY_ROOT=/tmp/ow/ComfyUI FAMILY_CONFIG_DIR=../shared/parity \
        /tmp/ow/venv/bin/python tools/oracle/families_text_encoders.py tests/fixtures/families/sdxl_text_encoders

writes NAME.safetensors (tensors `<case>.cond`, `<case>.pooled`, `<case>.y`) and NAME.json (the cases).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))
os.environ.setdefault("FAMILY_CONFIG_DIR", os.path.join(SHARED, "parity"))

import comfy_env  # noqa: F401,E402
import families_detect  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

CKPT = os.path.join(SHARED, "parity", "models", "checkpoints", "tiny-sdxl.safetensors")
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
LONG = ", ".join(["a very long prompt about a castle on a hill with many towers"] * 10)
WEIGHTED = "a (red:1.3) cat and a [blue] dog, (masterpiece)"

CASES = [
    dict(name="enc_pos", node="CLIPTextEncode", text=POS),
    dict(name="enc_empty", node="CLIPTextEncode", text=""),
    dict(name="enc_weighted", node="CLIPTextEncode", text=WEIGHTED),
    dict(name="enc_long", node="CLIPTextEncode", text=LONG),
    dict(name="enc_layer_m1", node="CLIPTextEncode", text=POS, stop_at_clip_layer=-1),
    dict(name="enc_layer_m3", node="CLIPTextEncode", text=POS, stop_at_clip_layer=-3),
    dict(name="sdxl_sizes", node="CLIPTextEncodeSDXL", width=1024, height=768, crop_w=32, crop_h=16,
         target_width=896, target_height=640, text_g="a red fox in deep snow, oil painting",
         text_l="blue lighthouse at night"),
    dict(name="sdxl_long_l", node="CLIPTextEncodeSDXL", width=512, height=512, crop_w=0, crop_h=0,
         target_width=512, target_height=512, text_g="a fox", text_l=LONG),
    dict(name="sdxl_long_g_weighted", node="CLIPTextEncodeSDXL", width=1024, height=1024, crop_w=0, crop_h=0,
         target_width=1024, target_height=1024, text_g=LONG, text_l=WEIGHTED),
    dict(name="refiner_pos", node="CLIPTextEncodeSDXLRefiner", ascore=6.0, width=1024, height=1024, text=POS),
    dict(name="refiner_low", node="CLIPTextEncodeSDXLRefiner", ascore=2.5, width=768, height=512, text=WEIGHTED),
]


def refiner_adm(cond_dict, prompt_type):
    """ComfyUI's SDXLRefiner.encode_adm on an object carrying only the embedder it uses."""
    import comfy.model_base as mb
    from comfy.ldm.modules.diffusionmodules.openaimodel import Timestep
    obj = object.__new__(mb.SDXLRefiner)
    torch.nn.Module.__init__(obj)
    obj.embedder = Timestep(256)
    obj.noise_augmentor = None
    return mb.SDXLRefiner.encode_adm(obj, prompt_type=prompt_type, **cond_dict)


def main(out_base):
    families_detect.install()
    import comfy.sd
    import nodes
    from comfy_extras import nodes_clip_sdxl as X
    model, clip, vae, _ = comfy.sd.load_checkpoint_guess_config(CKPT, output_vae=True, output_clip=True)
    tensors, meta = {}, []
    with torch.inference_mode():
        for c in CASES:
            cl = clip
            if c.get("stop_at_clip_layer") is not None:
                cl = nodes.CLIPSetLastLayer().set_last_layer(clip, c["stop_at_clip_layer"])[0]
            if c["node"] == "CLIPTextEncode":
                cond = nodes.CLIPTextEncode().encode(cl, c["text"])[0]
            elif c["node"] == "CLIPTextEncodeSDXL":
                args = {k: c[k] for k in ("width", "height", "crop_w", "crop_h", "target_width", "target_height",
                                          "text_g", "text_l")}
                cond = X.CLIPTextEncodeSDXL.execute(clip=cl, **args)[0]
            else:
                cond = X.CLIPTextEncodeSDXLRefiner.execute(clip=cl, ascore=c["ascore"], width=c["width"],
                                                           height=c["height"], text=c["text"])[0]
            (t, d), = cond
            tensors[c["name"] + ".cond"] = t.float().contiguous()
            tensors[c["name"] + ".pooled"] = d["pooled_output"].float().contiguous()
            extra = {k: v for k, v in d.items() if k != "pooled_output"}
            for ptype in ("positive", "negative"):
                if c["node"] == "CLIPTextEncodeSDXLRefiner":
                    y = refiner_adm(d, ptype)
                else:
                    y = model.model.encode_adm(prompt_type=ptype, **d)
                tensors["%s.y_%s" % (c["name"], ptype)] = y.float().contiguous()
            meta.append(dict(c, keys=sorted(extra), cond_shape=list(t.shape)))
    save_file(tensors, out_base + ".safetensors", {"comfyui": "0.3.64 a125cd8"})
    with open(out_base + ".json", "w") as fh:
        json.dump({"checkpoint": "../shared/parity/models/checkpoints/tiny-sdxl.safetensors", "cases": meta}, fh,
                  indent=1)
    print("wrote", out_base, len(tensors), "tensors")


if __name__ == "__main__":
    main(sys.argv[1])
