"""`graphrun test` on a real local Ray cluster (2 worker actors): same reports as a local run, inputs shipped
by content (no shared disk), a worker killed mid-task, deterministic errors, Ctrl-C, and the CLI."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from graphrun.distributed.cluster import RayOptions
from graphrun.regress.config import WorkflowConfig
from graphrun.regress.runner import Job, Options, _slug, capture_job, run_jobs
from graphrun.runtime.context import ModelStore
from graphrun.regress.suite import build_jobs
from graphrun.settings import Settings
from tests.distributed.conftest import ROOT
from tests.distributed.nodes import ray_registry
from tests.regress.toy import toy_prompt, write_prompt

TWO = RayOptions(workers=2)
POOL = None  # set once the cluster is up: warm workers shared by these tests (actor start-up is seconds)


@pytest.fixture(autouse=True)
def _pool(ray_cluster):
    global POOL
    from graphrun.distributed.dispatch import WorkerPool

    if POOL is None:
        POOL = WorkerPool()
    yield


def _image_prompt(width: int = 12, kill: str | None = None) -> dict:
    p = {"1": {"class_type": "LoadImage", "inputs": {"image": "pics/example.png"}},
         "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear",
                                                      "width": width, "height": 12, "crop": "disabled"}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "img"}}}
    if kill is not None:
        p["4"] = {"class_type": "KillWorker", "inputs": {"image": ["2", 0], "marker": kill}}
        p["3"]["inputs"]["images"] = ["4", 0]
    return p


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    d = tmp_path / "wf"
    (d / "in" / "pics").mkdir(parents=True)
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((16, 16)).save(d / "in" / "pics" / "example.png")
    (d / "graphrun-test.toml").write_text('[defaults]\ninput_dir = "in"\n')
    for name, text, seed, model in (("a", "a lighthouse", 3, "toy-v1"), ("b", "a windmill", 5, "toy-v1"),
                                    ("c", "a harbour", 9, "toy-v2")):  # two model groups
        p = toy_prompt(text=text, seed=seed)
        p["1"]["inputs"]["name"] = model + ".safetensors"
        write_prompt(d / f"{name}.json", p)
    write_prompt(d / "img.json", _image_prompt())
    return d


def _opts(tmp_path: Path, name: str, *, update=False, artifacts=False) -> Options:
    work = tmp_path / name
    work.mkdir()
    return Options(settings=Settings(input_dir=tmp_path / "nowhere", output_dir=tmp_path / "unused", device="cpu"),
                   update=update, work_dir=work, artifacts=artifacts, registry=ray_registry())


def _reports(outs, tmp_path: Path, name: str) -> tuple[str, str]:
    from graphrun.regress.junit import render_junit
    from graphrun.regress.report_html import render_html

    html = re.sub(r"\d+\.\d+s\b", "<t>", render_html(outs))
    junit = re.sub(r'time="[^"]*"', "", re.sub(r": \d+\.\d+s", ": <t>", render_junit(outs, root=tmp_path)))
    return html, junit


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _timeless(manifest: dict) -> dict:
    return {**manifest, "nodes": [{k: v for k, v in n.items() if k != "seconds"} for n in manifest["nodes"]]}


def _ray(jobs, opts, ray_opts=TWO, **kw):
    from graphrun.distributed.regress import run_jobs_ray

    stats: list = []
    outs = run_jobs_ray(jobs, opts, ray_opts, stats_out=stats, pool=POOL, **kw)
    return outs, (stats[0] if stats else None)


def test_same_reports_and_files_as_local(ray_cluster, suite: Path, tmp_path: Path):
    run_jobs(build_jobs([suite]), _opts(tmp_path, "record", update=True))  # goldens, recorded locally
    data = json.loads((suite / "b.json").read_text())
    data["3"]["inputs"]["cfg"] = 7.0  # a regression
    (suite / "b.json").write_text(json.dumps(data))
    write_prompt(suite / "d.json", toy_prompt(text="no golden yet"))  # a missing golden
    (suite / "broken.json").write_text('{"1": {"class_type": "NoSuchNode", "inputs": {}}}')  # a deterministic error

    jobs = build_jobs([suite])
    local = run_jobs(jobs, _opts(tmp_path, "local", artifacts=True))
    remote, stats = _ray(jobs, _opts(tmp_path, "ray", artifacts=True))
    statuses = {o.path.name: o.status for o in remote}
    assert statuses == {"a.json": "pass", "b.json": "fail", "c.json": "pass", "d.json": "missing",
                        "img.json": "pass", "broken.json": "error"}
    assert [o.status for o in local] == [o.status for o in remote]
    assert remote[[o.path.name for o in remote].index("b.json")].comparison.first.node_id == "3"
    assert _reports(local, tmp_path, "local") == _reports(remote, tmp_path, "ray")
    # every file: run outputs (SaveImage PNGs with their metadata) and the report's expected/actual/diff images
    local_files, ray_files = _files(tmp_path / "local"), _files(tmp_path / "ray")
    assert local_files.keys() == ray_files.keys() and local_files == ray_files
    assert any(k.endswith(".diff.png") for k in ray_files) and any("/output/" in k for k in ray_files)
    # grouped by model: 2 actors, 3 model groups, nothing retried; the error was reported once, not retried
    assert stats.actors_started <= 2 and stats.deaths == 0 and stats.retried == 0
    assert "NoSuchNode" in " ".join(next(o for o in remote if o.status == "error").details)


def test_inputs_travel_by_content_not_by_path(ray_cluster, suite: Path, tmp_path: Path):
    """The worker is given driver paths that do not exist anywhere; it runs from the shipped bytes alone, and a
    second task with the same files fetches nothing new."""
    import ray

    from graphrun.distributed.blobs import Shipper
    from graphrun.distributed.worker import GraphrunWorker, TestTask

    shipper = Shipper(ray)
    pic = (suite / "in" / "pics" / "example.png").read_bytes()
    files = (shipper.ship("workflow/img.json", (suite / "img.json").read_bytes()),
             shipper.ship("input/pics/example.png", pic))
    ghost = Path("/nonexistent-driver-disk/wf")
    job = Job(0, ghost / "img.json", WorkflowConfig(input_dir=ghost / "in"))
    spec = (1.0, 0.0, 1)
    actor = POOL.take(spec) or ray.remote(GraphrunWorker).options(num_cpus=1).remote(1, None)
    opts = ray.put(_opts(tmp_path, "w"))
    first = ray.get(actor.run_test.remote(opts, TestTask(job, files, "workflow/img.json")))
    again = ray.get(actor.run_test.remote(opts, TestTask(job, files, "workflow/img.json")))
    POOL.give(spec, actor)
    assert type(first.result).__name__ == "Captured", first.result
    assert first.result.record.manifest["nodes"][0]["class_type"] == "LoadImage"
    saved = [k for k in first.outputs if k.startswith("output/")]
    assert saved == ["output/img_00001_.png"]
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as the worker and `run_jobs` do: the thread count is part of the record
    try:
        local = capture_job(Job(0, suite / "img.json", WorkflowConfig(input_dir=suite / "in")),
                            _opts(tmp_path, "l"), ModelStore())
    finally:
        torch.set_num_threads(before)
    assert _timeless(first.result.record.manifest) == _timeless(local.record.manifest)
    assert first.outputs[saved[0]] == (tmp_path / "l" / "000-img" / saved[0]).read_bytes()
    assert first.fetched <= 2 and again.fetched == 0 and shipper.bytes_put == len(pic) + (suite / "img.json").stat().st_size


def test_worker_killed_mid_task_every_workflow_has_one_result(ray_cluster, suite: Path, tmp_path: Path):
    write_prompt(suite / "killed_once.json", _image_prompt(width=10, kill=str(tmp_path / "killed.marker")))
    write_prompt(suite / "always_killed.json", _image_prompt(width=9, kill=""))
    jobs = build_jobs([suite])
    seen: list[str] = []
    outs, stats = _ray(jobs, _opts(tmp_path, "ray", update=True), RayOptions(workers=2, max_attempts=2),
                       on_outcome=lambda o: seen.append(o.path.name))
    assert sorted(seen) == sorted(j.path.name for j in jobs)  # exactly one result each, none lost
    by = {o.path.name: o for o in outs}
    assert (tmp_path / "killed.marker").is_file()  # it died once
    assert by["killed_once.json"].status == "recorded"
    lost = by["always_killed.json"]
    assert (lost.status, lost.error_type) == ("error", "WorkerCrash")
    assert "died in each of 2 attempt(s)" in lost.message
    assert {o.status for n, o in by.items() if n != "always_killed.json"} == {"recorded"}
    assert stats.deaths == 3 and stats.retried >= 2
    for job in jobs:  # one SaveImage output per finished workflow: nothing written twice, nothing half-written
        written = sorted(p.name for p in (tmp_path / "ray" / _slug(job.path, job.index)).rglob("*.png"))
        expected = [] if job.path.name == "always_killed.json" else \
            ["img_00001_.png"] if "img" in job.path.stem or "killed" in job.path.stem else ["toy_00001_.png"]
        assert written == expected, job.path.name
    assert not list((tmp_path / "ray").rglob("*.part"))


def test_ctrl_c_cancels_remote_work_and_leaves_only_complete_files(ray_cluster, suite: Path, tmp_path: Path):
    import ray

    for i in range(6):
        write_prompt(suite / f"more{i}.json", toy_prompt(text=f"more {i}", seed=i))

    def interrupt(outcome):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _ray(build_jobs([suite]), _opts(tmp_path, "ray"), on_outcome=interrupt)
    for png in (tmp_path / "ray").rglob("*.png"):
        with Image.open(png) as im:
            im.load()
    assert not list((tmp_path / "ray").rglob("*.part"))
    deadline = time.monotonic() + 20  # the killed actors give their CPUs back
    while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray.available_resources().get("CPU", 0) == 2


def test_cli_test_with_ray(ray_cluster, tmp_path: Path, capsys):
    from graphrun.cli.main import main

    POOL.close(ray_cluster)  # the CLI starts its own worker: free the CPUs the warm ones hold
    d = tmp_path / "wf"
    (d / "in").mkdir(parents=True)
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((16, 16)).save(d / "in" / "example.png")
    (d / "graphrun-test.toml").write_text('[defaults]\ninput_dir = "in"\n')
    scale = {"1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
             "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear",
                                                          "width": 12, "height": 12, "crop": "disabled"}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}}
    write_prompt(d / "scale.json", scale)
    assert main(["test", str(d), "--device", "cpu", "--update"]) == 0  # golden recorded locally
    capsys.readouterr()
    assert main(["test", str(d), "--device", "cpu", "--json", "--ray=auto", "--num-cpus-per-task", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == {"pass": 1}
    assert main(["test", str(d), "--ray", "--num-cpus-per-task", "0"]) == 2
    assert "--num-cpus-per-task must be > 0" in capsys.readouterr().err


def _sweep_files(folder: Path) -> dict[str, object]:
    """Every file of a sweep folder; JSON and HTML without timings and cache hits (which worker ran what)."""
    out: dict[str, object] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(folder).as_posix()
        if p.suffix == ".json":
            text = re.sub(r'"(seconds|cached)": [^,\n}]+', r'"\1": "_"', p.read_text())
            out[rel] = json.loads(text)
        elif p.suffix == ".html":
            out[rel] = re.sub(r"\d+\.\d+ s, \d+ node\(s\) cached|\d+\.\d+ ?s\b", "_", p.read_text())
        else:
            out[rel] = p.read_bytes()
    return out


def test_cli_sweep_with_ray_writes_what_a_local_sweep_writes(ray_cluster, tmp_path: Path, monkeypatch, capsys):
    from graphrun.cli.main import main

    POOL.close(ray_cluster)
    (tmp_path / "in").mkdir()
    Image.open(ROOT / "input" / "example.png").convert("RGB").resize((16, 16)).save(tmp_path / "in" / "example.png")
    wf = write_prompt(tmp_path / "wf.json", {
        "1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
        "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear",
                                                     "width": 12, "height": 12, "crop": "disabled"}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}})
    args = ["sweep", str(wf), "--axis", "2.width=8,12,16", "--axis", "2.upscale_method=bilinear,nearest-exact",
            "--input-dir", str(tmp_path / "in"), "--device", "cpu", "-q"]
    for name, extra in (("local", []), ("ray", ["--ray"])):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)  # same relative output folder, so the paths in the JSON are equal
        assert main([*args, "-o", "out", *extra]) == 0
    local, remote = _sweep_files(tmp_path / "local" / "out"), _sweep_files(tmp_path / "ray" / "out")
    assert sorted(local) == sorted(remote) and len([k for k in local if k.endswith(".cell.json")]) == 6
    assert local == remote  # cells, contact sheet, page and summary
    assert not list((tmp_path / "ray").rglob("*.part"))
