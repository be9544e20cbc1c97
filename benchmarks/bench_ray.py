"""`graphrun test` on a 12-workflow stand-in suite: local -j 1, local -j 2 and Ray with 2 local workers, side by
side in one run, plus Ray's per-task overhead.

    python benchmarks/bench_ray.py [--copies 4] [--rounds 1] [--overhead-tasks 40]

The suite: the 3 shipped SD1.5 workflows (with their graphrun-test.toml and goldens) copied `--copies` times,
run with tiny stand-in weights (--stub-models, CPU, 1 torch thread per worker), so each worker process pays one
model load and then ~0.1-0.3 s per workflow. Every mode is a fresh `graphrun test` process, timed wall-clock
from start to exit (imports, worker start-up, model loads, goldens and all).

Ray: this script starts one local cluster (127.0.0.1, 2 CPUs; its start-up time is printed apart, as a team
pointing graphrun at a running cluster does not pay it per suite) and the `graphrun test --ray ADDRESS` process
connects to it as a separate driver, as it would to a remote cluster.

Per-task overhead: N trivial workflows (an empty latent saved to a file, ~ms of work) run in this process,
locally and then through 1 warm Ray worker; (Ray - local) / N is what Ray adds per task: dispatch, shipping
the workflow by content hash, running in a fresh task folder, sending record and files back, atomic writes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_suite(folder: Path, copies: int) -> int:
    """`copies` copies of each shipped workflow with its golden and settings; returns the workflow count."""
    import tomllib

    src = ROOT / "workflows"
    shutil.copytree(src / "test-inputs", folder / "test-inputs")
    config = tomllib.loads((src / "graphrun-test.toml").read_text())
    lines = ['[defaults]', 'input_dir = "test-inputs"', '[defaults.tolerance]']
    lines += [f"{k} = {v}" for k, v in config["defaults"]["tolerance"].items()]
    n = 0
    for wf in sorted(src.glob("*.json")):
        for k in range(copies):
            name = f"{wf.stem}__{k}"
            shutil.copy(wf, folder / f"{name}.json")
            shutil.copytree(src / f"{wf.stem}.golden", folder / f"{name}.golden")
            sets = config["workflow"][wf.name]["set"]
            lines += [f'[workflow."{name}.json"]', "set = " + json.dumps(sets)]
            n += 1
    (folder / "graphrun-test.toml").write_text("\n".join(lines) + "\n")
    return n


def timed_cli(args: list[str], cwd: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "graphrun.cli.main", "test", *args], cwd=cwd, env=env,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = (run.stdout.strip().splitlines() or ["(no output)"])[-1]
    if run.returncode != 0:
        summary += f"  [exit {run.returncode}] {run.stderr.strip()[-400:]}"
    return seconds, summary


def overhead(tasks: int, work: Path) -> tuple[float, float]:
    """Seconds for `tasks` trivial workflows: locally in this process, then on 1 warm Ray worker."""
    from graphrun.distributed.cluster import RayOptions
    from graphrun.distributed.dispatch import WorkerPool
    from graphrun.distributed.regress import run_jobs_ray
    from graphrun.regress.runner import Options, run_jobs
    from graphrun.regress.suite import build_jobs
    from graphrun.runtime.context import ModelStore
    from graphrun.settings import Settings

    folder = work / "trivial"
    folder.mkdir()
    for i in range(tasks):
        (folder / f"t{i:03d}.json").write_text(json.dumps({
            "1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
            "2": {"class_type": "SaveLatent", "inputs": {"samples": ["1", 0], "filename_prefix": f"t{i}"}}}))
    jobs = build_jobs([folder])
    settings = Settings(device="cpu", input_dir=work / "in", output_dir=work / "out")

    def opts(name):
        (work / name).mkdir()
        return Options(settings=settings, work_dir=work / name)

    run_jobs(jobs[:2], opts("warm-local"), store=ModelStore())  # imports out of the way
    start = time.perf_counter()
    run_jobs(jobs, opts("local"), store=ModelStore())
    local = time.perf_counter() - start
    pool, one = WorkerPool(), RayOptions(workers=1)
    run_jobs_ray(jobs[:2], opts("warm-ray"), one, pool=pool)  # the worker started and warm
    start = time.perf_counter()
    run_jobs_ray(jobs, opts("ray"), one, pool=pool)
    remote = time.perf_counter() - start
    return local, remote


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4, help="copies of each of the 3 shipped workflows (default 4)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of the three modes, alternated (default 1)")
    ap.add_argument("--overhead-tasks", type=int, default=40)
    args = ap.parse_args()

    import ray

    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        suite = work / "suite"
        suite.mkdir()
        n = make_suite(suite, args.copies)
        os.environ["PYTHONPATH"] = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")  # the workers' too
        start = time.perf_counter()
        ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 logging_level=logging.WARNING, log_to_driver=False)
        cluster_start = time.perf_counter() - start
        address = ray.get_runtime_context().gcs_address
        common = [str(suite), "--stub-models", "--device", "cpu", "-q"]
        modes = {"local -j 1": common + ["-j", "1"], "local -j 2": common + ["-j", "2"],
                 "Ray, 2 workers": common + [f"--ray={address}", "--ray-workers", "2"]}
        times: dict[str, list[float]] = {m: [] for m in modes}
        print(f"{n}-workflow stand-in suite ({args.copies} copies of the 3 shipped SD1.5 workflows, tiny stand-in "
              f"weights, CPU, {os.cpu_count()} cores); Ray cluster start-up {cluster_start:.1f} s (not counted)")
        for r in range(args.rounds):
            for mode, cli in modes.items():
                seconds, summary = timed_cli(cli, work)
                times[mode].append(seconds)
                print(f"  round {r + 1} {mode:15} {seconds:6.1f} s   {summary}")
        best = {m: min(t) for m, t in times.items()}
        print("\nbest of rounds:")
        for mode, seconds in best.items():
            print(f"  {mode:15} {seconds:6.1f} s   ({n / seconds:.2f} workflows/s)")
        ratio = best["Ray, 2 workers"] / best["local -j 2"]
        print(f"  Ray / local -j 2 = {ratio:.2f}x  (target <= 1.2x)   local -j 1 / Ray = "
              f"{best['local -j 1'] / best['Ray, 2 workers']:.2f}x")
        local, remote = overhead(args.overhead_tasks, work)
        per = (remote - local) / args.overhead_tasks
        print(f"\nper-task overhead ({args.overhead_tasks} trivial workflows, 1 warm worker): local {local:.2f} s, "
              f"Ray {remote:.2f} s -> Ray adds {per * 1000:.0f} ms per task")
        return 0
    finally:
        if ray.is_initialized():
            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
