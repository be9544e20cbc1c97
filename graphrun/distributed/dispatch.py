"""Sending tasks to model-holding actors: grouping by model key, bounded retries, cancellation.

Ray places the actors (one per worker slot, with the CPUs/GPUs a task needs, spread over the nodes) and moves
the data; this module only decides which actor gets which task next. An actor keeps the models it loaded, so
it is given more tasks of the model key it holds; an idle actor takes the largest group nobody holds yet, and
only then helps with a group another actor holds (one more load of that model, instead of idling).

Faults: a task whose actor dies (process killed, node lost, out of memory) goes back to the front of its queue
and runs on another actor (a replacement is started); after `max_attempts` deaths it is reported once as lost.
An exception a task raises is deterministic and reported once, never retried. On Ctrl-C (or any error in the
callbacks) every actor is killed, which cancels the remote work, and the exception propagates.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphrun.distributed.cluster import check_same_graphrun, identity
from graphrun.errors import UsageError


@dataclass
class Task:
    index: int
    key: tuple  # what the task loads (model file names): tasks with equal keys share an actor's cache
    payload: Any  # sent to the actor's method after the shared argument
    attempts: int = 0
    last_death: str = ""


@dataclass
class _Slot:
    actor: Any
    hello: Any = None  # ObjectRef of identity() until the version check passed
    key: tuple | None = None
    inflight: dict[Any, Task] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stats:
    actors_started: int = 0
    deaths: int = 0
    retried: int = 0
    switches: int = 0  # times an actor took a task of another model key than the one it held
    seconds_waiting_for_workers: float = 0.0
    workers: list[dict[str, Any]] = field(default_factory=list)


class WorkerPool:
    """Warm actors kept between runs of one driver process (a Python caller running several suites, or the
    tests): a run takes its actors from here and gives the healthy ones back, with their loaded models.
    Actors are only reused for the same `spec` (resources, threads, models folder)."""

    def __init__(self):
        self.idle: list[tuple[Any, Any]] = []  # (spec, actor)

    def take(self, spec: Any) -> Any | None:
        for i, (s, actor) in enumerate(self.idle):
            if s == spec:
                return self.idle.pop(i)[1]
        return None

    def give(self, spec: Any, actor: Any) -> None:
        self.idle.append((spec, actor))

    def close(self, ray) -> None:
        for _, actor in self.idle:
            try:
                ray.kill(actor)
            except Exception:
                pass
        self.idle.clear()


def _death_errors(ray) -> tuple[type[BaseException], ...]:
    ex = ray.exceptions
    names = ("RayActorError", "WorkerCrashedError", "OutOfMemoryError", "ObjectLostError", "NodeDiedError",
             "ActorUnavailableError", "OwnerDiedError", "LocalRayletDiedError")
    return tuple(getattr(ex, n) for n in names if hasattr(ex, n))


class Dispatcher:
    """Run `tasks` on `n_actors` actors made by `spawn()`, calling `method(shared, payload)` on each."""

    def __init__(self, ray, spawn: Callable[[], Any], method: str, n_actors: int, *, shared: Any = None,
                 max_attempts: int = 3, depth: int = 2, pool: WorkerPool | None = None, spec: Any = None,
                 start_timeout: float = 600.0):
        self.pool, self.spec, self.start_timeout = pool, spec, start_timeout
        self.ray, self.spawn, self.method, self.n_actors = ray, spawn, method, max(1, n_actors)
        self.shared, self.max_attempts, self.depth = shared, max_attempts, depth
        self.queues: OrderedDict[tuple, deque[Task]] = OrderedDict()
        self.slots: list[_Slot] = []
        self.stats = Stats()
        self.driver = identity()
        self.deaths = _death_errors(ray)

    # -- scheduling -------------------------------------------------------------------------------------
    def _pending(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def _pick(self, slot: _Slot) -> Task | None:
        if slot.key is not None and self.queues.get(slot.key):
            return self.queues[slot.key].popleft()
        groups = [k for k, q in self.queues.items() if q]
        if not groups:
            return None
        held = {s.key for s in self.slots if s is not slot and s.inflight}
        free = [k for k in groups if k not in held]
        key = max(free or groups, key=lambda k: len(self.queues[k]))  # first of the largest on ties
        if slot.key is not None:
            self.stats.switches += 1
        slot.key = key
        return self.queues[key].popleft()

    def _fill(self, slot: _Slot) -> None:
        while slot.hello is None and len(slot.inflight) < self.depth:
            task = self._pick(slot)
            if task is None:
                return
            ref = getattr(slot.actor, self.method).remote(self.shared, task.payload)
            slot.inflight[ref] = task

    def _start(self) -> None:
        actor = self.pool.take(self.spec) if self.pool is not None else None
        if actor is None:
            actor = self.spawn()
            self.stats.actors_started += 1
        self.slots.append(_Slot(actor, hello=actor.hello.remote()))

    # -- faults -----------------------------------------------------------------------------------------
    def _requeue(self, task: Task, why: str, on_lost: Callable[[Task, str], None], running: bool) -> None:
        """Back to the front of its queue; only the task that was running when the worker died is charged an
        attempt (those queued behind it on that actor never started)."""
        if running:
            task.attempts += 1
            task.last_death = why
        if task.attempts >= self.max_attempts:
            on_lost(task, f"the worker process died in each of {task.attempts} attempt(s) to run it "
                          f"(last: {why})")
            return
        self.stats.retried += 1
        self.queues.setdefault(task.key, deque()).appendleft(task)

    def _bury(self, slot: _Slot, why: str, on_done, on_lost) -> None:
        """The slot's actor died: keep results that did arrive, requeue the rest, start a replacement."""
        self.stats.deaths += 1
        self.slots.remove(slot)
        charged = False
        for ref, task in list(slot.inflight.items()):  # in submission order = the actor's execution order
            ready, _ = self.ray.wait([ref], timeout=0)
            try:
                if ready:
                    on_done(task, self.ray.get(ref))
                    continue
            except self.deaths:
                pass
            self._requeue(task, why, on_lost, running=not charged)
            charged = True
        try:
            self.ray.kill(slot.actor)
        except Exception:
            pass
        if self._pending() and len(self.slots) < self.n_actors:
            self._start()

    # -- main loop ----------------------------------------------------------------------------------------
    def run(self, tasks: Sequence[Task], on_done: Callable[[Task, Any], None],
            on_lost: Callable[[Task, str], None]) -> Stats:
        for task in sorted(tasks, key=lambda t: (t.key, t.index)):
            self.queues.setdefault(task.key, deque()).append(task)
        started = time.perf_counter()
        try:
            for _ in range(min(self.n_actors, len(tasks))):
                self._start()
            while self._pending() or any(s.inflight for s in self.slots):
                for slot in self.slots:
                    self._fill(slot)
                refs = {}
                for slot in self.slots:
                    refs.update({r: slot for r in slot.inflight})
                    if slot.hello is not None:
                        refs[slot.hello] = slot
                if not refs:
                    raise UsageError("--ray: no worker left to run the remaining tasks")
                ready, _ = self.ray.wait(list(refs), num_returns=1, timeout=0.5)  # short: Ctrl-C stays prompt
                if not ready and not self.stats.workers and time.perf_counter() - started > self.start_timeout:
                    raise UsageError(f"--ray: no worker started within {self.start_timeout:.0f} s; the cluster may "
                                     f"lack the CPUs/GPUs a worker asks for, or cannot import graphrun")
                for ref in ready:
                    slot = refs[ref]
                    if slot not in self.slots:
                        continue  # buried while handling an earlier ref of this batch
                    if ref is slot.hello or ref == slot.hello:
                        self._greet(slot, ref, started)
                        continue
                    try:
                        value = self.ray.get(ref)
                    except self.deaths as exc:
                        self._bury(slot, _short(exc), on_done, on_lost)  # this task and those behind it
                        continue
                    except self.ray.exceptions.RayTaskError as exc:
                        on_lost(slot.inflight.pop(ref), f"the task raised on the worker: {_short(exc)}")
                        continue
                    on_done(slot.inflight.pop(ref), value)
        except BaseException:
            self.close()
            raise
        self.close(keep=self.pool is not None)
        return self.stats

    def _greet(self, slot: _Slot, ref, started: float) -> None:
        try:
            info = self.ray.get(ref)
        except Exception as exc:
            raise UsageError(f"--ray: a worker could not start graphrun's actor: {_short(exc)}") from None
        check_same_graphrun(self.driver, info)
        slot.hello, slot.info = None, info
        self.stats.workers.append(info)
        if len(self.stats.workers) == 1:
            self.stats.seconds_waiting_for_workers = time.perf_counter() - started

    def close(self, keep: bool = False) -> None:
        """Kill every actor (cancelling what they run; their models go with them), or with `keep` give the idle
        ones back to the pool."""
        for slot in self.slots:
            if keep and not slot.inflight and slot.hello is None:
                self.pool.give(self.spec, slot.actor)
                continue
            try:
                self.ray.kill(slot.actor)
            except Exception:
                pass
        self.slots.clear()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
