"""Real time: pace an env's steps to a wall clock (``--realtime-hz N``).

A simulator stepped "as fast as requested" is ideal for training; a robot is
not: its world moves on whether or not the next command has arrived. This
wrapper makes a task behave like that, simply:

- every step happens on a tick of the env's own clock, N ticks per second,
  counted from its last reset. An action that arrives early waits for its tick;
- an action that arrives after its tick is applied at once, and the number of
  whole ticks it missed is reported in the ``late_ticks`` info value — late
  actions are never silently dropped nor silently taken as on time. The clock
  then restarts from that step, so a slow agent is not followed by a burst.

The wrapped task's physics (``control_dt``) does not change: with N equal to
1 / control_dt (20 Hz for Cart2D-v0) simulated time runs as fast as the wall
clock.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .specs import TaskSpec
from .task import StepOut, Task, TaskFactory


class RealtimeFactory(TaskFactory):
    """Makes `inner`'s tasks, each paced by its own wall clock at `hz`."""

    def __init__(self, inner: TaskFactory, hz: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.hz = hz

    def spec(self, options: dict) -> TaskSpec:
        return self.inner.spec(options).with_info_keys("late_ticks")

    def create(self, options: dict) -> "RealtimeTask":
        return RealtimeTask(self.inner.create(options), self.hz)


class RealtimeTask(Task):
    """`inner`, stepped on a wall clock at `hz` ticks per second."""

    def __init__(self, inner: Task, hz: float, clock=time.monotonic, sleep=time.sleep) -> None:
        self.inner = inner
        self.period = 1.0 / hz
        self.spec = inner.spec.with_info_keys("late_ticks")
        self.clock = clock
        self.sleep = sleep
        self.next_tick = 0.0

    def check_reset_options(self, options: dict, field: str) -> None:
        self.inner.check_reset_options(options, field)

    def reset(self, seed: int | None, options: dict) -> StepOut:
        out = self.inner.reset(seed, options)
        self.next_tick = self.clock() + self.period
        return self._with_late(out, 0)

    def step(self, action: np.ndarray) -> StepOut:
        now = self.clock()
        if now < self.next_tick:
            self.sleep(self.next_tick - now)
            late = 0
            self.next_tick += self.period
        else:
            late = math.floor((now - self.next_tick) / self.period)
            self.next_tick = now + self.period
        return self._with_late(self.inner.step(action), late)

    def close(self) -> None:
        self.inner.close()

    @staticmethod
    def _with_late(out: StepOut, late: int) -> StepOut:
        out.info = np.append(out.info, float(late))
        return out
