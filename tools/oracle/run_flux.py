"""Tiny Flux reference data from ComfyUI v0.3.64's executor (execution.validate_prompt + PromptExecutor, no server),
with the patches of flux_detect.py (config detection only).  Every sampling case runs twice in fresh executors and
both runs must agree bit for bit (latent, PNG pixels, per-step trace).  Also records, by calling ComfyUI's loader
and encoders directly: CLIPTextEncode / CLIPTextEncodeFlux outputs (cond, pooled) and the T5 token ids + weights
of FluxTokenizer for TEXTS.

    COMFY_ROOT=/tmp/ow/ComfyUI ORACLE_WORK=/tmp/ow-flux /tmp/ow/venv/bin/python tools/oracle/run_flux.py [--only NAME...]
        -> tests/fixtures/flux/cases/<name>.{api.json,json,safetensors}, tests/fixtures/flux/encoders.*,
           tests/fixtures/flux/t5_tokens.json
"""
import argparse
import asyncio
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED_ORACLE = os.environ.get("SHARED_ORACLE", os.path.join(os.path.dirname(REPO), "shared", "oracle"))
sys.path.insert(0, SHARED_ORACLE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "flux"))
import comfy_env  # noqa: E402,F401
import oracle_paths as P  # noqa: E402
import flux_detect  # noqa: E402
import torch  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
import folder_paths  # noqa: E402
import harness as H  # noqa: E402
import tiny_flux  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

FIX = os.path.join(REPO, "tests", "fixtures", "flux")
CASES = os.path.join(FIX, "cases")
SEED = 1234567890123
POS = "a cozy cabin in a snowy forest at dusk, warm light in the windows"
DEV, SCHNELL = "tiny-flux-dev.safetensors", "tiny-flux-schnell.safetensors"
CLIP_L, T5 = "tiny-clip-l.safetensors", "tiny-t5xxl.safetensors"
AE = "tiny-flux-ae.safetensors"

LONG = " ".join("word%d, tiny cabin %d." % (i, i) for i in range(160))
TEXTS = [
    "", "a photo of a cat", "  leading and trailing spaces  ", "multiple   inner    spaces\nand a newline",
    "UPPER lower MiXeD 12345 3.14159", "(masterpiece:1.2), (blurry:0.7) [old] ((double))",
    "escaped \\(parens\\) and \\\\ backslash", "émigré café naïve — “quotes” … ½ ﬁ Ⅻ",
    "日本語のテキスト 中文 한국어 русский العربية", "emoji 🐱🚀 and symbols © ® ™ €", "tabs\tand\u00a0nbsp",
    "embedding:foo bar", "a, b; c: d! e? f. g-h_i/j", LONG, "(" + LONG + ":1.1)",
]


def load_extra_nodes():
    import nodes
    for f in ("nodes_flux.py", "nodes_sd3.py", "nodes_model_advanced.py"):
        ok = asyncio.run(nodes.load_custom_node(os.path.join(P.COMFY_ROOT, "comfy_extras", f), module_parent="comfy_extras"))
        if not ok:
            raise RuntimeError("could not load comfy_extras/%s" % f)


def prepare_models():
    tiny_flux.write_all(P.MODELS_DIR)  # content sha256 checked
    for folder in ("diffusion_models", "text_encoders", "vae"):
        folder_paths.folder_names_and_paths[folder] = ([os.path.join(P.MODELS_DIR, folder)], folder_paths.supported_pt_extensions)
    P.prepare_work_dirs()


def case(name, **kw):
    d = dict(name=name, unet=DEV, weight_dtype="default", pos=POS, neg=None, guidance=3.5, latent="empty", width=64,
             height=64, batch_size=1, seed=SEED, steps=4, cfg=1.0, sampler_name="euler", scheduler="simple", denoise=1.0,
             model_sampling=None, encode="plain")
    d.update(kw)
    return d


def all_cases():
    C = [
        case("flux_dev_txt2img"),
        case("flux_dev_img2img_d100", latent="img2img"),
        case("flux_dev_img2img_d060", latent="img2img", denoise=0.6, steps=5),
        case("flux_dev_guidance_1_0", guidance=1.0),
        case("flux_dev_guidance_7_5", guidance=7.5, sampler_name="dpmpp_2m", scheduler="beta"),
        case("flux_dev_msflux_1024", model_sampling=("ModelSamplingFlux", dict(max_shift=1.15, base_shift=0.5, width=1024, height=1024))),
        case("flux_dev_msflux_64x96", width=96, model_sampling=("ModelSamplingFlux", dict(max_shift=2.0, base_shift=0.25, width=96, height=64))),
        case("flux_dev_mssd3_shift3", model_sampling=("ModelSamplingSD3", dict(shift=3.0))),
        case("flux_dev_msaura_shift173", model_sampling=("ModelSamplingAuraFlow", dict(shift=1.73))),
        case("flux_dev_cfg2_zeroout", cfg=2.0, neg="zero_out", steps=3),
        case("flux_dev_cfg2_neg_text", cfg=2.0, neg="blurry, low quality", steps=3, sampler_name="heun"),
        case("flux_dev_cliptextencodeflux", encode="flux", guidance=4.5),
        case("flux_dev_fp8_e4m3fn", weight_dtype="fp8_e4m3fn"),
        case("flux_schnell_txt2img", unet=SCHNELL, guidance=None, width=96, height=64),
        case("flux_schnell_img2img_d070", unet=SCHNELL, guidance=None, latent="img2img", denoise=0.7, steps=3),
        case("flux_dev_batch2", batch_size=2, sampler_name="euler_ancestral", scheduler="normal"),
    ]
    return C


def flux_prompt(c, prefix):
    b = H.PromptBuilder()
    L = b.link
    unet = b.add("UNETLoader", unet_name=c["unet"], weight_dtype=c["weight_dtype"])
    clip = b.add("DualCLIPLoader", clip_name1=CLIP_L, clip_name2=T5, type="flux", device="default")
    vae = b.add("VAELoader", vae_name=AE)
    model = L(unet, 0)
    if c["model_sampling"]:
        ct, kw = c["model_sampling"]
        model = L(b.add(ct, model=model, **kw), 0)
    if c["encode"] == "flux":
        pos = L(b.add("CLIPTextEncodeFlux", clip=L(clip, 0), clip_l="cabin, snow", t5xxl=c["pos"], guidance=c["guidance"]), 0)
    else:
        pos = L(b.add("CLIPTextEncode", text=c["pos"], clip=L(clip, 0)), 0)
        if c["guidance"] is not None:
            pos = L(b.add("FluxGuidance", conditioning=pos, guidance=c["guidance"]), 0)
    if c["neg"] == "zero_out":
        neg = L(b.add("ConditioningZeroOut", conditioning=pos), 0)
    else:
        neg = L(b.add("CLIPTextEncode", text=c["neg"] or "", clip=L(clip, 0)), 0)
    if c["latent"] == "img2img":
        img = b.add("LoadImage", image="input64.png")
        lat = L(b.add("VAEEncode", pixels=L(img, 0), vae=L(vae, 0)), 0)
        if c["batch_size"] > 1:
            lat = L(b.add("RepeatLatentBatch", samples=lat, amount=c["batch_size"]), 0)
    else:
        lat = L(b.add("EmptySD3LatentImage", width=c["width"], height=c["height"], batch_size=c["batch_size"]), 0)
    ks = b.add("KSampler", model=model, seed=c["seed"], steps=c["steps"], cfg=c["cfg"], sampler_name=c["sampler_name"],
               scheduler=c["scheduler"], positive=pos, negative=neg, latent_image=lat, denoise=c["denoise"])
    dec = b.add("VAEDecode", samples=L(ks, 0), vae=L(vae, 0))
    out = {"save_image": b.add("SaveImage", images=L(dec, 0), filename_prefix=prefix),
           "save_latent": b.add("SaveLatent", samples=L(ks, 0), filename_prefix=prefix)}
    return b.p, out


def run_once(prompt, pid, out_ids, run_dir):
    H.set_output_dir(run_dir, clean=True)
    traces = []
    real_reset = H.REC.reset

    def reset():  # run_prompt resets REC after executing: keep the trace it recorded
        if H.REC.trace:
            traces.append(list(H.REC.trace))
        real_reset()
    H.REC.reset = reset
    try:
        hist, calls, secs, _ = H.run_prompt(prompt, pid)
    finally:
        H.REC.reset = real_reset
    res = {"calls": calls, "seconds": secs, "trace": traces[-1] if traces else []}
    res["samples"] = H.load_savelatent(H.output_files(hist, out_ids["save_latent"], "latents")[0])
    pngs = H.output_files(hist, out_ids["save_image"], "images")
    res["pixels"] = np.stack([np.asarray(Image.open(p)) for p in pngs])
    return res


def same_run(a, b):
    return H.bits_equal(a["samples"], b["samples"]) and np.array_equal(a["pixels"], b["pixels"]) \
        and len(a["trace"]) == len(b["trace"]) \
        and all(H.bits_equal(x[1], y[1]) and H.bits_equal(x[2], y[2]) for x, y in zip(a["trace"], b["trace"]))


def write_case(c, prompt, out_ids, res, same):
    os.makedirs(CASES, exist_ok=True)
    base = os.path.join(CASES, c["name"])
    t = {"samples": res["samples"].float().contiguous(), "pixels": torch.from_numpy(res["pixels"]).contiguous()}
    if res["trace"]:
        t["trace_x"] = torch.stack([x for _, x, _ in res["trace"]]).contiguous()
        t["trace_denoised"] = torch.stack([d for _, _, d in res["trace"]]).contiguous()
    save_file(t, base + ".safetensors", metadata={"case": c["name"]})
    with open(base + ".api.json", "w") as fh:
        json.dump(prompt, fh, indent=1, sort_keys=True)
    meta = {"name": c["name"], "settings": c, "output_node_ids": out_ids, "sigmas_used": [s["sigmas"] for s in res["calls"]],
            "shapes": {k: list(v.shape) for k, v in t.items()}, "sha256": {k: H.sha256_tensor(v) for k, v in t.items()},
            "rerun_bit_identical": bool(same), "comfyui": {"version": P.COMFYUI_VERSION, "commit": P.COMFYUI_COMMIT},
            "tiny_models": tiny_flux.CONTENT_SHA256}
    with open(base + ".json", "w") as fh:
        json.dump(meta, fh, indent=1, sort_keys=True)


def record_encoders():
    """CLIPTextEncode / CLIPTextEncodeFlux outputs and FluxTokenizer's T5 tokens, by direct calls."""
    import nodes
    from comfy_extras.nodes_flux import CLIPTextEncodeFlux
    with torch.inference_mode():
        clip = nodes.DualCLIPLoader().load_clip(CLIP_L, T5, "flux")[0]
        tok = {}
        for text in TEXTS:
            pairs = clip.tokenizer.t5xxl.tokenize_with_weights(text)
            tok[text] = [[[int(t), float(w)] for t, w in batch] for batch in pairs]
        with open(os.path.join(FIX, "t5_tokens.json"), "w") as fh:
            json.dump({"comfyui": P.COMFYUI_COMMIT, "tokenizer": "comfy.text_encoders.flux.FluxTokenizer().t5xxl (min_length 256)",
                       "tokens": tok}, fh, ensure_ascii=False, indent=0)
        tensors, index = {}, []
        for i, text in enumerate([POS, "", "(snow:1.3), cabin, [dusk]", "日本語 emoji 🐱 café"]):
            cond = nodes.CLIPTextEncode().encode(clip, text)[0]
            tensors["plain%d_cond" % i] = cond[0][0].float().contiguous()
            tensors["plain%d_pooled" % i] = cond[0][1]["pooled_output"].float().contiguous()
            index.append({"key": "plain%d" % i, "node": "CLIPTextEncode", "text": text})
        for i, (l, t, g) in enumerate([("cabin, snow", POS, 3.5), ("", "only t5 text", 0.0), ("only clip text", "", 10.0)]):
            cond = CLIPTextEncodeFlux.execute(clip, l, t, g)[0]
            tensors["flux%d_cond" % i] = cond[0][0].float().contiguous()
            tensors["flux%d_pooled" % i] = cond[0][1]["pooled_output"].float().contiguous()
            index.append({"key": "flux%d" % i, "node": "CLIPTextEncodeFlux", "clip_l": l, "t5xxl": t, "guidance": g,
                          "guidance_recorded": cond[0][1].get("guidance")})
        save_file(tensors, os.path.join(FIX, "encoders.safetensors"))
        with open(os.path.join(FIX, "encoders.json"), "w") as fh:
            json.dump(index, fh, ensure_ascii=False, indent=1)
    print("encoders + %d token strings recorded" % len(TEXTS))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--no-encoders", action="store_true")
    a = ap.parse_args()
    flux_detect.install()
    load_extra_nodes()
    prepare_models()
    if not a.no_encoders:
        record_encoders()
    bad = []
    for c in all_cases():
        if a.only and not any(c["name"].startswith(o) for o in a.only):
            continue
        t0 = time.time()
        prompt, out_ids = flux_prompt(c, "flux/" + c["name"])
        rr = [run_once(prompt, "%s-%s" % (c["name"], r), out_ids, os.path.join(P.OUTPUT_DIR, "flux", r)) for r in ("run1", "run2")]
        same = same_run(*rr)
        write_case(c, prompt, out_ids, rr[0], same)
        print("%-32s rerun bit-identical: %s  sigmas %s (%.1fs)" % (
            c["name"], same, [round(s, 4) for s in rr[0]["calls"][0]["sigmas"]], time.time() - t0), flush=True)
        if not same:
            bad.append(c["name"])
    print("done; non-identical: %s" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
