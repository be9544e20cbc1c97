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
        case("upscale", "c_upscale_model", c_upscale_model),
        case("upscale", "c_upscale_esrgan", c_upscale_esrgan),
    ]
