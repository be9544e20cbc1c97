"""ComfyUI v0.3.64 reference cases for SD2.x (tiny EPS and 768-v style checkpoints of
tests/fixtures/families/tiny_sd2.py) and the ModelSamplingDiscrete node, run by ComfyUI's own executor
(validate_prompt + PromptExecutor, ../shared/oracle/harness.py), each twice (must be bit-identical).

    ORACLE_WORK=/tmp/ow-families PARITY_DIR=../shared/parity COMFY_ROOT=/tmp/ow/ComfyUI \
        /tmp/ow/venv/bin/python tools/oracle/families_sd2_cases.py

writes tests/fixtures/families/cases/NAME.{api.json,safetensors,png,json}.

Only config detection is taught the tiny sizes: TinySD20(supported_models.SD20) with unet_config
{model_channels 64, context_dim 64, linear projections, no adm} first in supported_models.models, whose
clip_target is SD2's own tokenizer with an SD1ClipModel("h") whose text model is built with SD2ClipHModel's
arguments (penultimate layer, special tokens 49406/49407/0, projected pooled) from the tiny config instead of
sd2_clip_config.json; the tiny VAE ddconfig comes from ../shared/oracle/families_detect.py. SD20.model_type (the
v-prediction probe), sampling settings, latent format and state-dict processing are SD2's own.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "families"))
os.environ.setdefault("FAMILY_CONFIG_DIR", os.path.join(SHARED, "parity"))

import comfy_env  # noqa: F401,E402
import oracle_paths as P  # noqa: E402
import families_detect  # noqa: E402
import tiny_detect  # noqa: E402
import harness as H  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
import tiny_sd2  # noqa: E402

OUT = os.path.join(REPO, "tests", "fixtures", "families", "cases")
SEED = 280823642470253
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
NEG = "watermark, text"


def install_sd2():
    import comfy.sd1_clip
    import comfy.supported_models
    import comfy.supported_models_base
    from comfy.text_encoders import sd2_clip
    cfg = dict(tiny_sd2.CLIP_H_CONFIG, architectures=["CLIPTextModel"], model_type="clip_text_model",
               layer_norm_eps=1e-05, eos_token_id=49407, bos_token_id=0, pad_token_id=1)

    class TinyClipH(comfy.sd1_clip.SDClipModel):
        def __init__(self, device="cpu", dtype=None, model_options={}):
            super().__init__(device=device, freeze=True, layer="hidden", layer_idx=-2, textmodel_json_config=dict(cfg),
                             dtype=dtype, special_tokens={"start": 49406, "end": 49407, "pad": 0},
                             return_projected_pooled=True, model_options=model_options)

    class TinySD2ClipModel(comfy.sd1_clip.SD1ClipModel):
        def __init__(self, device="cpu", dtype=None, model_options={}, **kwargs):
            super().__init__(device=device, dtype=dtype, model_options=model_options, clip_name="h",
                             clip_model=TinyClipH, **kwargs)

    class TinySD20(comfy.supported_models.SD20):
        unet_config = {"model_channels": 64, "context_dim": 64, "use_linear_in_transformer": True,
                       "adm_in_channels": None, "use_temporal_attention": False}

        def clip_target(self, state_dict={}):
            return comfy.supported_models_base.ClipTarget(sd2_clip.SD2Tokenizer, TinySD2ClipModel)

    comfy.supported_models.models.insert(0, TinySD20)


def prompt_for(c, prefix):
    b = H.PromptBuilder()
    L = b.link
    ck = b.add("CheckpointLoaderSimple", ckpt_name=c["ckpt"])
    model = L(ck, 0)
    if c.get("msd"):
        model = L(b.add("ModelSamplingDiscrete", model=model, sampling=c["msd"][0], zsnr=c["msd"][1]), 0)
    pos = b.add("CLIPTextEncode", text=POS, clip=L(ck, 1))
    neg = b.add("CLIPTextEncode", text=NEG, clip=L(ck, 1))
    if c["latent"] == "img2img":
        img = b.add("LoadImage", image="input.png")
        lat = b.add("VAEEncode", pixels=L(img, 0), vae=L(ck, 2))
    else:
        lat = b.add("EmptyLatentImage", width=64, height=64, batch_size=1)
    ks = b.add("KSampler", model=model, seed=SEED, steps=c["steps"], cfg=c.get("cfg", 5.0),
               sampler_name=c["sampler"], scheduler=c["scheduler"], positive=L(pos, 0), negative=L(neg, 0),
               latent_image=L(lat, 0), denoise=c.get("denoise", 1.0))
    dec = b.add("VAEDecode", samples=L(ks, 0), vae=L(ck, 2))
    out = {"save_image": b.add("SaveImage", images=L(dec, 0), filename_prefix=prefix),
           "save_latent": b.add("SaveLatent", samples=L(ks, 0), filename_prefix=prefix)}
    return b.p, out


CASES = [
    dict(name="sd2v_txt2img_euler_normal", ckpt="tiny-sd2-v.safetensors", latent="empty", steps=6, sampler="euler",
         scheduler="normal"),
    dict(name="sd2v_img2img_dpmpp2m_karras_d060", ckpt="tiny-sd2-v.safetensors", latent="img2img", steps=8,
         sampler="dpmpp_2m", scheduler="karras", denoise=0.6),
    dict(name="sd2v_txt2img_dpmpp2msde_cfg1", ckpt="tiny-sd2-v.safetensors", latent="empty", steps=6,
         sampler="dpmpp_2m_sde", scheduler="karras", cfg=1.0),
    dict(name="sd2eps_txt2img_euler_normal", ckpt="tiny-sd2-eps.safetensors", latent="empty", steps=6,
         sampler="euler", scheduler="normal"),
    dict(name="msd_sd2v_as_eps", ckpt="tiny-sd2-v.safetensors", latent="empty", steps=6, sampler="euler",
         scheduler="normal", msd=("eps", False)),
    dict(name="msd_sd15_vpred_zsnr", ckpt="tiny-sd15.safetensors", latent="empty", steps=6, sampler="euler",
         scheduler="normal", msd=("v_prediction", True)),
    dict(name="msd_sd15_lcm", ckpt="tiny-sd15.safetensors", latent="img2img", steps=4, sampler="lcm",
         scheduler="sgm_uniform", cfg=1.0, denoise=0.8, msd=("lcm", False)),
    dict(name="msd_sd15_x0", ckpt="tiny-sd15.safetensors", latent="img2img", steps=4, sampler="euler",
         scheduler="normal", denoise=0.5, msd=("x0", False)),
    dict(name="msd_sd15_img_to_img", ckpt="tiny-sd15.safetensors", latent="img2img", steps=4, sampler="euler",
         scheduler="normal", denoise=0.5, msd=("img_to_img", False)),
]


def main():
    tiny_detect.install()
    families_detect.install()
    install_sd2()
    import run_families
    run_families.load_extra_nodes()
    P.prepare_work_dirs()
    ck = os.path.join(P.MODELS_DIR, "checkpoints")
    for v in ("v", "eps"):
        tiny_sd2.write(os.path.join(ck, "tiny-sd2-%s.safetensors" % v), v)
    P._link(os.path.join(SHARED, "parity", "models", "checkpoints", "tiny-sd15.safetensors"),
            os.path.join(ck, "tiny-sd15.safetensors"))
    shutil.copyfile(os.path.join(SHARED, "parity", "input", "input.png"), os.path.join(P.INPUT_DIR, "input.png"))
    os.makedirs(OUT, exist_ok=True)
    import comfy.sd
    for v, want in (("v", "V_PREDICTION"), ("eps", "EPS")):  # ComfyUI's own decision from the probe tensor
        m = comfy.sd.load_checkpoint_guess_config(os.path.join(ck, "tiny-sd2-%s.safetensors" % v))[0]
        got = m.model.model_type.name
        print("tiny-sd2-%s: ComfyUI model_type %s, model config %s" % (v, got, type(m.model.model_config).__name__))
        assert got == want, got
    only = sys.argv[1:]
    for c in CASES:
        if only and not any(c["name"].startswith(o) for o in only):
            continue
        prefix = "families/" + c["name"]
        prompt, out_ids = prompt_for(c, prefix)
        runs = []
        for r in ("run1", "run2"):
            H.set_output_dir(os.path.join(P.OUTPUT_DIR, "sd2", r), clean=True)
            hist, calls, secs, info = H.run_prompt(prompt, c["name"] + r)
            lat = H.load_savelatent(H.output_files(hist, out_ids["save_latent"], "latents")[0])
            png = H.output_files(hist, out_ids["save_image"], "images")[0]
            runs.append((lat, png, calls))
        same = H.bits_equal(runs[0][0], runs[1][0]) and np.array_equal(np.asarray(Image.open(runs[0][1])),
                                                                       np.asarray(Image.open(runs[1][1])))
        base = os.path.join(OUT, c["name"])
        with open(base + ".api.json", "w") as fh:
            json.dump(prompt, fh, indent=1)
        save_file({"samples": runs[0][0].float().contiguous()}, base + ".safetensors")
        shutil.copyfile(runs[0][1], base + ".png")
        with open(base + ".json", "w") as fh:
            json.dump({"case": c, "rerun_bit_identical": bool(same), "sigmas_used": [s["sigmas"] for s in runs[0][2]],
                       "comfyui": P.COMFYUI_COMMIT}, fh, indent=1)
        print("%-40s identical rerun: %s" % (c["name"], same), flush=True)


if __name__ == "__main__":
    main()
