"""Reference data for graphrun's custom-sampling, primitive and string nodes, from real ComfyUI v0.3.64.

Runs each case's API prompt through ComfyUI's own executor (validate_prompt + PromptExecutor, no server) twice, on
the tiny SD1.5 checkpoint of ../shared/parity, with the shared oracle harness (../shared/oracle: CPU, fp32, one
thread, deterministic). SaveLatent writes `output` and, where the case has one, `denoised_output`; both runs must
agree bit for bit. Writes tests/fixtures/custom_sampling/NAME.api.json and NAME.safetensors (keys = saved outputs).

    ORACLE_WORK=/tmp/ow-customsamp COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python tools/oracle/run_custom_sampling.py
    ... --only sca_     # cases whose name starts with a prefix
"""
import argparse
import asyncio
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.environ.get("ORACLE_DIR", os.path.join(os.path.dirname(REPO), "shared", "oracle"))
os.environ.setdefault("PARITY_DIR", os.path.join(os.path.dirname(ORACLE), "parity"))
sys.path.insert(0, ORACLE)

import comfy_env  # noqa: E402,F401  (first: --cpu, fp32, deterministic, 1 thread)
import oracle_paths as P  # noqa: E402
import tiny_detect  # noqa: E402
import torch  # noqa: E402
import safetensors.torch  # noqa: E402
import nodes  # noqa: E402
import harness as H  # noqa: E402

OUT = os.path.join(REPO, "tests", "fixtures", "custom_sampling")
EXTRA = ("nodes_custom_sampler.py", "nodes_primitive.py", "nodes_string.py")
SEED = 280823642470253
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
NEG = "watermark, text"


def load_extra_nodes():
    for f in EXTRA:
        path = os.path.join(P.COMFY_ROOT, "comfy_extras", f)
        if not asyncio.run(nodes.load_custom_node(path, module_parent="comfy_extras")):
            raise RuntimeError("could not load comfy_extras/%s" % f)


class Case:
    """A prompt under construction: checkpoint, the two prompts, the img2img (or empty) latent."""

    def __init__(self, name, latent="img2img", pos=POS):
        self.name, self.b = name, H.PromptBuilder()
        self.ck = self.b.add("CheckpointLoaderSimple", ckpt_name=P.TINY_NAME)
        self.model = self.L(self.ck)
        self.pos = self.L(self.b.add("CLIPTextEncode", text=pos, clip=self.L(self.ck, 1)))
        self.neg = self.L(self.b.add("CLIPTextEncode", text=NEG, clip=self.L(self.ck, 1)))
        if latent == "img2img":
            img = self.b.add("LoadImage", image="input.png")
            self.latent = self.L(self.b.add("VAEEncode", pixels=self.L(img), vae=self.L(self.ck, 2)))
        else:
            self.latent = self.L(self.b.add("EmptyLatentImage", width=96, height=64, batch_size=1))
        self.saves = {}

    @staticmethod
    def L(nid, slot=0):
        return [nid, slot]

    def add(self, class_type, **inputs):
        return self.b.add(class_type, **inputs)

    def save(self, sampler_id, denoised=True):
        for slot, key in ((0, "output"), (1, "denoised_output"))[: 2 if denoised else 1]:
            self.saves[key] = self.add("SaveLatent", samples=self.L(sampler_id, slot),
                                       filename_prefix="cs/%s_%s" % (self.name, key))
        return self


def sched(c, scheduler="normal", steps=6, denoise=0.6):
    return c.L(c.add("BasicScheduler", model=c.model, scheduler=scheduler, steps=steps, denoise=denoise))


def select(c, name):
    return c.L(c.add("KSamplerSelect", sampler_name=name))


def custom(c, sampler, sigmas, add_noise=True, cfg=8.0, seed=SEED, latent=None):
    return c.save(c.add("SamplerCustom", model=c.model, add_noise=add_noise, noise_seed=seed, cfg=cfg,
                        positive=c.pos, negative=c.neg, sampler=sampler, sigmas=sigmas,
                        latent_image=latent or c.latent))


def advanced(c, sampler, sigmas, noise=None, guider=None, cfg=8.0):
    noise = noise or c.L(c.add("RandomNoise", noise_seed=SEED))
    guider = guider or c.L(c.add("CFGGuider", model=c.model, positive=c.pos, negative=c.neg, cfg=cfg))
    return c.save(c.add("SamplerCustomAdvanced", noise=noise, guider=guider, sampler=sampler, sigmas=sigmas,
                        latent_image=c.latent))


def cases():
    C = []
    c = Case("sc_euler_normal_s6_d0.6"); custom(c, select(c, "euler"), sched(c)); C.append(c)
    c = Case("sc_txt2img_euler_karras_s4", latent="empty")
    custom(c, select(c, "euler"), sched(c, "karras", 4, 1.0)); C.append(c)
    c = Case("sc_addnoise_off_euler_ancestral_eta0.5_snoise0.8")
    s = c.L(c.add("SamplerEulerAncestral", eta=0.5, s_noise=0.8))
    custom(c, s, sched(c, "simple", 5, 0.7), add_noise=False); C.append(c)
    c = Case("sc_karras_scheduler_dpmpp_2m")
    sig = c.L(c.add("KarrasScheduler", steps=6, sigma_max=8.0, sigma_min=0.05, rho=5.0))
    custom(c, select(c, "dpmpp_2m"), sig, cfg=5.0); C.append(c)
    c = Case("sc_empty_sigmas_denoise0")
    custom(c, select(c, "euler"), sched(c, denoise=0.0)); C.append(c)
    c = Case("sca_single_sigma_splitsigmas_step0")
    high = c.add("SplitSigmas", sigmas=sched(c), step=0)
    advanced(c, select(c, "euler"), c.L(high, 0)); C.append(c)
    c = Case("sca_cfg_dpmpp_2m_sde_heun_split2")
    s = c.L(c.add("SamplerDPMPP_2M_SDE", solver_type="heun", eta=0.7, s_noise=0.9, noise_device="cpu"))
    split = c.add("SplitSigmas", sigmas=sched(c, "karras", 8, 1.0), step=3)
    advanced(c, s, c.L(split, 1)); C.append(c)
    c = Case("sca_disable_noise_basic_guider_exponential")
    sig = c.L(c.add("ExponentialScheduler", steps=5, sigma_max=3.0, sigma_min=0.1))
    g = c.L(c.add("BasicGuider", model=c.model, conditioning=c.pos))
    advanced(c, c.L(c.add("SamplerEulerAncestral", eta=1.0, s_noise=1.0)), sig,
             noise=c.L(c.add("DisableNoise")), guider=g); C.append(c)
    c = Case("sca_basic_guider_euler_cfg_pp")
    g = c.L(c.add("BasicGuider", model=c.model, conditioning=c.pos))
    advanced(c, select(c, "euler_cfg_pp"), sched(c), guider=g); C.append(c)
    for style, c1, c2 in (("regular", 4.0, 6.0), ("nested", 3.0, 5.0), ("regular", 3.0, 1.0)):
        c = Case("sca_dual_cfg_%s_%g_%g" % (style, c1, c2))
        cond2 = c.L(c.add("CLIPTextEncode", text="a stormy sea at dusk", clip=c.L(c.ck, 1)))
        g = c.L(c.add("DualCFGGuider", model=c.model, cond1=c.pos, cond2=cond2, negative=c.neg, cfg_conds=c1,
                      cfg_cond2_negative=c2, style=style))
        sig = c.L(c.add("PolyexponentialScheduler", steps=5, sigma_max=4.0, sigma_min=0.1, rho=1.5))
        advanced(c, select(c, "dpmpp_2m"), sig, guider=g); C.append(c)
    c = Case("sca_sdturbo_s2_d0.6_euler")
    advanced(c, select(c, "euler"), c.L(c.add("SDTurboScheduler", model=c.model, steps=2, denoise=0.6))); C.append(c)
    c = Case("sca_beta_sampling_dpmpp_sde_gpu")
    s = c.L(c.add("SamplerDPMPP_SDE", eta=0.8, s_noise=1.1, r=0.4, noise_device="gpu"))
    sig = c.L(c.add("BetaSamplingScheduler", model=c.model, steps=6, alpha=0.5, beta=0.7))
    split = c.add("SplitSigmas", sigmas=sig, step=2)
    advanced(c, s, c.L(split, 1)); C.append(c)
    c = Case("sca_lms3_splitsigmasdenoise0.5")
    split = c.add("SplitSigmasDenoise", sigmas=sched(c, "simple", 8, 1.0), denoise=0.5)
    advanced(c, c.L(c.add("SamplerLMS", order=3)), c.L(split, 1)); C.append(c)
    c = Case("sca_flip_sigmas_euler_inversion")
    flip = c.add("FlipSigmas", sigmas=sched(c, "normal", 4, 0.5))
    advanced(c, select(c, "euler"), c.L(flip), noise=c.L(c.add("DisableNoise")), cfg=1.0); C.append(c)
    c = Case("sca_dpmpp_3m_sde_cpu_eta0.5")
    s = c.L(c.add("SamplerDPMPP_3M_SDE", eta=0.5, s_noise=0.9, noise_device="cpu"))
    advanced(c, s, sched(c, "exponential", 6, 0.6)); C.append(c)
    c = Case("sca_dpmpp_2s_ancestral_eta0.6")
    s = c.L(c.add("SamplerDPMPP_2S_Ancestral", eta=0.6, s_noise=1.2))
    advanced(c, s, sched(c, "normal", 5, 0.6)); C.append(c)
    c = Case("sca_euler_ancestral_cfgpp_eta0.6")
    s = c.L(c.add("SamplerEulerAncestralCFGPP", eta=0.6, s_noise=0.9))
    advanced(c, s, sched(c, "normal", 5, 0.6), cfg=2.0); C.append(c)
    c = Case("sca_dpm_adaptive_order2_eta0.3")
    s = c.L(c.add("SamplerDPMAdaptative", order=2, rtol=0.1, atol=0.02, h_init=0.1, pcoeff=0.0, icoeff=1.0,
                  dcoeff=0.0, accept_safety=0.81, eta=0.3, s_noise=1.0))
    advanced(c, s, sched(c, "normal", 5, 0.6)); C.append(c)
    for solver, eta in (("Reverse-time SDE", 0.5), ("ODE", 1.0), ("ER-SDE", 1.0)):
        c = Case("sca_er_sde_%s" % solver.split()[0].lower().replace("-", ""))
        s = c.L(c.add("SamplerER_SDE", solver_type=solver, max_stage=2, eta=eta, s_noise=0.9))
        advanced(c, s, sched(c, "normal", 6, 0.6)); C.append(c)
    c = Case("sca_sa_solver_pece_simple2")
    s = c.L(c.add("SamplerSASolver", model=c.model, eta=0.8, sde_start_percent=0.1, sde_end_percent=0.9,
                  s_noise=1.0, predictor_order=2, corrector_order=2, use_pece=True, simple_order_2=True))
    advanced(c, s, sched(c, "normal", 6, 0.6)); C.append(c)
    # primitives and strings feeding the graph: prompt text, seed, cfg, add_noise
    c = Case("prim_strings_into_samplercustom")
    a = c.add("PrimitiveString", value="photograph of victorian woman")
    b = c.add("PrimitiveStringMultiline", value="with wings,\nsky clouds")
    cat = c.add("StringConcatenate", string_a=c.L(a), string_b=c.L(b), delimiter=" ")
    rep = c.add("StringReplace", string=c.L(cat), find="\n", replace=" meadow ")
    c.pos = c.L(c.add("CLIPTextEncode", text=c.L(rep), clip=c.L(c.ck, 1)))
    seed = c.add("PrimitiveInt", value=12345)
    cfg = c.add("PrimitiveFloat", value=6.5)
    on = c.add("PrimitiveBoolean", value=True)
    custom(c, select(c, "euler"), sched(c), add_noise=c.L(on), cfg=c.L(cfg), seed=c.L(seed)); C.append(c)
    return C


def run(c, tag):
    H.set_output_dir(os.path.join(P.OUTPUT_DIR, tag), clean=True)
    hist, _, secs, _ = H.run_prompt(c.b.p, "%s-%s" % (c.name, tag))
    out = {}
    for key, nid in c.saves.items():
        (path,) = H.output_files(hist, nid, "latents")
        out[key] = H.load_savelatent(path).float().contiguous()
    return out, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    P.prepare_work_dirs()
    tiny_detect.install()
    load_extra_nodes()
    os.makedirs(OUT, exist_ok=True)
    for c in cases():
        if a.only and not any(c.name.startswith(o) for o in a.only):
            continue
        t1, secs = run(c, "run1")
        t2, _ = run(c, "run2")
        same = all(H.bits_equal(t1[k], t2[k]) for k in t1)
        if not same:
            raise SystemExit("%s: two runs differ" % c.name)
        safetensors.torch.save_file(t1, os.path.join(OUT, c.name + ".safetensors"))
        with open(os.path.join(OUT, c.name + ".api.json"), "w") as fh:
            json.dump(c.b.p, fh, indent=1, sort_keys=True)
        print("%-48s %.2fs  %s" % (c.name, secs, {k: tuple(v.shape) for k, v in t1.items()}))


if __name__ == "__main__":
    main()
