"""Connecting to Ray for `--ray [ADDRESS]` and checking that every worker runs the driver's graphrun."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphrun.errors import UsageError

RAY_REQUIREMENT = "ray>=2.40,<3"


@dataclass(frozen=True)
class RayOptions:
    """How to use the cluster: where it is, what each task reserves, how many workers, how often to retry."""

    address: str = "auto"  # auto = $RAY_ADDRESS, else a local cluster started (and stopped) for this run
    num_cpus_per_task: float = 1.0
    num_gpus_per_task: float = 0.0
    workers: int | None = None  # actors (model-holding worker slots); None = as many as the resources allow
    max_attempts: int = 3  # runs of one task when its worker process dies under it
    local_cpus: int | None = None  # CPUs of the local cluster that `auto` starts (None: all of this machine)

    def check(self) -> None:
        if self.num_cpus_per_task <= 0:
            raise UsageError(f"--num-cpus-per-task must be > 0, got {self.num_cpus_per_task}")
        if self.num_gpus_per_task < 0:
            raise UsageError(f"--num-gpus-per-task must be >= 0, got {self.num_gpus_per_task}")
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"--ray-workers must be at least 1, got {self.workers}")
        if self.max_attempts < 1:
            raise UsageError(f"--ray-attempts must be at least 1, got {self.max_attempts}")


def import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError(f"--ray needs Ray on the driver and on every worker: pip install \"graphrun[ray]\" "
                         f"({RAY_REQUIREMENT})") from None
    return ray


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[2])


@contextmanager
def connect(opts: RayOptions) -> Iterator[Any]:
    """Yield the `ray` module connected to the cluster; a connection made here is closed on exit. An already
    initialised Ray (a caller's own cluster) is used as it is and left running."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    address = os.environ.get("RAY_ADDRESS") or None if opts.address == "auto" else opts.address
    quiet = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    try:
        if address is None:
            # Workers of a local cluster import graphrun the way this process did (a checkout on PYTHONPATH too).
            path = os.pathsep.join(p for p in (_package_root(), os.environ.get("PYTHONPATH", "")) if p)
            ray.init(address="local", num_cpus=opts.local_cpus, _node_ip_address="127.0.0.1",
                     runtime_env={"env_vars": {"PYTHONPATH": path}}, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"at {address}" if address else "(local cluster)"
        raise UsageError(f"--ray: cannot connect to the Ray cluster {where}: {exc}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """SHA-256 over graphrun's own .py files (names and bytes): equal only when the code is the same."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def identity() -> dict[str, Any]:
    """Who runs this process: graphrun version and source digest, host, pid, Python."""
    import graphrun

    return {"graphrun": graphrun.__version__, "source": source_digest(), "host": socket.gethostname(),
            "pid": os.getpid(), "python": platform.python_version()}


def check_same_graphrun(driver: dict[str, Any], worker: dict[str, Any]) -> None:
    """Refuse a worker whose graphrun differs from the driver's: its results could not be compared."""
    if (driver["graphrun"], driver["source"]) == (worker["graphrun"], worker["source"]):
        return
    raise UsageError(
        f"--ray: the worker on {worker.get('host')} (pid {worker.get('pid')}) runs graphrun {worker['graphrun']} "
        f"(source {worker['source']}), the driver runs graphrun {driver['graphrun']} (source {driver['source']}); "
        f"install the same graphrun on every worker (pip install \"graphrun[ray]==VERSION\" or the same checkout)")
