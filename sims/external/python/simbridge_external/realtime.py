"""Real-time envs: a group of envs that advance on the wall clock, as a robot does.

A simulator stepped "as fast as requested" is ideal for training; a robot is
not: its world moves on whether or not the next command has arrived. The
protocol offers that as real-time envs (``MakeEnvsRequest.realtime_hz > 0``);
this module implements them, mirroring the TypeScript server's
``src/server/realtime-group.ts``:

- the envs of one make request form a group with one clock at ``hz`` ticks per
  second, driven by a thread of its own. Ticks are scheduled at t0 + k/hz (no
  drift); a tick that comes late is measured as jitter, and ticks missed
  entirely are skipped, not run back to back;
- every tick, each RUNNING env of the group steps with its pending action if
  one arrived since the last tick, else with the action it holds: the last one
  applied, zeros after a reset;
- a step request waits for the next tick and is answered after it with that
  tick's result. ``late_ticks`` says how many ticks went by on a held action
  since the env's previous result: a late action is applied (at the next tick)
  and reported, never lost nor taken as on time;
- an env whose episode ended on a held tick stops; a step request for it is
  answered at once with the ended state (its action is not applied), and a
  further step fails with FAILED_PRECONDITION until a reset.

Concurrency: the group shares its session's lock with the session's requests.
The clock thread holds it while it steps; a step request holds it only to
check and queue its actions, then waits for its tick *without* it, so a
waiting step blocks its own session's stream (requests are answered in order)
but never another session, nor this session's clocks.

The task's physics (``control_dt``) does not change: with ``hz`` equal to
1 / control_dt (20 Hz for Cart2D-v0) simulated time runs as fast as the wall clock.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .env_pool import Batch, EnvPool, gather
from .errors import INTERNAL, ProtocolError, failed_precondition
from .specs import TaskSpec
from .task import RUNNING, STATUS_NAMES, StepOut

#: Highest control rate accepted (MakeEnvsRequest.realtime_hz), as in the TypeScript server.
MAX_HZ = 10_000.0

#: Jitter percentiles are taken over this many most recent ticks.
JITTER_WINDOW = 1000

log = logging.getLogger("simbridge_external")


@dataclass
class RealtimeStats:
    """RealtimeEnvStats of one env."""

    env_id: int
    hz: float
    ticks: int
    held_ticks: int
    late_steps: int
    jitter_us_p50: float
    jitter_us_p99: float


class Waiter:
    """A step request waiting for its tick: one row per env, then done."""

    def __init__(self, env_ids: list[int]) -> None:
        self.env_ids = env_ids
        #: env id -> (its result, its late ticks)
        self.rows: dict[int, tuple[StepOut, int]] = {}
        self.error: ProtocolError | None = None
        self.batch: Batch | None = None
        self.done = threading.Event()

    def wait(self) -> Batch:
        """Blocks until the tick answered every env (or the request failed)."""
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.batch is not None
        return self.batch


@dataclass
class EnvClock:
    """One env's real-time state."""

    #: The action applied at each tick until a fresh one arrives.
    held: np.ndarray
    #: A fresh action for the next tick, and the request waiting for it.
    pending: tuple[np.ndarray, Waiter] | None = None
    #: Ticks on a held action since the last result sent to the client.
    held_since_result: int = 0
    #: The client has been told that the episode ended.
    end_reported: bool = False
    ticks: int = 0
    held_ticks: int = 0
    late_steps: int = 0


@dataclass
class _Jitter:
    """|actual − scheduled| tick times (µs) of the last JITTER_WINDOW ticks."""

    values: np.ndarray = field(default_factory=lambda: np.zeros(JITTER_WINDOW))
    count: int = 0

    def add(self, us: float) -> None:
        self.values[self.count % JITTER_WINDOW] = us
        self.count += 1

    def percentile(self, p: float) -> float:
        window = np.sort(self.values[: min(self.count, JITTER_WINDOW)])
        return float(window[min(len(window) - 1, math.floor(p * len(window)))]) if len(window) else 0.0


class RealtimeGroup:
    """The envs of one make request, stepped by one clock at `hz`.

    Every method must be called with `lock` held (the session's lock); the
    clock thread takes it itself. `Waiter.wait` must be called without it.
    """

    def __init__(
        self,
        pool: EnvPool,
        env_ids: list[int],
        spec: TaskSpec,
        hz: float,
        lock: threading.RLock,
        clock=time.monotonic,
        on_tick: Callable[[list[int]], None] | None = None,
    ) -> None:
        if not (0 < hz <= MAX_HZ):
            raise ValueError(f"hz must be in (0, {MAX_HZ:g}], got {hz}")
        self.pool = pool
        self.spec = spec
        self.hz = hz
        #: Called with the envs each tick stepped, the lock held (the session offers them to watchers).
        self.on_tick = on_tick
        self.period = 1.0 / hz
        self.lock = lock
        self.clock = clock
        self.clocks: dict[int, EnvClock] = {
            env_id: EnvClock(held=np.zeros(spec.action.shape, dtype=np.float32)) for env_id in env_ids
        }
        self.jitter = _Jitter()
        #: Set when a task raised during a tick: the clock stops and steps fail with it.
        self.broken: ProtocolError | None = None
        self._stopped = threading.Event()
        self._started = clock()
        self._tick_index = 0
        self._thread = threading.Thread(
            target=self._run, name=f"simbridge-clock-{min(env_ids)}-{hz:g}Hz", daemon=True
        )
        self._thread.start()

    def has(self, env_id: int) -> bool:
        return env_id in self.clocks

    def after_reset(self, env_ids: list[int]) -> None:
        """After the pool reset these envs: hold zeros, forget lateness."""
        for env_id in env_ids:
            c = self.clocks.get(env_id)
            if c is None:
                continue
            c.held[...] = 0
            c.held_since_result = 0
            c.end_reported = False
            if c.pending is not None:
                self._fail(c.pending[1], failed_precondition("step.env_ids", f"env {env_id} was reset while its step waited for a tick"))
            c.pending = None

    def submit(self, env_ids: list[int], dtype: str, actions: np.ndarray) -> Waiter:
        """Checks a step request and queues its actions for the next tick.
        Raises ProtocolError (nothing changed) or returns the Waiter to wait on."""
        self.pool.check_step(env_ids, dtype, actions, running=False)
        if self.broken is not None:
            raise self.broken
        clocks = [self.clocks[env_id] for env_id in env_ids]
        for i, (env_id, c) in enumerate(zip(env_ids, clocks)):
            if c.pending is not None:
                raise failed_precondition(f"step.env_ids[{i}]", f"env {env_id} already has an action waiting for the next tick")
            status = self.pool.slots[env_id].status
            if status != RUNNING and c.end_reported:
                raise failed_precondition(
                    f"step.env_ids[{i}]",
                    f"env {env_id}'s episode ended ({STATUS_NAMES[status]}); reset it before stepping again",
                )
        waiter = Waiter(list(env_ids))
        shape = self.spec.action.shape
        for env_id, c, row in zip(env_ids, clocks, actions):
            slot = self.pool.slots[env_id]
            if slot.status != RUNNING:
                # Ended on a held tick: answer with the ended state; the action is not applied.
                late = c.held_since_result
                waiter.rows[env_id] = (_snapshot(slot.last), late)
                if late > 0:
                    c.late_steps += 1
                c.held_since_result = 0
                c.end_reported = True
            else:
                c.pending = (np.array(row, dtype=np.float32).reshape(shape), waiter)
        self._settle(waiter)
        return waiter

    def stats(self) -> list[RealtimeStats]:
        p50, p99 = self.jitter.percentile(0.5), self.jitter.percentile(0.99)
        return [
            RealtimeStats(env_id, self.hz, c.ticks, c.held_ticks, c.late_steps, p50, p99)
            for env_id, c in self.clocks.items()
        ]

    def remove(self, env_ids: list[int]) -> None:
        """Forgets closed envs; their waiting requests fail. Stops when empty."""
        for env_id in env_ids:
            c = self.clocks.pop(env_id, None)
            if c is not None and c.pending is not None:
                self._fail(c.pending[1], failed_precondition("step.env_ids", f"env {env_id} was closed while its step waited for a tick"))
        if not self.clocks:
            self.stop()

    def stop(self, reason: str = "its session ended") -> None:
        """Stops the clock; waiting requests fail. The thread exits on its own
        (it needs the lock, which the caller holds)."""
        self._stopped.set()
        for env_id, c in self.clocks.items():
            if c.pending is not None:
                self._fail(c.pending[1], failed_precondition("step.env_ids", f"env {env_id} stopped while its step waited for a tick: {reason}"))

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    # -- the clock thread -------------------------------------------------

    def _run(self) -> None:
        while True:
            now = self.clock()
            # Skip ticks already missed entirely instead of running them back to back.
            due = max(self._tick_index + 1, math.floor((now - self._started) / self.period))
            self._tick_index = due
            at = self._started + due * self.period
            if self._stopped.wait(max(0.0, at - now)):
                return
            with self.lock:
                if self._stopped.is_set():
                    return
                try:
                    self._tick(at)
                except Exception as e:  # a bug in a task must not go unnoticed, nor kill the server
                    log.exception("real-time tick of %s failed", self.spec.name)
                    self.broken = ProtocolError(
                        INTERNAL, f"the real-time clock of these envs stopped: a tick failed with {type(e).__name__}: {e}"
                    )
                    self._stopped.set()
                    for c in self.clocks.values():
                        if c.pending is not None:
                            self._fail(c.pending[1], self.broken)
                    return

    def _tick(self, scheduled_at: float) -> None:
        self.jitter.add(abs(self.clock() - scheduled_at) * 1e6)
        ids = [env_id for env_id in self.clocks if self.pool.slots[env_id].status == RUNNING]
        if not ids:
            return
        clocks = [self.clocks[env_id] for env_id in ids]
        for c in clocks:
            if c.pending is not None:
                c.held[...] = c.pending[0]
            else:
                c.held_ticks += 1
                c.held_since_result += 1
        actions = np.stack([c.held for c in clocks])
        outs = self.pool.advance(ids, actions)
        if self.on_tick is not None:
            self.on_tick(ids)
        touched: list[Waiter] = []
        for env_id, c, out in zip(ids, clocks, outs):
            c.ticks += 1
            if c.pending is not None:
                waiter = c.pending[1]
                # held_since_result counted the held ticks before this one: that is how late the action was.
                waiter.rows[env_id] = (_snapshot(out), c.held_since_result)
                if c.held_since_result > 0:
                    c.late_steps += 1
                c.held_since_result = 0
                if out.status != RUNNING:
                    c.end_reported = True
                c.pending = None
                if waiter not in touched:
                    touched.append(waiter)
        for waiter in touched:
            self._settle(waiter)

    def _settle(self, waiter: Waiter) -> None:
        """Answers a waiter once every env of its request has a row."""
        if waiter.done.is_set() or len(waiter.rows) < len(waiter.env_ids):
            return
        rows = [waiter.rows[env_id] for env_id in waiter.env_ids]
        waiter.batch = gather(self.spec, waiter.env_ids, [out for out, _ in rows], [late for _, late in rows])
        waiter.done.set()

    def _fail(self, waiter: Waiter, error: ProtocolError) -> None:
        for c in self.clocks.values():
            if c.pending is not None and c.pending[1] is waiter:
                c.pending = None
        if not waiter.done.is_set():
            waiter.error = error
            waiter.done.set()


def _snapshot(out: StepOut | None) -> StepOut:
    """A copy of a result, safe from a task that reuses its arrays."""
    assert out is not None
    return StepOut(
        observations=[np.array(o, copy=True) for o in out.observations],
        reward=out.reward,
        status=out.status,
        is_success=out.is_success,
        info=np.array(out.info, copy=True),
    )
