"""ComfyUI v0.3.64 model-sampling tables for tests/families/test_model_sampling.py: ModelSamplingFlux (shift 1.15,
0.5), ModelSamplingDiscreteFlow (shift 3, multiplier 1000), ModelSamplingDiscrete with zsnr, and the
ModelSamplingDiscreteDistilled (LCM) table; with percent_to_sigma and the k-diffusion half-log-SNR helpers.

    ORACLE_WORK=/tmp/ow-families COMFY_ROOT=/tmp/ow/ComfyUI /tmp/ow/venv/bin/python \
        tools/oracle/families_model_sampling.py tests/fixtures/families/model_sampling.safetensors
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "shared")
sys.path.insert(0, os.path.join(SHARED, "oracle"))
import comfy_env  # noqa: F401,E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
import comfy.model_sampling as ms  # noqa: E402
from comfy.k_diffusion import sampling as ks  # noqa: E402
from comfy_extras.nodes_model_advanced import ModelSamplingDiscreteDistilled, LCM  # noqa: E402


class Cfg:
    def __init__(self, **s):
        self.sampling_settings = s


def main(out):
    t = {}
    probe = torch.tensor([0.999, 0.7, 0.3, 0.02])
    for name, obj in (("flux115", type("F", (ms.ModelSamplingFlux, ms.CONST), {})(Cfg(shift=1.15))),
                      ("flux05", type("F", (ms.ModelSamplingFlux, ms.CONST), {})(Cfg(shift=0.5))),
                      ("sd3s3", type("D", (ms.ModelSamplingDiscreteFlow, ms.CONST), {})(Cfg(shift=3.0, multiplier=1000))),
                      ("zsnr", type("Z", (ms.ModelSamplingDiscrete, ms.V_PREDICTION), {})(Cfg(zsnr=True))),
                      ("lcm", type("L", (ModelSamplingDiscreteDistilled, LCM), {})(None))):
        t[name + ".sigmas"] = obj.sigmas.float().contiguous()
        t[name + ".percent"] = torch.tensor([float(obj.percent_to_sigma(p)) for p in (0.0, 0.2, 0.5, 0.8, 1.0)])
        t[name + ".timestep"] = obj.timestep(probe * float(obj.sigma_max)).float().contiguous()
        t[name + ".lambda"] = ks.sigma_to_half_log_snr(probe * float(obj.sigma_max) * 0.999, obj).float().contiguous()
        t[name + ".offset"] = ks.offset_first_sigma_for_snr(torch.tensor([1.0, 0.5, 0.0]), obj).float().contiguous()
    save_file(t, out)
    print("wrote", out, len(t))


if __name__ == "__main__":
    main(sys.argv[1])
