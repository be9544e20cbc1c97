"""The image/latent/mask/inpaint/upscale/conditioning nodes declare exactly what ComfyUI v0.3.64's /object_info says."""

from __future__ import annotations

import json

import pytest

from graphrun.nodes.base import default_registry

NODES = """ImageScaleBy ImageScaleToTotalPixels GetImageSize LatentUpscaleBy RepeatLatentBatch LatentFromBatch ImageBatch
EmptyImage VAEDecodeTiled VAEEncodeTiled PreviewAny LoadImageMask ImageToMask MaskToImage InvertMask ImageInvert
VAEEncodeForInpaint SetLatentNoiseMask InpaintModelConditioning ImagePadForOutpaint ImageCompositeMasked UpscaleModelLoader ImageUpscaleWithModel
ConditioningCombine ConditioningConcat ConditioningAverage ConditioningSetArea ConditioningSetAreaPercentage
ConditioningSetAreaStrength ConditioningSetMask ConditioningSetTimestepRange""".split()
FIELDS = ("input", "input_order", "output", "output_name", "output_is_list", "display_name", "category",
          "description", "output_node")


@pytest.fixture(scope="module")
def object_info(object_info_path):
    return json.loads(object_info_path.read_text())


@pytest.mark.parametrize("name", NODES)
def test_declaration_equals_object_info(object_info, name):
    node_type = default_registry().get(name)
    assert node_type is not None, f"{name} is not registered"
    ours = node_type.definition().model_dump()
    ref = object_info[name]
    for field in FIELDS:
        if field == "input" and name in ("LoadImageMask", "UpscaleModelLoader"):  # file lists depend on the folder
            continue
        assert ours[field] == ref[field], f"{name}.{field}: {ours[field]!r} != {ref[field]!r}"
