"""Key names and shapes of the tiny Flux files, from ComfyUI v0.3.64's own modules (run with the oracle venv).

    COMFY_ROOT=/tmp/ow/ComfyUI ORACLE_WORK=/tmp/ow-flux /tmp/ow/venv/bin/python tools/oracle/make_tiny_flux.py [--write]

Instantiates comfy.ldm.flux.model.Flux (guidance_embed True = dev, False = schnell), comfy.clip_model.CLIPTextModel,
comfy.text_encoders.t5.T5 and the AE's Encoder/Decoder (the AutoencodingEngine layout of ae.safetensors: no
quant_conv) with the sizes in tests/fixtures/flux/tiny-flux.config.json, and compares their state-dict keys/shapes
with tests/fixtures/flux/*.keys.txt (--write rewrites them).  The layouts are those of the files users have:
BFL keys for the DiT, HF `text_model.*` (+ text_projection.weight) for CLIP-L, HF T5 encoder keys (`shared.weight`,
`encoder.block.N...`) for T5-XXL, `encoder.*`/`decoder.*` for the AE.  Then writes the weight files
(tests/fixtures/flux/tiny_flux.py) into $ORACLE_WORK/models and prints their content sha256.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED_ORACLE = os.environ.get("SHARED_ORACLE", os.path.join(os.path.dirname(REPO), "shared", "oracle"))
sys.path.insert(0, SHARED_ORACLE)
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "flux"))
import comfy_env  # noqa: E402,F401
import oracle_paths  # noqa: E402
import torch  # noqa: E402
import comfy.ops  # noqa: E402
import comfy.clip_model  # noqa: E402
import comfy.text_encoders.t5  # noqa: E402
from comfy.ldm.flux.model import Flux  # noqa: E402
from comfy.ldm.modules.diffusionmodules.model import Encoder, Decoder  # noqa: E402
import tiny_flux  # noqa: E402

FIX = os.path.join(REPO, "tests", "fixtures", "flux")


def shapes_from(module, prefix=""):
    return {prefix + k: tuple(v.shape) for k, v in module.state_dict().items()}


def comfy_shapes(cfg):
    ops = comfy.ops.disable_weight_init
    out = {}
    for name, guid in (("tiny-flux-dev.keys.txt", True), ("tiny-flux-schnell.keys.txt", False)):
        m = Flux(image_model="flux", operations=ops, guidance_embed=guid, **cfg["dit_config"])
        out[name] = shapes_from(m)
    clip = comfy.clip_model.CLIPTextModel(cfg["clip_l_config"], torch.float32, "cpu", comfy.ops.manual_cast)
    s = shapes_from(clip)
    out["tiny-clip-l.keys.txt"] = {k: v for k, v in s.items()}
    t5 = comfy.text_encoders.t5.T5(cfg["t5_config"], torch.float32, "cpu", comfy.ops.manual_cast)
    out["tiny-t5xxl.keys.txt"] = shapes_from(t5)
    dd = cfg["vae_ddconfig"]
    ae = {}
    ae.update(shapes_from(Encoder(**dd), "encoder."))
    ae.update(shapes_from(Decoder(**dd), "decoder."))
    out["tiny-flux-ae.keys.txt"] = ae
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    with open(os.path.join(FIX, "tiny-flux.config.json")) as fh:
        cfg = json.load(fh)
    bad = False
    for name, shapes in comfy_shapes(cfg).items():
        path = os.path.join(FIX, name)
        if a.write:
            with open(path, "w") as fh:
                for k in sorted(shapes):
                    fh.write("%s\t%s\n" % (k, json.dumps(list(shapes[k]))))
        got = tiny_flux.read_keys(name)
        same = got == shapes
        bad |= not same
        print("%-28s %4d tensors  %10d params  matches ComfyUI: %s" % (
            name, len(shapes), sum(int(torch.tensor(s).prod()) for s in shapes.values()), same))
    paths = tiny_flux.write_all(oracle_paths.MODELS_DIR, check=False)
    for f in tiny_flux.FILES:
        sd = tiny_flux.build_state_dict(f)
        print('    "%s": "%s",' % (f, tiny_flux.content_sha256(sd)), os.path.getsize(paths[f]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
