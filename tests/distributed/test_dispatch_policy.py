"""The dispatcher's decisions on a scripted stand-in for Ray (no cluster; milliseconds): which actor gets which
task, what a worker death costs, what is retried and what is reported once. The real cluster is in
test_ray_suite.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from graphrun.distributed.cluster import check_same_graphrun, identity
from graphrun.distributed.dispatch import Dispatcher, Task
from graphrun.errors import UsageError


class Died(Exception):
    pass


class Raised(Exception):
    pass


class Ref:
    def __init__(self, actor, fn):
        self.actor, self.fn, self.done, self.value, self.error = actor, fn, False, None, None

    def resolve(self):
        if not self.done:
            self.done = True
            if self.actor.dead:
                self.error = Died("actor died")
            else:
                try:
                    self.value = self.fn()
                except Died as exc:
                    self.actor.dead = True
                    self.error = exc
                except Exception as exc:
                    self.error = Raised(str(exc))
        if self.error is not None:
            raise self.error
        return self.value


class FakeActor:
    def __init__(self, ray, n: int, info: dict):
        self.ray, self.n, self.dead, self.queue = ray, n, False, []
        self.hello = SimpleNamespace(remote=lambda: self._submit(lambda: info))
        self.run = SimpleNamespace(remote=lambda shared, payload: self._submit(lambda: self._run(payload)))

    def _submit(self, fn):
        ref = Ref(self, fn)
        self.queue.append(ref)
        return ref

    def _run(self, payload):
        self.ray.log.append((self.n, payload))
        return self.ray.behaviour(self, payload)


class FakeRay:
    """Actors run their queue in order, at the same speed: `wait` serves the actors in turn."""

    exceptions = SimpleNamespace(RayActorError=Died, RayTaskError=Raised)

    def __init__(self, behaviour=lambda actor, payload: payload, info=None):
        self.behaviour, self.info, self.log, self.actors, self.turn = behaviour, info or identity(), [], [], 0

    def spawn(self):
        self.actors.append(FakeActor(self, len(self.actors), self.info))
        return self.actors[-1]

    def wait(self, refs, num_returns=1, timeout=None):
        if timeout == 0:  # a poll: only what already finished
            return [r for r in refs if r.done], []
        self.turn += 1
        for ref in sorted(refs, key=lambda r: (r.actor.n - self.turn) % len(self.actors)):
            if ref.actor.queue and ref is ref.actor.queue[0] or ref.actor.dead:
                try:
                    ref.resolve()
                except Exception:
                    pass
                if ref in ref.actor.queue:
                    ref.actor.queue.remove(ref)
                return [ref], []
        return [], refs

    def get(self, ref):
        return ref.resolve()

    def kill(self, actor):
        actor.dead = True


def _run(ray, tasks, n=2, **kw):
    done, lost = [], []
    d = Dispatcher(ray, ray.spawn, "run", n, **kw)
    stats = d.run(tasks, lambda t, v: done.append((t.index, v)), lambda t, why: lost.append((t.index, why)))
    return done, lost, stats


def test_tasks_stay_with_the_actor_holding_their_model():
    ray = FakeRay()
    tasks = [Task(i, ("a.safetensors",) if i % 2 else ("b.safetensors",), i) for i in range(8)]
    done, lost, stats = _run(ray, tasks)
    assert sorted(i for i, _ in done) == list(range(8)) and not lost
    by_actor = {}
    for actor, payload in ray.log:
        by_actor.setdefault(actor, set()).add(payload % 2)
    assert sorted(map(sorted, by_actor.values())) == [[0], [1]]  # each actor saw one model only
    assert stats.switches == 0 and stats.actors_started == 2


def test_an_idle_actor_takes_a_free_group_before_sharing_a_held_one():
    ray = FakeRay()
    keys = [("big",)] * 5 + [("small",)]
    done, _, stats = _run(ray, [Task(i, k, i) for i, k in enumerate(keys)])
    first = {}
    for actor, payload in ray.log:
        first.setdefault(actor, keys[payload])
    assert sorted(first.values()) == [("big",), ("small",)]  # the second actor did not start on "big"
    assert len(done) == 6


def test_a_death_charges_only_the_running_task_and_everything_ends_once():
    died = set()

    def behaviour(actor, payload):
        if payload == 2 and 2 not in died:
            died.add(2)
            raise Died("killed")
        return payload * 10

    ray = FakeRay(behaviour)
    tasks = [Task(i, ("m",), i) for i in range(6)]
    done, lost, stats = _run(ray, tasks, max_attempts=2)
    assert sorted(done) == [(i, i * 10) for i in range(6)] and not lost
    assert stats.deaths == 1 and stats.actors_started == 3  # a replacement took over
    assert next(t for t in tasks if t.index == 2).attempts == 1
    assert all(t.attempts == 0 for t in tasks if t.index != 2)  # queued behind it: not charged
    assert [p for _, p in ray.log].count(2) == 2


def test_a_task_that_always_kills_its_worker_is_reported_once_after_the_bound():
    def behaviour(actor, payload):
        if payload == 1:
            raise Died("killed")
        return payload

    ray = FakeRay(behaviour)
    done, lost, stats = _run(ray, [Task(i, (), i) for i in range(4)], max_attempts=3)
    assert sorted(i for i, _ in done) == [0, 2, 3]
    assert len(lost) == 1 and lost[0][0] == 1 and "died in each of 3 attempt(s)" in lost[0][1]
    assert stats.deaths == 3 and [p for _, p in ray.log].count(1) == 3


def test_an_exception_in_a_task_is_reported_once_not_retried():
    def behaviour(actor, payload):
        if payload == 0:
            raise ValueError("bad input")
        return payload

    ray = FakeRay(behaviour)
    done, lost, stats = _run(ray, [Task(i, (), i) for i in range(3)])
    assert lost == [(0, "the task raised on the worker: Raised: bad input")]
    assert [p for _, p in ray.log].count(0) == 1 and stats.deaths == 0 and len(done) == 2


def test_a_worker_with_another_graphrun_is_refused_with_both_versions():
    other = {**identity(), "graphrun": "0.0.9", "host": "node-7"}
    with pytest.raises(UsageError) as err:
        _run(FakeRay(info=other), [Task(0, (), 0)])
    text = err.value.message
    assert "node-7" in text and "0.0.9" in text and identity()["graphrun"] in text
    with pytest.raises(UsageError):  # same version number, different code
        check_same_graphrun(identity(), {**identity(), "source": "0" * 16})


def test_worker_count_follows_resources_and_refuses_what_no_node_can_place():
    from graphrun.distributed.cluster import RayOptions
    from graphrun.distributed.regress import worker_count

    cluster = SimpleNamespace(cluster_resources=lambda: {"CPU": 16.0, "GPU": 2.0})
    assert worker_count(cluster, RayOptions(), 100) == 16
    assert worker_count(cluster, RayOptions(num_cpus_per_task=4), 100) == 4
    assert worker_count(cluster, RayOptions(num_gpus_per_task=0.5), 100) == 4
    assert worker_count(cluster, RayOptions(), 3) == 3
    assert worker_count(cluster, RayOptions(workers=2), 100) == 2
    with pytest.raises(UsageError, match="has 16 CPU.*and 2 GPU.*needs 1 CPU.*and 4 GPU"):
        worker_count(cluster, RayOptions(num_gpus_per_task=4), 10)


def test_no_worker_starting_is_an_error_not_a_hang():
    class NeverReady(FakeRay):
        def wait(self, refs, num_returns=1, timeout=None):
            return [], refs

    ray = NeverReady()
    with pytest.raises(UsageError, match="no worker started within 0 s"):
        Dispatcher(ray, ray.spawn, "run", 1, start_timeout=0.0).run([Task(0, (), 0)], print, print)
    assert all(a.dead for a in ray.actors)  # the actors asked for are released
