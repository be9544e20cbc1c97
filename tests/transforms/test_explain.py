from __future__ import annotations

import json

from graphrun.transforms import explain_workflow
from graphrun.transforms.explain import model_evaluations


def load(parity_dir, name):
    return json.loads((parity_dir / "cases" / f"{name}.api.json").read_text())


def test_explain_ksampler_matches_recorded_run(parity_dir):
    name = "a_img2img_euler_normal_s20_d0.80"
    (e,) = explain_workflow(load(parity_dir, name))
    recorded = json.loads((parity_dir / "cases" / f"{name}.json").read_text())
    assert list(e.schedule.sigmas) == recorded["sigmas_used"]
    assert e.model_evaluations == len(recorded["unet_calls"]) == 20
    assert "x sigma0 = 4.90377" in e.initial_noise
    text = e.render()
    assert "sigmas (20 steps): [4.90377" in text
    assert "KSamplerAdvanced(steps=25, add_noise='enable', start_at_step=5" in text and "(exact)" in text


def test_explain_full_denoise_and_skips(parity_dir):
    (full,) = explain_workflow(load(parity_dir, "a_img2img_euler_normal_s20_d1.00"))
    assert "sqrt(1 + sigma0^2) = 14.6488" in full.initial_noise
    (skip,) = explain_workflow(load(parity_dir, "b_adv_euler_normal_s20_start20"))
    assert skip.schedule.sigmas is None and skip.model_evaluations == 0
    assert "returned unchanged" in skip.initial_noise and "denoise=0.0" in skip.render()
    (nonoise,) = explain_workflow(load(parity_dir, "b_adv_euler_normal_s20_start04_addnoise_disable"))
    assert nonoise.initial_noise.startswith("none (add_noise disable)")
    assert "none exact; closest KSampler" in nonoise.render() and "why not: add_noise" in nonoise.render()
    assert nonoise.to_json()["equivalent"]["exact"] is False


def test_model_evaluations_match_recorded_unet_calls(parity_dir):
    for path in sorted((parity_dir / "cases").glob("[dn]_sampler_*.json")):
        if path.name.endswith(".api.json"):
            continue
        rec = json.loads(path.read_text())
        sampler = rec["settings"]["sampler_name"] if "sampler_name" in rec.get("settings", {}) else None
        if sampler is None or sampler == "dpm_adaptive":
            continue
        assert model_evaluations(sampler, tuple(rec["sigmas_used"])) == len(rec["unet_calls"]), path.name


def test_explain_ui_workflow_with_linked_seed():
    from tests.transforms.test_convert import ui_workflow

    (e,) = explain_workflow(ui_workflow())
    assert e.node_id == "3" and e.title == "My sampler" and e.schedule.steps == 20
    assert "(seed 42)" in e.initial_noise  # the saved widget value of the linked seed
    assert e.equivalent.exact and e.equivalent.target.start_at_step == 13
    api = {"1": {"class_type": "KSampler", "inputs": {"seed": ["9", 0], "steps": 4, "cfg": 8,
                                                        "sampler_name": "heun", "scheduler": "normal",
                                                        "denoise": 1.0}}}
    (e,) = explain_workflow(api)
    assert "(seed from node 9)" in e.initial_noise and e.model_evaluations == 7
