"""Deterministic input images for the node parity cases (tests/fixtures/nodes/input/), pure numpy + Pillow:

  mask_rgba.png   96x64 RGBA: an RGB gradient with a soft-edged elliptical hole in the alpha channel
                  (alpha 0 inside, ramping to 255 over 6 px) plus a hard transparent square.
  odd.png         100x70 RGB: a size that is not a multiple of 8 (exercises the crop paths).
  input.png       copy of ../shared/parity/input/input.png (the tests read one input folder).

    python tools/oracle/make_nodes_inputs.py [--out-dir tests/fixtures/nodes/input] [--parity-input DIR]
"""
import argparse
import os
import shutil

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def mask_rgba():
    w, h = 96, 64
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    rgb = np.stack([0.2 + 0.6 * x / (w - 1), 0.8 - 0.6 * y / (h - 1), 0.5 + 0.3 * np.cos(x / 9.0)], axis=-1)
    d = np.sqrt(((x - 58) / 22.0) ** 2 + ((y - 34) / 16.0) ** 2)  # ellipse centred (58, 34)
    alpha = np.clip((d - 1.0) * 22.0 / 6.0, 0.0, 1.0)  # 0 inside, ramp over ~6 px outside
    alpha[(x >= 8) & (x < 24) & (y >= 40) & (y < 56)] = 0.0
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    return Image.fromarray(np.clip(np.round(rgba * 255.0), 0, 255).astype(np.uint8), "RGBA")


def odd():
    w, h = 100, 70
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    rgb = np.stack([0.5 + 0.4 * np.sin(x / 7.0), 0.3 + 0.5 * y / (h - 1), 0.6 - 0.4 * x / (w - 1)], axis=-1)
    rgb[(x - 30) ** 2 + (y - 40) ** 2 <= 15 ** 2] = [0.9, 0.2, 0.2]
    return Image.fromarray(np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8), "RGB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=os.path.join(REPO, "tests", "fixtures", "nodes", "input"))
    ap.add_argument("--parity-input", default=os.path.join(os.path.dirname(REPO), "shared", "parity", "input"))
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    mask_rgba().save(os.path.join(a.out_dir, "mask_rgba.png"))
    odd().save(os.path.join(a.out_dir, "odd.png"))
    shutil.copyfile(os.path.join(a.parity_input, "input.png"), os.path.join(a.out_dir, "input.png"))
    print("wrote mask_rgba.png, odd.png, input.png to", a.out_dir)


if __name__ == "__main__":
    main()
