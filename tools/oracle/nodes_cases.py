"""The node parity cases (API prompts), shared by run_nodes.py (ComfyUI) and the tests (graphrun reads the
written NAME.api.json). Nothing here imports ComfyUI. Each SaveImage/SaveLatent prefix is "NAME/n<its id>"."""

CKPT = "tiny-sd15.safetensors"
SEED = 280823642470253
POS = "photograph of victorian woman with wings, sky clouds, meadow grass"
NEG = "watermark, text"


class Prompt:
    def __init__(self, name):
        self.name = name
        self.p = {}

    def add(self, class_type, **inputs):
        nid = str(len(self.p) + 1)
        self.p[nid] = {"class_type": class_type, "inputs": inputs}
        return nid

    def save_image(self, image):
        nid = str(len(self.p) + 1)
        return self.add("SaveImage", images=image, filename_prefix="%s/n%s" % (self.name, nid))

    def save_latent(self, latent):
        nid = str(len(self.p) + 1)
        return self.add("SaveLatent", samples=latent, filename_prefix="%s/n%s" % (self.name, nid))

    def save_mask(self, mask):
        return self.save_image([self.add("MaskToImage", mask=mask), 0])

    def model(self):
        ck = self.add("CheckpointLoaderSimple", ckpt_name=CKPT)
        pos = self.add("CLIPTextEncode", text=POS, clip=[ck, 1])
        neg = self.add("CLIPTextEncode", text=NEG, clip=[ck, 1])
        return ck, [pos, 0], [neg, 0]

    def ksampler(self, ck, pos, neg, latent, steps=4, denoise=1.0, sampler="euler", scheduler="normal", cfg=5.0,
                 seed=SEED):
        return [self.add("KSampler", model=[ck, 0], seed=seed, steps=steps, cfg=cfg, sampler_name=sampler,
                         scheduler=scheduler, positive=pos, negative=neg, latent_image=latent, denoise=denoise), 0]


def case(group, name, build):
    p = Prompt(name)
    build(p)
    return {"group": group, "name": name, "prompt": p.p}


# ------------------------------------------------------------------ A: images and latents
def a_image_ops(p):
    img = [p.add("LoadImage", image="input.png"), 0]
    p.save_image([p.add("ImageScaleBy", image=img, upscale_method="bicubic", scale_by=1.37), 0])
    p.save_image([p.add("ImageScaleToTotalPixels", image=img, upscale_method="bilinear", megapixels=0.01), 0])
    p.save_image([p.add("ImageScaleToTotalPixels", image=img, upscale_method="lanczos", megapixels=0.02), 0])
    empty = [p.add("EmptyImage", width=40, height=24, batch_size=2, color=0x3366A9), 0]
    p.save_image(empty)
    p.save_image([p.add("ImageBatch", image1=img, image2=empty), 0])
    size = p.add("GetImageSize", image=img)
    p.save_latent([p.add("EmptyLatentImage", width=[size, 0], height=[size, 1], batch_size=[size, 2]), 0])
    p.add("PreviewAny", source=[size, 0])
    p.add("PreviewAny", source=[p.add("ImageScaleBy", image=empty, upscale_method="area", scale_by=0.1), 0])


def a_latent_batch(p):
    ck, pos, neg = p.model()
    img = [p.add("LoadImage", image="input.png"), 0]
    lat = [p.add("VAEEncode", pixels=img, vae=[ck, 2]), 0]
    rep = [p.add("RepeatLatentBatch", samples=lat, amount=3), 0]
    part = [p.add("LatentFromBatch", samples=rep, batch_index=1, length=2), 0]
    p.save_latent(p.ksampler(ck, pos, neg, part, steps=3, denoise=0.6))
    up = [p.add("LatentUpscaleBy", samples=lat, upscale_method="bislerp", scale_by=1.5), 0]
    p.save_latent(up)
    p.save_latent([p.add("LatentUpscaleBy", samples=lat, upscale_method="bilinear", scale_by=0.75), 0])


def a_vae_tiled(p):
    ck, _, _ = p.model()
    img = [p.add("LoadImage", image="input.png"), 0]
    big = [p.add("ImageScaleBy", image=img, upscale_method="bilinear", scale_by=2.0), 0]  # 192x128
    lat = [p.add("VAEEncodeTiled", pixels=big, vae=[ck, 2], tile_size=128, overlap=32, temporal_size=64,
                 temporal_overlap=8), 0]
    p.save_latent(lat)
    p.save_image([p.add("VAEDecodeTiled", samples=lat, vae=[ck, 2], tile_size=64, overlap=32, temporal_size=64,
                        temporal_overlap=8), 0])
    p.save_image([p.add("VAEDecodeTiled", samples=lat, vae=[ck, 2], tile_size=128, overlap=64, temporal_size=64,
                        temporal_overlap=8), 0])


# ------------------------------------------------------------------ B: masks and inpainting
def b_masks(p):
    img = [p.add("LoadImage", image="input.png"), 0]
    rgba = p.add("LoadImage", image="mask_rgba.png")
    p.save_mask([p.add("LoadImageMask", image="mask_rgba.png", channel="alpha"), 0])
    p.save_mask([p.add("LoadImageMask", image="input.png", channel="green"), 0])
    p.save_mask([p.add("InvertMask", mask=[rgba, 1]), 0])
    p.save_mask([p.add("ImageToMask", image=img, channel="blue"), 0])
    p.save_image([p.add("ImageInvert", image=img), 0])
    pad = p.add("ImagePadForOutpaint", image=img, left=16, top=8, right=24, bottom=0, feathering=12)
    p.save_image([pad, 0])
    p.save_mask([pad, 1])
    src = [p.add("EmptyImage", width=40, height=30, batch_size=1, color=0xE0A030), 0]
    p.save_image([p.add("ImageCompositeMasked", destination=img, source=src, x=10, y=5, resize_source=False,
                        mask=[rgba, 1]), 0])
    p.save_image([p.add("ImageCompositeMasked", destination=img, source=src, x=70, y=50, resize_source=False), 0])
    p.save_image([p.add("ImageCompositeMasked", destination=img, source=[rgba, 0], x=0, y=0, resize_source=True,
                        mask=[rgba, 1]), 0])


def b_inpaint_vae(p):
    ck, pos, neg = p.model()
    rgba = p.add("LoadImage", image="mask_rgba.png")
    img = [p.add("LoadImage", image="input.png"), 0]
    lat = [p.add("VAEEncodeForInpaint", pixels=img, vae=[ck, 2], mask=[rgba, 1], grow_mask_by=6), 0]
    p.save_latent(lat)
    out = p.ksampler(ck, pos, neg, lat, steps=4)
    p.save_latent(out)
    p.save_image([p.add("VAEDecode", samples=out, vae=[ck, 2]), 0])


def b_inpaint_odd(p):
    ck, pos, neg = p.model()
    img = [p.add("LoadImage", image="odd.png"), 0]
    mask = [p.add("LoadImageMask", image="mask_rgba.png", channel="alpha"), 0]  # 96x64 mask on a 100x70 image
    lat = [p.add("VAEEncodeForInpaint", pixels=img, vae=[ck, 2], mask=mask, grow_mask_by=3), 0]
    p.save_latent(p.ksampler(ck, pos, neg, lat, steps=3, sampler="dpmpp_2m", scheduler="karras"))


def b_set_noise_mask(p):
    ck, pos, neg = p.model()
    rgba = p.add("LoadImage", image="mask_rgba.png")
    img = [p.add("LoadImage", image="input.png"), 0]
    lat = [p.add("VAEEncode", pixels=img, vae=[ck, 2]), 0]
    masked = [p.add("SetLatentNoiseMask", samples=lat, mask=[rgba, 1]), 0]
    p.save_latent(p.ksampler(ck, pos, neg, masked, steps=5, denoise=0.7))
    p.save_latent(p.ksampler(ck, pos, neg, masked, steps=4, denoise=0.8, sampler="euler_ancestral"))


def b_inpaint_model_cond(p):
    ck, pos, neg = p.model()
    rgba = p.add("LoadImage", image="mask_rgba.png")
    img = [p.add("LoadImage", image="input.png"), 0]
    imc = p.add("InpaintModelConditioning", positive=pos, negative=neg, vae=[ck, 2], pixels=img, mask=[rgba, 1],
                noise_mask=True)
    p.save_latent([imc, 2])
    p.save_latent(p.ksampler(ck, [imc, 0], [imc, 1], [imc, 2], steps=4, denoise=0.9))
    imc2 = p.add("InpaintModelConditioning", positive=pos, negative=neg, vae=[ck, 2], pixels=img, mask=[rgba, 1],
                 noise_mask=False)
    p.save_latent(p.ksampler(ck, [imc2, 0], [imc2, 1], [imc2, 2], steps=3, denoise=0.5))


def b_outpaint(p):
    ck, pos, neg = p.model()
    img = [p.add("LoadImage", image="input.png"), 0]
    pad = p.add("ImagePadForOutpaint", image=img, left=0, top=16, right=32, bottom=8, feathering=10)
    lat = [p.add("VAEEncodeForInpaint", pixels=[pad, 0], vae=[ck, 2], mask=[pad, 1], grow_mask_by=8), 0]
    p.save_latent(p.ksampler(ck, pos, neg, lat, steps=4))


def b_batch_masks(p):
    """Batches through the mask paths: two images, one mask; noise masks through RepeatLatentBatch and
    LatentFromBatch; a tiled decode of a batch."""
    ck, pos, neg = p.model()
    img = [p.add("LoadImage", image="input.png"), 0]
    odd = [p.add("LoadImage", image="odd.png"), 0]
    both = [p.add("ImageBatch", image1=img, image2=odd), 0]
    mask = [p.add("LoadImageMask", image="mask_rgba.png", channel="alpha"), 0]
    lat = [p.add("VAEEncodeForInpaint", pixels=both, vae=[ck, 2], mask=mask, grow_mask_by=4), 0]
    rep = [p.add("RepeatLatentBatch", samples=lat, amount=2), 0]
    part = [p.add("LatentFromBatch", samples=rep, batch_index=1, length=2), 0]
    out = p.ksampler(ck, pos, neg, part, steps=3)
    p.save_latent(out)
    p.save_image([p.add("VAEDecodeTiled", samples=out, vae=[ck, 2], tile_size=64, overlap=0, temporal_size=64,
                        temporal_overlap=8), 0])
    inv = [p.add("InvertMask", mask=mask), 0]
    noisy = [p.add("SetLatentNoiseMask", samples=[p.add("VAEEncode", pixels=both, vae=[ck, 2]), 0], mask=inv), 0]
    p.save_latent(p.ksampler(ck, pos, neg, [p.add("LatentFromBatch", samples=noisy, batch_index=1, length=1), 0],
                             steps=3, denoise=0.75, sampler="dpmpp_2m"))


# ------------------------------------------------------------------ C: upscale models
def c_upscale_model(p):
    img = [p.add("LoadImage", image="input.png"), 0]
    model = [p.add("UpscaleModelLoader", model_name="tiny-srvgg-x2.safetensors"), 0]
    p.save_image([p.add("ImageUpscaleWithModel", upscale_model=model, image=img), 0])
    wide = [p.add("ImageScale", image=img, upscale_method="bilinear", width=560, height=40, crop="disabled"), 0]
    p.save_image([p.add("ImageUpscaleWithModel", upscale_model=model, image=wide), 0])


def c_upscale_esrgan(p):
    img = [p.add("LoadImage", image="input.png"), 0]
    model = [p.add("UpscaleModelLoader", model_name="tiny-esrgan-x2.safetensors"), 0]
    p.save_image([p.add("ImageUpscaleWithModel", upscale_model=model, image=img), 0])


# ------------------------------------------------------------------ D: conditioning
TEXT_B = "red barn, night, stars"


def _cond(p, ck, text):
    return [p.add("CLIPTextEncode", text=text, clip=[ck, 1]), 0]


def _empty(p, batch=1):
    return [p.add("EmptyLatentImage", width=128, height=96, batch_size=batch), 0]


def d_combine_area(p):
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    area = [p.add("ConditioningSetArea", conditioning=b, width=64, height=64, x=48, y=16, strength=0.8), 0]
    comb = [p.add("ConditioningCombine", conditioning_1=pos, conditioning_2=area), 0]
    p.save_latent(p.ksampler(ck, comb, neg, _empty(p), steps=4))
    corner = [p.add("ConditioningSetArea", conditioning=b, width=64, height=64, x=0, y=0, strength=1.0), 0]
    comb2 = [p.add("ConditioningCombine", conditioning_1=corner, conditioning_2=pos), 0]
    p.save_latent(p.ksampler(ck, comb2, neg, _empty(p, 2), steps=3, sampler="dpmpp_2m", scheduler="karras"))


def d_area_percentage(p):
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    pct = [p.add("ConditioningSetAreaPercentage", conditioning=b, width=0.5, height=0.75, x=0.25, y=0.1,
                 strength=1.2), 0]
    weak = [p.add("ConditioningSetAreaStrength", conditioning=pos, strength=0.7), 0]
    comb = [p.add("ConditioningCombine", conditioning_1=weak, conditioning_2=pct), 0]
    p.save_latent(p.ksampler(ck, comb, neg, _empty(p), steps=4))
    negarea = [p.add("ConditioningSetAreaPercentage", conditioning=neg, width=0.4, height=1.0, x=0.6, y=0.0,
                     strength=1.0), 0]
    negc = [p.add("ConditioningCombine", conditioning_1=neg, conditioning_2=negarea), 0]
    p.save_latent(p.ksampler(ck, pos, negc, _empty(p), steps=3, sampler="euler_ancestral"))


def d_mask(p):
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    mask = [p.add("LoadImageMask", image="mask_rgba.png", channel="alpha"), 0]
    m1 = [p.add("ConditioningSetMask", conditioning=b, mask=mask, strength=0.9, set_cond_area="default"), 0]
    p.save_latent(p.ksampler(ck, [p.add("ConditioningCombine", conditioning_1=pos, conditioning_2=m1), 0], neg,
                             _empty(p), steps=4))
    m2 = [p.add("ConditioningSetMask", conditioning=b, mask=mask, strength=1.0, set_cond_area="mask bounds"), 0]
    p.save_latent(p.ksampler(ck, [p.add("ConditioningCombine", conditioning_1=m2, conditioning_2=pos), 0], neg,
                             _empty(p), steps=4))


def d_timestep_range(p):
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    early = [p.add("ConditioningSetTimestepRange", conditioning=pos, start=0.0, end=0.4), 0]
    late = [p.add("ConditioningSetTimestepRange", conditioning=b, start=0.4, end=1.0), 0]
    comb = [p.add("ConditioningCombine", conditioning_1=early, conditioning_2=late), 0]
    p.save_latent(p.ksampler(ck, comb, neg, _empty(p), steps=6))
    p.save_latent(p.ksampler(ck, comb, neg, _empty(p), steps=3, cfg=1.0))


def d_concat_average(p):
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    cat = [p.add("ConditioningConcat", conditioning_to=pos, conditioning_from=b), 0]
    avg = [p.add("ConditioningAverage", conditioning_to=neg, conditioning_from=b, conditioning_to_strength=0.25), 0]
    p.save_latent(p.ksampler(ck, cat, avg, _empty(p), steps=4))
    avg2 = [p.add("ConditioningAverage", conditioning_to=cat, conditioning_from=pos, conditioning_to_strength=0.6), 0]
    p.save_latent(p.ksampler(ck, avg2, neg, _empty(p), steps=3))


# ------------------------------------------------------------------ E: conditioning through other samplers/models
def e_dualcfg_inpaint(p):
    """DualCFGGuider with combined/area conditioning, SamplerCustomAdvanced on a latent with a noise mask."""
    ck, pos, neg = p.model()
    b = _cond(p, ck, TEXT_B)
    area = [p.add("ConditioningSetAreaPercentage", conditioning=b, width=0.5, height=1.0, x=0.5, y=0.0,
                  strength=1.0), 0]
    cond1 = [p.add("ConditioningCombine", conditioning_1=pos, conditioning_2=area), 0]
    guider = [p.add("DualCFGGuider", model=[ck, 0], cond1=cond1, cond2=b, negative=neg, cfg_conds=4.0,
                    cfg_cond2_negative=2.0, style="regular"), 0]
    img = [p.add("LoadImage", image="input.png"), 0]
    mask = [p.add("LoadImageMask", image="mask_rgba.png", channel="alpha"), 0]
    lat = [p.add("SetLatentNoiseMask", samples=[p.add("VAEEncode", pixels=img, vae=[ck, 2]), 0], mask=mask), 0]
    sigmas = [p.add("BasicScheduler", model=[ck, 0], scheduler="normal", steps=4, denoise=0.8), 0]
    sampler = [p.add("KSamplerSelect", sampler_name="euler"), 0]
    noise = [p.add("RandomNoise", noise_seed=SEED), 0]
    sca = p.add("SamplerCustomAdvanced", noise=noise, guider=guider, sampler=sampler, sigmas=sigmas, latent_image=lat)
    p.save_latent([sca, 0])
    p.save_latent([sca, 1])


def e_sdxl_area(p):
    """Area and timestep-range conditioning on the tiny SDXL (its ADM input batched per entry)."""
    ck = p.add("CheckpointLoaderSimple", ckpt_name="tiny-sdxl.safetensors")
    pos = _cond(p, ck, POS)
    neg = _cond(p, ck, NEG)
    b = _cond(p, ck, TEXT_B)
    area = [p.add("ConditioningSetArea", conditioning=b, width=64, height=64, x=64, y=32, strength=1.3), 0]
    late = [p.add("ConditioningSetTimestepRange", conditioning=pos, start=0.3, end=1.0), 0]
    comb = [p.add("ConditioningCombine", conditioning_1=late, conditioning_2=area), 0]
    p.save_latent(p.ksampler(ck, comb, neg, _empty(p), steps=4))


def all_cases():
    return [
        case("images", "a_image_ops", a_image_ops),
        case("images", "a_latent_batch", a_latent_batch),
        case("images", "a_vae_tiled", a_vae_tiled),
        case("masks", "b_masks", b_masks),
        case("masks", "b_inpaint_vae", b_inpaint_vae),
        case("masks", "b_inpaint_odd", b_inpaint_odd),
        case("masks", "b_set_noise_mask", b_set_noise_mask),
        case("masks", "b_inpaint_model_cond", b_inpaint_model_cond),
        case("masks", "b_outpaint", b_outpaint),
        case("masks", "b_batch_masks", b_batch_masks),
        case("upscale", "c_upscale_model", c_upscale_model),
        case("upscale", "c_upscale_esrgan", c_upscale_esrgan),
        case("conditioning", "d_combine_area", d_combine_area),
        case("conditioning", "d_area_percentage", d_area_percentage),
        case("conditioning", "d_mask", d_mask),
        case("conditioning", "d_timestep_range", d_timestep_range),
        case("conditioning", "d_concat_average", d_concat_average),
        case("conditioning", "e_dualcfg_inpaint", e_dualcfg_inpaint),
        case("conditioning", "e_sdxl_area", e_sdxl_area),
    ]
