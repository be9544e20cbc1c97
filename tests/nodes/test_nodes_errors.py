"""Bad masks, missing channels and unsafe upscale-model files fail with clear errors (node, input, value)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from graphrun.backend.upscale_models import load_upscale_model, upscale_image
from graphrun.cli.main import main
from graphrun.errors import ModelError, NodeInputError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nodes"


def _run(tmp_path, prompt, capsys):
    wf = tmp_path / "wf.json"
    wf.write_text(json.dumps(prompt))
    rc = main(["run", str(wf), "--models-dir", str(tmp_path / "models"), "--input-dir", str(FIXTURES / "input"),
               "--output-dir", str(tmp_path / "out"), "--device", "cpu", "-q"])
    return rc, capsys.readouterr().err


def test_alpha_channel_of_rgb_image_is_a_clear_error(tmp_path, capsys):
    prompt = {"1": {"class_type": "LoadImage", "inputs": {"image": "input.png"}},
              "2": {"class_type": "ImageToMask", "inputs": {"image": ["1", 0], "channel": "alpha"}},
              "3": {"class_type": "MaskToImage", "inputs": {"mask": ["2", 0]}},
              "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "x"}}}
    rc, err = _run(tmp_path, prompt, capsys)
    assert rc == 1
    assert "node 2 (ImageToMask), input 'channel'" in err and "(received 'alpha')" in err, err
    assert "3 channels" in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.png"))


def test_image_given_as_mask_is_a_clear_error(tmp_path, capsys):
    from graphrun.nodes.mask_to_image import MaskToImage

    with pytest.raises(NodeInputError) as exc:
        MaskToImage().run(None, mask=torch.zeros(1, 8, 8, 3))
    assert exc.value.input_name == "mask" and "[1, 8, 8, 3]" in exc.value.message and "ImageToMask" in \
        exc.value.message


@pytest.mark.parametrize("bad,needle", [(torch.zeros(3, 8, 8), "3 masks"), (torch.zeros(1, 0, 8), "empty"),
                                        (torch.full((1, 8, 8), float("nan")), "NaN")])
def test_bad_noise_masks_are_refused(bad, needle):
    from graphrun.nodes.set_latent_noise_mask import SetLatentNoiseMask
    from graphrun.values import Latent

    with pytest.raises(NodeInputError) as exc:
        SetLatentNoiseMask().run(None, samples=Latent(torch.zeros(2, 4, 8, 8)), mask=bad)
    assert exc.value.input_name == "mask" and needle in exc.value.message


def test_mask_batch_mismatch_in_inpaint_encode_names_the_input():
    from graphrun.nodes.vae_encode_for_inpaint import VAEEncodeForInpaint

    with pytest.raises(NodeInputError) as exc:
        VAEEncodeForInpaint().run(None, pixels=torch.zeros(2, 16, 16, 3), vae=None, mask=torch.zeros(3, 16, 16))
    assert exc.value.input_name == "mask" and exc.value.value == 3


class _Marker:
    """Unpickling this would create a file; weights_only loading must refuse before that happens."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def _tiny_srvgg():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_tiny_upscale_models", Path(__file__).resolve().parents[2] / "tools" / "oracle" /
        "make_tiny_upscale_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.models()["tiny-srvgg-x2.safetensors"]


def test_unsafe_pth_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    with open(path, "wb") as fh:
        pickle.dump({"params": _Marker(marker)}, fh)
    with pytest.raises(ModelError, match="refused to load"):
        load_upscale_model(path)
    assert not marker.exists()


def test_safe_pth_loads_like_safetensors(tmp_path):
    sd = _tiny_srvgg()
    torch.save(sd, tmp_path / "m.pth")
    save_file(sd, str(tmp_path / "m.safetensors"))
    image = torch.rand(1, 20, 24, 3, generator=torch.Generator().manual_seed(0))
    a = upscale_image(load_upscale_model(tmp_path / "m.pth"), image)
    b = upscale_image(load_upscale_model(tmp_path / "m.safetensors"), image)
    assert a.shape == (1, 40, 48, 3) and torch.equal(a, b)


def test_unknown_architecture_is_a_model_error(tmp_path):
    save_file({"foo.weight": torch.zeros(2, 2)}, str(tmp_path / "x.safetensors"))
    with pytest.raises(ModelError, match="does not recognise"):
        load_upscale_model(tmp_path / "x.safetensors")
    assert load_file(str(tmp_path / "x.safetensors"))  # the file itself is fine
