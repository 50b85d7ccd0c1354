"""Specs: what a task's tensors and options look like (``simbridge.v1.TaskSpec``).

A client reads the spec before its first step to size its networks and check
its inputs; the server checks every action against it. Write your robot's spec
with these three dataclasses; ``to_proto`` turns them into protocol messages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .protocol import pb
from .tensors import WIRE_DTYPE


@dataclass(frozen=True)
class ArraySpec:
    """One tensor of one env (no batch dimension)."""

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"
    #: Per-element bounds (product(shape) values each), or None when unbounded.
    minimum: tuple[float, ...] | None = None
    maximum: tuple[float, ...] | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def to_proto(self):
        return pb.ArraySpec(
            name=self.name,
            dtype=WIRE_DTYPE[self.dtype],
            shape=list(self.shape),
            minimum=list(self.minimum or ()),
            maximum=list(self.maximum or ()),
        )


def bounded(name: str, shape: tuple[int, ...], low, high, dtype: str = "float32") -> ArraySpec:
    """An ArraySpec with bounds; `low`/`high` are one number for every element or one per element."""
    size = int(np.prod(shape, dtype=np.int64))

    def fill(v) -> tuple[float, ...]:
        values = [float(v)] * size if np.isscalar(v) else [float(x) for x in v]
        if len(values) != size:
            raise ValueError(f"{name}: bounds have {len(values)} elements, shape needs {size}")
        return tuple(values)

    return ArraySpec(name, tuple(shape), dtype, fill(low), fill(high))


@dataclass(frozen=True)
class OptionSpec:
    """One option a task accepts at make or at reset."""

    name: str
    #: "number", "bool", "string" or "tensor".
    type: str
    doc: str
    default: float | bool | str | None = None

    def to_proto(self):
        message = pb.OptionSpec(name=self.name, type=self.type, doc=self.doc)
        if isinstance(self.default, bool):
            message.default_value.flag = self.default
        elif isinstance(self.default, (int, float)):
            message.default_value.number = float(self.default)
        elif isinstance(self.default, str):
            message.default_value.text = self.default
        return message


@dataclass(frozen=True)
class TaskSpec:
    """Everything a client needs to know about a task before it steps it."""

    name: str
    description: str
    observations: tuple[ArraySpec, ...]
    action: ArraySpec
    has_reward: bool
    goal_conditioned: bool
    black_box: bool
    max_episode_steps: int
    control_dt: float
    info_keys: tuple[str, ...] = ()
    make_options: tuple[OptionSpec, ...] = ()
    reset_options: tuple[OptionSpec, ...] = ()
    #: The factory answers ``compute_reward`` for this task (white box, goal-conditioned;
    #: see ``TaskFactory.compute_reward``). False for a black box.
    has_reward_function: bool = False

    def with_info_keys(self, *keys: str) -> "TaskSpec":
        """This spec with more info keys appended (for wrappers)."""
        return replace(self, info_keys=self.info_keys + tuple(keys))

    def to_proto(self):
        return pb.TaskSpec(
            name=self.name,
            description=self.description,
            observations=[o.to_proto() for o in self.observations],
            action=self.action.to_proto(),
            has_reward=self.has_reward,
            goal_conditioned=self.goal_conditioned,
            black_box=self.black_box,
            has_reward_function=self.has_reward_function and not self.black_box,
            max_episode_steps=self.max_episode_steps,
            control_dt=self.control_dt,
            info_keys=list(self.info_keys),
            make_options=[o.to_proto() for o in self.make_options],
            reset_options=[o.to_proto() for o in self.reset_options],
        )
