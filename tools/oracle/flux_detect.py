"""Config detection for the tiny Flux files (tests/fixtures/flux), for ComfyUI v0.3.64's real loaders.

install() patches ONLY what ComfyUI hard-codes for full-size Flux, from outside (no ComfyUI file is changed):

  1. DiT config: comfy.model_detection.detect_unet_config is wrapped.  ComfyUI detects Flux from the keys
     (double_blocks.0.img_attn.norm.key_norm.scale + img_in.weight), reads in_channels / vec_in_dim / depth /
     depth_single_blocks / guidance_embed from the state dict and hard-codes hidden_size 3072, num_heads 24,
     context_in_dim 4096, axes_dim [16, 56, 56].  For a Flux DiT whose img_in has the tiny width those four
     constants are replaced by the tiny ones; model_config_from_unet_config then matches supported_models.Flux /
     FluxSchnell as for the real files (guidance_embed decides), so model_base.Flux, ModelSamplingFlux / FLOW,
     latent_formats.Flux are ComfyUI's own.
  2. Text encoders: comfy.text_encoders.flux.FluxClipModel.__init__ builds clip_l from sd1_clip_config.json and
     T5XXLModel from t5_config_xxl.json.  The replacement builds exactly the same two SDClipModel objects (clip_l:
     defaults, return_projected_pooled False; t5xxl: T5XXLModel's arguments: layer last, special tokens end 1 /
     pad 0, model_class comfy.text_encoders.t5.T5, attention masks off, model_name t5xxl) from the tiny configs.
     DualCLIPLoader's type=flux selection, FluxTokenizer (CLIP-L + T5 with min_length 256) and the encoders' code
     are ComfyUI's own.
  3. AE config: comfy.sd.VAE picks, for a 16-channel VAE without post_quant_conv (Flux's ae.safetensors), an
     AutoencodingEngine(Encoder/Decoder, DiagonalGaussianRegularizer) with a hard-coded ddconfig (ch 128, ch_mult
     [1,2,4,4], 2 res blocks).  While a VAE whose encoder.conv_in has the tiny width is being built, the
     AutoencodingEngine that comfy.sd calls gets the tiny ch / ch_mult / num_res_blocks instead; everything else
     (the class, the regularizer, z_channels from the state dict, process_input/output) is ComfyUI's.
"""
import copy
import json
import logging
import os

import comfy.model_detection
import comfy.model_management
import comfy.sd
import comfy.sd1_clip
import comfy.text_encoders.flux
import comfy.text_encoders.t5

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "fixtures", "flux", "tiny-flux.config.json")
_installed = False


def load_config():
    with open(CONFIG) as fh:
        return json.load(fh)


def install():
    global _installed
    if _installed:
        return
    cfg = load_config()
    dit = cfg["dit_config"]
    real_detect = comfy.model_detection.detect_unet_config

    def detect_unet_config(state_dict, key_prefix, metadata=None):                      # patch 1
        out = real_detect(state_dict, key_prefix, metadata=metadata)
        k = "{}img_in.weight".format(key_prefix)
        if out is not None and out.get("image_model") == "flux" and k in state_dict \
                and state_dict[k].shape[0] == dit["hidden_size"]:
            for name in ("hidden_size", "num_heads", "context_in_dim", "axes_dim", "mlp_ratio"):
                out[name] = copy.deepcopy(dit[name])
            logging.info("flux_detect: tiny Flux DiT config used")
        return out

    comfy.model_detection.detect_unet_config = detect_unet_config

    clip_l_cfg, t5_cfg = cfg["clip_l_config"], cfg["t5_config"]

    def flux_clip_init(self, dtype_t5=None, device="cpu", dtype=None, model_options={}):  # patch 2
        torch_module_init = super(comfy.text_encoders.flux.FluxClipModel, self).__init__
        torch_module_init()
        dtype_t5 = comfy.model_management.pick_weight_dtype(dtype_t5, dtype, device)
        self.clip_l = comfy.sd1_clip.SDClipModel(device=device, dtype=dtype, return_projected_pooled=False,
                                                 model_options=model_options,
                                                 textmodel_json_config=copy.deepcopy(clip_l_cfg))
        t5_opts = {**model_options, "model_name": "t5xxl"}
        self.t5xxl = comfy.sd1_clip.SDClipModel(device=device, layer="last", layer_idx=None,
                                                textmodel_json_config=copy.deepcopy(t5_cfg), dtype=dtype_t5,
                                                special_tokens={"end": 1, "pad": 0},
                                                model_class=comfy.text_encoders.t5.T5, enable_attention_masks=False,
                                                return_attention_masks=False, model_options=t5_opts)
        self.dtypes = set([dtype, dtype_t5])

    comfy.text_encoders.flux.FluxClipModel.__init__ = flux_clip_init

    vae_dd = cfg["vae_ddconfig"]
    state = {"tiny": False}
    real_vae_init = comfy.sd.VAE.__init__
    real_engine = comfy.sd.AutoencodingEngine

    def vae_init(self, sd=None, device=None, config=None, dtype=None, metadata=None):     # patch 3
        tiny = config is None and sd is not None and "encoder.conv_in.weight" in sd \
            and sd["encoder.conv_in.weight"].shape[0] == vae_dd["ch"] and "post_quant_conv.weight" not in sd \
            and "decoder.conv_in.weight" in sd and sd["decoder.conv_in.weight"].shape[1] == vae_dd["z_channels"]
        state["tiny"] = tiny
        try:
            return real_vae_init(self, sd=sd, device=device, config=config, dtype=dtype, metadata=metadata)
        finally:
            state["tiny"] = False

    def engine(*a, **kw):
        if state["tiny"]:
            for part in ("encoder_config", "decoder_config"):
                params = kw[part]["params"]
                for name in ("ch", "ch_mult", "num_res_blocks"):
                    params[name] = copy.deepcopy(vae_dd[name])
            logging.info("flux_detect: tiny Flux AE ddconfig used")
        return real_engine(*a, **kw)

    comfy.sd.VAE.__init__ = vae_init
    comfy.sd.AutoencodingEngine = engine
    _installed = True
