"""A -j worker reports a failing workflow and goes on, but an interrupt is reported and then re-raised, not
swallowed (issue 14: runner.py caught BaseException)."""

from __future__ import annotations

import queue
from pathlib import Path
from types import SimpleNamespace

import pytest

from graphrun.regress import runner


def _jobs():
    return [SimpleNamespace(index=i, path=Path(f"w{i}.json")) for i in range(3)]


def test_worker_interrupt_is_reported_then_raised(monkeypatch):
    import torch

    threads = torch.get_num_threads()
    calls = []

    def run_one(job, opts, store):
        calls.append(job.index)
        if job.index == 0:
            raise RuntimeError("a bug in one workflow")
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_one", run_one)
    results = queue.Queue()
    opts = SimpleNamespace(threads=threads, cache_mb=None, cache=False)
    with pytest.raises(KeyboardInterrupt):
        runner._worker(_jobs(), opts, results, threads)
    torch.set_num_threads(threads)
    outs = [results.get_nowait() for _ in range(results.qsize())]
    assert calls == [0, 1]  # the bug did not stop the worker; the interrupt did
    assert [o.status for o in outs] == ["error", "error"]
    assert outs[0].error_type == "RuntimeError" and outs[1].error_type == "Interrupted"
