"""EnvPool: the envs of one session, addressed by id.

This is the one place where requests are checked before they reach a task —
ids, episode state, action shape, dtype and finiteness, option names and
types — mirroring the TypeScript server's ``src/env/env-pool.ts`` so that both
fail the same way. Every check happens before any env is touched: a failed
request changes nothing.

Episode state machine per env: made (status 0) -> reset -> RUNNING -> ...
-> TERMINATED or TRUNCATED -> (reset) -> RUNNING. There is no auto-reset.

The pool itself is not thread-safe: ``Session`` serialises every call with
its lock (real-time clocks step envs from their own threads, see realtime.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import options as opts
from .catalog import Catalog
from .errors import failed_precondition, invalid_argument, not_found, number_text, resource_exhausted, shape_text
from .specs import TaskSpec
from .task import RUNNING, STATUS_NAMES, StepOut, Task


@dataclass
class Slot:
    task: Task
    #: Envs with equal keys (same task, same make options, same clock) may share a request.
    spec_key: str
    #: 0 until the first reset, then the status of the last reset or step.
    status: int = 0
    #: The result of the last reset or step (None before the first reset).
    last: StepOut | None = None
    #: The episode number (1 for the first, after the first reset) and the steps since its reset (watch frames).
    episode: int = 0
    episode_step: int = 0
    #: What watchers that asked for views need of this env, built on first use (watch_hub.EnvView).
    view: object | None = None


@dataclass
class Batch:
    """The result of a reset or step, row i for env_ids[i]."""

    spec: TaskSpec
    env_ids: list[int]
    #: One float32 array [n, *shape] per spec.observations entry.
    observations: list[np.ndarray]
    #: float64 [n], or None when the task withholds reward.
    reward: np.ndarray | None
    status: list[int]
    is_success: list[bool]
    #: float64 [n, len(spec.info_keys)].
    info: np.ndarray
    #: Real-time step results only: per env, the ticks that advanced on a held
    #: action since its previous result (StepResult.late_ticks). None otherwise.
    late_ticks: list[int] | None = None


@dataclass
class ResetEntry:
    env_id: int
    seed: int | None
    options: dict


class EnvPool:
    def __init__(self, catalog: Catalog, max_envs: int) -> None:
        self.catalog = catalog
        self.max_envs = max_envs
        self.slots: dict[int, Slot] = {}
        self.next_id = 1

    def make(self, task_name: str, count: int, options: dict, batch_key: str = "") -> tuple[list[int], TaskSpec]:
        """Makes `count` envs of `task_name`; all or none. `batch_key`, when
        given, further separates envs that may share a request (each real-time
        group runs on its own clock)."""
        factory = self.catalog.get(task_name)
        if count < 1:
            raise invalid_argument("make_envs.count", f"must be a positive integer, got {count}")
        if len(self.slots) + count > self.max_envs:
            raise resource_exhausted(
                "make_envs.count",
                f"{count} more envs would exceed this session's limit of {self.max_envs} (open: {len(self.slots)})",
            )
        opts.check(factory.spec({}).make_options, options, f"{task_name} make option", "make_envs.options")
        spec = factory.spec(options)
        tasks: list[Task] = []
        try:
            for _ in range(count):
                tasks.append(factory.create(options))
        except BaseException:
            for task in tasks:
                task.close()
            raise
        spec_key = f"{task_name}\0{opts.canonical(options)}\0{batch_key}"
        ids = []
        for task in tasks:
            ids.append(self.next_id)
            self.slots[self.next_id] = Slot(task, spec_key)
            self.next_id += 1
        return ids, spec

    def reset(self, entries: list[ResetEntry]) -> Batch:
        """Resets the listed envs, each with its own seed and options."""
        if not entries:
            raise invalid_argument("reset.envs", "no env to reset")
        ids = [e.env_id for e in entries]
        slots = self._batch_slots(ids, "reset.envs", "env_id")
        for i, (entry, slot) in enumerate(zip(entries, slots)):
            field = f"reset.envs[{i}].options"
            opts.check(slot.task.spec.reset_options, entry.options, f"{slot.task.spec.name} reset option", field)
            slot.task.check_reset_options(entry.options, field)
        outs = []
        for entry, slot in zip(entries, slots):
            out = slot.task.reset(entry.seed, entry.options)
            slot.status = out.status
            slot.last = out
            slot.episode += 1
            slot.episode_step = 0
            outs.append(out)
        return gather(slots[0].task.spec, ids, outs)

    def step(self, env_ids: list[int], dtype: str, actions: np.ndarray) -> Batch:
        """Steps the listed envs with one row of `actions` each ([len(env_ids), *action shape])."""
        slots = self.check_step(env_ids, dtype, actions, running=True)
        return gather(slots[0].task.spec, env_ids, self.advance(env_ids, actions))

    def check_step(self, env_ids: list[int], dtype: str, actions: np.ndarray, running: bool) -> list[Slot]:
        """Every check of `step` without stepping: ids, one spec, reset, action
        dtype, shape and finiteness, and (when `running`) that every episode is
        RUNNING. Real-time envs use it when an action arrives, before its tick."""
        if not env_ids:
            raise invalid_argument("step.env_ids", "no env to step")
        slots = self._batch_slots(env_ids, "step.env_ids")
        for i, slot in enumerate(slots):
            if slot.status == 0:
                raise failed_precondition(
                    f"step.env_ids[{i}]", f"env {env_ids[i]} has not been reset; reset it before stepping"
                )
            if running and slot.status != RUNNING:
                raise failed_precondition(
                    f"step.env_ids[{i}]",
                    f"env {env_ids[i]}'s episode is {STATUS_NAMES[slot.status]}; reset it before stepping again",
                )
        spec = slots[0].task.spec.action
        if dtype != spec.dtype:
            raise invalid_argument("step.actions", f"expected dtype {spec.dtype} but got {dtype}")
        expected = (len(env_ids), *spec.shape)
        if actions.shape != expected:
            raise invalid_argument(
                "step.actions", f"expected shape {shape_text(expected)} but got {shape_text(actions.shape)}"
            )
        bad = np.flatnonzero(~np.isfinite(actions))
        if bad.size:
            k = int(bad[0])
            env, element = divmod(k, spec.size)
            raise invalid_argument(
                "step.actions",
                f"element {element} of env {env} is {number_text(float(actions.flat[k]))}; values must be finite",
            )
        return slots

    def advance(self, env_ids: list[int], actions: np.ndarray) -> list[StepOut]:
        """Steps already checked, RUNNING envs with one row of `actions` each;
        returns each env's result."""
        outs = []
        for env_id, row in zip(env_ids, actions):
            slot = self.slots[env_id]
            out = slot.task.step(row.reshape(slot.task.spec.action.shape))
            slot.status = out.status
            slot.last = out
            slot.episode_step += 1
            outs.append(out)
        return outs

    def close(self, env_ids: list[int]) -> list[int]:
        """Closes the listed envs; unknown ids fail before anything is closed."""
        slots = [self.slot(env_id, f"close_envs.env_ids[{i}]") for i, env_id in enumerate(env_ids)]
        for env_id, slot in zip(env_ids, slots):
            if self.slots.pop(env_id, None) is not None:
                slot.task.close()
        return list(env_ids)

    def close_all(self) -> None:
        for slot in self.slots.values():
            slot.task.close()
        self.slots.clear()

    def slot(self, env_id: int, field: str) -> Slot:
        """The env's slot. An env this pool made and then closed is
        FAILED_PRECONDITION (as any call after close); an id it never made is
        NOT_FOUND. Ids are handed out in order from 1, so the ids below
        `next_id` without a slot are exactly the closed ones."""
        slot = self.slots.get(env_id)
        if slot is None:
            if 1 <= env_id < self.next_id:
                raise failed_precondition(field, f"env {env_id} was closed; make new envs")
            raise not_found(field, f"env {env_id} does not exist (never made)")
        return slot

    def _batch_slots(self, ids: list[int], field: str, member: str = "") -> list[Slot]:
        """The slots of a batch: no id twice, every id known, one spec for all."""
        seen: set[int] = set()
        slots = []
        for i, env_id in enumerate(ids):
            where = f"{field}[{i}]" + (f".{member}" if member else "")
            if env_id in seen:
                raise invalid_argument(where, f"env {env_id} is listed twice")
            seen.add(env_id)
            slots.append(self.slot(env_id, where))
        first = slots[0].spec_key
        for i, slot in enumerate(slots):
            if slot.spec_key != first:
                same_options = slot.spec_key.rsplit("\0", 1)[0] == first.rsplit("\0", 1)[0]
                why = (
                    f"runs on another clock than env {ids[0]} (each make_envs request's real-time envs, "
                    "and the lockstep envs, are stepped apart)"
                    if same_options
                    else f"is a {slot.task.spec.name} with other options than env {ids[0]} ({slots[0].task.spec.name})"
                )
                raise invalid_argument(
                    f"{field}[{i}]" + (f".{member}" if member else ""),
                    f"env {ids[i]} {why}; one request batches envs of one spec",
                )
        return slots


def gather(spec: TaskSpec, env_ids: list[int], outs: list[StepOut], late_ticks: list[int] | None = None) -> Batch:
    """One Batch from per-env results, row i for env_ids[i]."""
    n = len(outs)
    return Batch(
        spec=spec,
        env_ids=list(env_ids),
        observations=[
            np.stack([out.observations[k] for out in outs]).astype(np.float32, copy=False)
            for k in range(len(spec.observations))
        ],
        reward=np.array([out.reward for out in outs], dtype=np.float64) if spec.has_reward else None,
        status=[out.status for out in outs],
        is_success=[bool(out.is_success) for out in outs],
        info=np.array([out.info for out in outs], dtype=np.float64).reshape(n, len(spec.info_keys)),
        late_ticks=late_ticks,
    )
