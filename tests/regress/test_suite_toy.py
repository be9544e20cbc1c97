"""The whole `graphrun test` cycle on model-free toy nodes: missing, record, pass, regressions, errors, reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graphrun.regress.golden import golden_dir
from graphrun.regress.runner import Job, Options, run_jobs
from graphrun.regress.suite import build_jobs, run_suite
from graphrun.settings import Settings
from tests.regress.toy import toy_prompt, toy_registry, write_prompt


def _run(paths, tmp_path, *, update=False, report=None, junit=None, workers=1):
    settings = Settings(input_dir=tmp_path / "in", output_dir=tmp_path / "unused", device="cpu")
    jobs = build_jobs(paths)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    opts = Options(settings=settings, update=update, work_dir=work, artifacts=report is not None,
                   registry=toy_registry())
    outs = run_jobs(jobs, opts, workers=workers)
    if report is not None:
        from graphrun.regress.report_html import write_html

        write_html(outs, report)
    if junit is not None:
        from graphrun.regress.junit import write_junit

        write_junit(outs, junit, root=tmp_path)
    return {o.path.name: o for o in outs}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "wf"
    write_prompt(d / "a.json", toy_prompt())
    write_prompt(d / "b.json", toy_prompt(text="a windmill", seed=5))
    return d


def test_missing_golden_is_reported_never_created(folder, tmp_path):
    outs = _run([folder], tmp_path)
    assert {o.status for o in outs.values()} == {"missing"}
    assert "--update" in outs["a.json"].message
    assert not golden_dir(folder / "a.json").exists()


def test_update_records_then_unchanged_folder_passes(folder, tmp_path):
    outs = _run([folder], tmp_path, update=True)
    assert {o.status for o in outs.values()} == {"recorded"}
    g = golden_dir(folder / "a.json")
    manifest = json.loads((g / "manifest.json").read_text())
    assert [n["id"] for n in manifest["nodes"]] == ["1", "2", "3", "4", "5"]
    assert manifest["environment"]["device"] == "cpu" and manifest["environment"]["torch"]
    assert (g / "tensors.safetensors").is_file() and (g / "images" / "4.0.0.png").is_file()
    outs = _run([folder], tmp_path)
    assert {o.status for o in outs.values()} == {"pass"}
    assert outs["a.json"].comparison.tolerance.mode == "exact"


def _edit(path: Path, node: str, name: str, value) -> None:
    data = json.loads(path.read_text())
    data[node]["inputs"][name] = value
    path.write_text(json.dumps(data))


def test_cfg_change_fails_that_workflow_at_the_sampler(folder, tmp_path):
    _run([folder], tmp_path, update=True)
    _edit(folder / "a.json", "3", "cfg", 7.0)
    outs = _run([folder], tmp_path)
    assert outs["b.json"].status == "pass"
    a = outs["a.json"]
    assert a.status == "fail"
    first = a.comparison.first
    assert (first.node_id, first.class_type) == ("3", "ToySample")
    assert first.changed_inputs == (("cfg", 8.0, 7.0),)
    assert "max-abs" in a.message and "node 3 (ToySample)" in a.message
    statuses = {d.node_id: d.status for d in a.comparison.nodes}
    assert statuses == {"1": "same", "2": "same", "3": "diverged", "4": "diverged", "5": "same"}
    assert "the workflow file changed since the golden was recorded" in a.comparison.context


def test_prompt_change_names_the_encoder_and_update_heals(folder, tmp_path):
    _run([folder], tmp_path, update=True)
    _edit(folder / "b.json", "2", "text", "a windmill at night")
    outs = _run([folder], tmp_path)
    assert outs["b.json"].comparison.first.class_type == "ToyEncode"
    assert "'Positive prompt'" in outs["b.json"].message
    assert _run([folder], tmp_path, update=True)["b.json"].status == "updated"
    assert {o.status for o in _run([folder], tmp_path).values()} == {"pass"}


def test_broken_workflow_is_an_error_distinct_from_missing(folder, tmp_path):
    (folder / "broken.json").write_text("{ not json")
    _edit(folder / "b.json", "3", "sampler", 1)  # undeclared input: ignored, still runs
    write_prompt(folder / "c.json", {**toy_prompt(), "3": {"class_type": "ToySample", "inputs": {"cfg": 1.0}}})
    outs = _run([folder], tmp_path)
    assert outs["broken.json"].status == "error" and outs["broken.json"].error_type == "WorkflowError"
    assert outs["c.json"].status == "error" and "positive" in " ".join(outs["c.json"].details)
    assert outs["a.json"].status == "missing"


def test_tolerance_from_folder_config(folder, tmp_path):
    _run([folder], tmp_path, update=True)
    (folder / "graphrun-test.toml").write_text('[workflow."a.json"]\ntolerance = { latent_rel_l2 = 0.5, image_psnr = 10 }\n')
    _edit(folder / "a.json", "3", "cfg", 8.05)
    outs = _run([folder], tmp_path)
    assert outs["a.json"].status == "pass"
    assert [d.status for d in outs["a.json"].comparison.nodes][2] == "within"
    (folder / "graphrun-test.toml").write_text('[workflow."a.json"]\ntolerance = { bogus = 1 }\n')
    outs = _run([folder], tmp_path)
    assert outs["a.json"].status == "error" and "bogus" in outs["a.json"].message


def test_overrides_from_config_apply(folder, tmp_path):
    (folder / "graphrun-test.toml").write_text('[defaults]\nset = ["3.size=2"]\n')
    _run([folder], tmp_path, update=True)
    manifest = json.loads((golden_dir(folder / "a.json") / "manifest.json").read_text())
    assert manifest["settings"]["overrides"] == ["3.size=2"]
    assert manifest["nodes"][2]["outputs"][0]["shape"] == [1, 4, 2, 2]


def test_reports(folder, tmp_path):
    _run([folder], tmp_path, update=True)
    _edit(folder / "a.json", "3", "cfg", 7.0)
    (folder / "broken.json").write_text("[]")
    outs = _run([folder], tmp_path, report=tmp_path / "r" / "report.html", junit=tmp_path / "junit.xml")
    a = outs["a.json"]
    assert [bool(p) for s in a.images for p in (s.expected, s.actual, s.diff)] == [True, True, True]
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 * 2  # a (fail) and b (pass)
    assert 'First divergent node' in html and "node 3 (ToySample)" in html
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    case = {c.get("name"): c for c in suite.iter("testcase")}
    assert case["a.json"].find("failure").get("type") == "regression"
    assert case["broken.json"].find("error") is not None


def test_name_collision_and_explicit_files(tmp_path):
    d = tmp_path / "wf"
    write_prompt(d / "x.json", toy_prompt())
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("prompt", json.dumps(toy_prompt()))
    Image.new("RGB", (4, 4)).save(d / "x.png", pnginfo=info)  # a workflow PNG
    Image.new("RGB", (4, 4)).save(d / "plain.png")  # an input image: not a workflow, skipped
    jobs = build_jobs([d])
    assert [j.path.name for j in jobs] == ["x.json", "x.png"]
    assert jobs[1].problem and "also used by" in jobs[1].problem
    assert [j.path.name for j in build_jobs([d / "x.json"])] == ["x.json"]


def test_parallel_workers_match_serial(folder, tmp_path):
    write_prompt(folder / "c.json", toy_prompt(cfg=3.0))
    (folder / "broken.json").write_text("{")
    _run([folder], tmp_path, update=True)
    _edit(folder / "c.json", "3", "cfg", 2.0)
    outs = _run([folder], tmp_path, workers=2)
    assert {k: o.status for k, o in outs.items()} == {"a.json": "pass", "b.json": "pass", "c.json": "fail",
                                                      "broken.json": "error"}
    assert outs["c.json"].comparison.first.node_id == "3"
    loads = sorted(secs for o in outs.values() for _, cls, secs in o.nodes if cls == "ToyLoader")
    assert len(loads) == 3 and loads[0] < 0.05 and loads[-1] >= 0.2  # 2 processes, 3 runs: one reused its load


def test_partition_keeps_a_checkpoint_on_one_worker():
    from graphrun.regress.discover import partition

    keys = [("b.safetensors",), ("a.safetensors",), ("b.safetensors",), ("a.safetensors",)]
    buckets = partition(["w0", "w1", "w2", "w3"], keys, 2)
    assert buckets == [["w1", "w3"], ["w0", "w2"]]
    assert partition(["w0"], [()], 4) == [["w0"]]


def test_damaged_golden_is_an_error_until_update(folder, tmp_path):
    _run([folder], tmp_path, update=True)
    (golden_dir(folder / "a.json") / "manifest.json").write_text("{")
    out = _run([folder], tmp_path)["a.json"]
    assert out.status == "error" and out.error_type == "GoldenError" and "manifest.json" in out.message
    assert _run([folder], tmp_path, update=True)["a.json"].status == "updated"
    assert _run([folder], tmp_path)["a.json"].status == "pass"
