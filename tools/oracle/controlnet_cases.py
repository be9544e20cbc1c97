"""The ControlNet parity cases (API prompts), shared by run_controlnet.py (ComfyUI) and the tests (graphrun reads
the written NAME.api.json). Nothing here imports ComfyUI. The ControlNet files come from make_tiny_controlnet.py,
the hint image is tests/fixtures/nodes/input/input.png (96x64: centre-cropped to the latent's aspect)."""

CKPT = "tiny-sd15.safetensors"
SEED = 947215331203
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
NEG = "watermark, text"
HINT = "input.png"


class Prompt:
    def __init__(self, name):
        self.name = name
        self.p = {}

    def add(self, class_type, **inputs):
        nid = str(len(self.p) + 1)
        self.p[nid] = {"class_type": class_type, "inputs": inputs}
        return nid

    def save(self, ck, latent):
        nid = str(len(self.p) + 1)
        self.add("SaveLatent", samples=latent, filename_prefix="%s/n%s" % (self.name, nid))
        img = [self.add("VAEDecode", samples=latent, vae=[ck, 2]), 0]
        nid = str(len(self.p) + 1)
        self.add("SaveImage", images=img, filename_prefix="%s/n%s" % (self.name, nid))

    def base(self, width=64, height=64, batch=1, ckpt=CKPT):
        ck = self.add("CheckpointLoaderSimple", ckpt_name=ckpt)
        pos = [self.add("CLIPTextEncode", text=POS, clip=[ck, 1]), 0]
        neg = [self.add("CLIPTextEncode", text=NEG, clip=[ck, 1]), 0]
        img = [self.add("LoadImage", image=HINT), 0]
        lat = [self.add("EmptyLatentImage", width=width, height=height, batch_size=batch), 0]
        return ck, pos, neg, img, lat

    def ksampler(self, ck, pos, neg, lat, steps=4, cfg=5.0, sampler="euler", scheduler="normal"):
        return [self.add("KSampler", model=[ck, 0], seed=SEED, steps=steps, cfg=cfg, sampler_name=sampler,
                         scheduler=scheduler, positive=pos, negative=neg, latent_image=lat, denoise=1.0), 0]


def cn_apply(p):
    """ControlNetApply (old) on the positive only (ComfyUI copies it to the negative), batch of 2."""
    ck, pos, neg, img, lat = p.base(batch=2)
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15.safetensors"), 0]
    cpos = [p.add("ControlNetApply", conditioning=pos, control_net=net, image=img, strength=0.9), 0]
    p.save(ck, p.ksampler(ck, cpos, neg, lat))


def cn_advanced(p):
    """ControlNetApplyAdvanced, strength 0.7, 0.2..0.8 of the schedule, diffusers-layout file, 64x48 latent."""
    ck, pos, neg, img, lat = p.base(width=64, height=48)
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15-diffusers.safetensors"), 0]
    app = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=net, image=img, strength=0.7,
                start_percent=0.2, end_percent=0.8)
    p.save(ck, p.ksampler(ck, [app, 0], [app, 1], lat, steps=6, sampler="dpmpp_2m", scheduler="karras"))


def cn_chain(p):
    """Two chained ControlNets (prefix-less LDM file, then the control_model. one) with their own ranges."""
    ck, pos, neg, img, lat = p.base()
    small = [p.add("ImageScale", image=img, upscale_method="bilinear", width=40, height=40, crop="disabled"), 0]
    n1 = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15-plain.safetensors"), 0]
    n2 = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15.safetensors"), 0]
    a1 = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=n1, image=img, strength=0.8,
               start_percent=0.0, end_percent=0.6)
    a2 = p.add("ControlNetApplyAdvanced", positive=[a1, 0], negative=[a1, 1], control_net=n2, image=small,
               strength=1.3, start_percent=0.3, end_percent=1.0)
    p.save(ck, p.ksampler(ck, [a2, 0], [a2, 1], lat, steps=5))


def cn_diff(p):
    """DiffControlNetLoader: the diff file completed with the MODEL's UNet weights; also a plain file through it."""
    ck, pos, neg, img, lat = p.base()
    net = [p.add("DiffControlNetLoader", model=[ck, 0], control_net_name="tiny-cn-sd15-diff.safetensors"), 0]
    app = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=net, image=img, strength=1.0,
                start_percent=0.0, end_percent=1.0)
    p.save(ck, p.ksampler(ck, [app, 0], [app, 1], lat))
    plain = [p.add("DiffControlNetLoader", model=[ck, 0], control_net_name="tiny-cn-sd15.safetensors"), 0]
    app2 = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=plain, image=img, strength=0.5,
                 start_percent=0.0, end_percent=1.0)
    p.save(ck, p.ksampler(ck, [app2, 0], [app2, 1], lat, steps=3))


def cn_sdxl(p):
    """Tiny SDXL: the ControlNet gets the ADM vector y too; old and advanced apply nodes chained."""
    ck, pos, neg, img, lat = p.base(ckpt="tiny-sdxl.safetensors")
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sdxl.safetensors"), 0]
    old = [p.add("ControlNetApply", conditioning=pos, control_net=net, image=img, strength=0.6), 0]
    app = p.add("ControlNetApplyAdvanced", positive=old, negative=neg, control_net=net, image=img, strength=0.8,
                start_percent=0.1, end_percent=0.9)
    p.save(ck, p.ksampler(ck, [app, 0], [app, 1], lat))


def cn_hint_batch(p):
    """A batch of 2 hints for a latent batch of 3 (ComfyUI's broadcast_image_to per cond/uncond chunk), and a
    `_shuffle` file name (global average pooling of the control outputs, ComfyUI's file-name rule)."""
    ck, pos, neg, img, lat = p.base(batch=3)
    inv = [p.add("ImageInvert", image=img), 0]
    hints = [p.add("ImageBatch", image1=img, image2=inv), 0]
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15.safetensors"), 0]
    gap = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15_shuffle.safetensors"), 0]
    a1 = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=net, image=hints, strength=1.0,
               start_percent=0.0, end_percent=1.0)
    a2 = p.add("ControlNetApplyAdvanced", positive=[a1, 0], negative=[a1, 1], control_net=gap, image=img,
               strength=0.9, start_percent=0.0, end_percent=0.7)
    p.save(ck, p.ksampler(ck, [a2, 0], [a2, 1], lat, steps=3))


def cn_area_custom(p):
    """ControlNetApply (old) on a combined conditioning with an area entry (one control per entry; only the
    area-less one is copied to the negative), sampled with SamplerCustomAdvanced + CFGGuider."""
    ck, pos, neg, img, lat = p.base(width=64, height=64)
    other = [p.add("CLIPTextEncode", text="a red barn in the snow", clip=[ck, 1]), 0]
    area = [p.add("ConditioningSetAreaPercentage", conditioning=other, width=0.5, height=1.0, x=0.5, y=0.0,
                  strength=1.0), 0]
    comb = [p.add("ConditioningCombine", conditioning_1=pos, conditioning_2=area), 0]
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15.safetensors"), 0]
    cpos = [p.add("ControlNetApply", conditioning=comb, control_net=net, image=img, strength=1.1), 0]
    guider = [p.add("CFGGuider", model=[ck, 0], positive=cpos, negative=neg, cfg=4.0), 0]
    sampler = [p.add("KSamplerSelect", sampler_name="euler_ancestral"), 0]
    sigmas = [p.add("BasicScheduler", model=[ck, 0], scheduler="normal", steps=4, denoise=1.0), 0]
    noise = [p.add("RandomNoise", noise_seed=SEED), 0]
    out = p.add("SamplerCustomAdvanced", noise=noise, guider=guider, sampler=sampler, sigmas=sigmas,
                latent_image=lat)
    p.save(ck, [out, 0])


def cn_misc(p):
    """cfg 1 (no negative pass), img2img at denoise 0.6 through KSamplerAdvanced steps 1..4 of 5 (72x40 image),
    and a range that starts after it ends (never active: the bits of no ControlNet)."""
    ck, pos, neg, img, lat = p.base()
    net = [p.add("ControlNetLoader", control_net_name="tiny-cn-sd15-diffusers.safetensors"), 0]
    cpos = [p.add("ControlNetApply", conditioning=pos, control_net=net, image=img, strength=1.5), 0]
    p.save(ck, p.ksampler(ck, cpos, neg, lat, steps=3, cfg=1.0))
    small = [p.add("ImageScale", image=img, upscale_method="bicubic", width=72, height=40, crop="disabled"), 0]
    enc = [p.add("VAEEncode", pixels=small, vae=[ck, 2]), 0]
    app = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=net, image=img, strength=0.9,
                start_percent=0.1, end_percent=0.5)
    adv = [p.add("KSamplerAdvanced", model=[ck, 0], add_noise="enable", noise_seed=SEED, steps=5, cfg=6.0,
                 sampler_name="heun", scheduler="simple", positive=[app, 0], negative=[app, 1], latent_image=enc,
                 start_at_step=1, end_at_step=4, return_with_leftover_noise="disable"), 0]
    p.save(ck, adv)
    never = p.add("ControlNetApplyAdvanced", positive=pos, negative=neg, control_net=net, image=img, strength=2.0,
                  start_percent=0.7, end_percent=0.3)
    p.save(ck, p.ksampler(ck, [never, 0], [never, 1], lat, steps=3))
    p.save(ck, p.ksampler(ck, pos, neg, lat, steps=3))


def all_cases():
    out = []
    for name, build in (("cn_apply", cn_apply), ("cn_advanced", cn_advanced), ("cn_chain", cn_chain),
                        ("cn_diff", cn_diff), ("cn_sdxl", cn_sdxl),
                        ("cn_hint_batch", cn_hint_batch), ("cn_area_custom", cn_area_custom),
                        ("cn_misc", cn_misc)):
        p = Prompt(name)
        build(p)
        out.append({"name": name, "prompt": p.p})
    return out
