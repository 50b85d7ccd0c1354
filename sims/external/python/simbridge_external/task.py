"""Task: one environment instance — the part you replace with your robot.

The server never trusts a request to reach a task unchecked: ``EnvPool``
checks env ids, episode state, action shape, dtype and finiteness, and option
names and types first. So a task only has to:

- ``reset(seed, options)``: start an episode. The same seed and the same
  actions must give a bit-identical trajectory; without a seed, continue the
  task's own random stream. Return the first ``StepOut`` (status RUNNING,
  reward 0).
- ``step(action)``: advance one control step with a finite float32 action of
  the spec's shape (clip it to the bounds yourself). Count steps and report
  TRUNCATED at ``spec.max_episode_steps`` (TERMINATED wins when both happen).
  The pool never steps an episode that has ended.
- ``check_reset_options(options, field)``: refuse bad reset option *values*
  before any env of the request is touched (a failed request changes nothing).
- ``close()``: release the simulator or the robot.

Optional, to be drawn by ``simbridge view`` (capability ``viewer_model``,
see views.py): ``view_model()``, the task's bodies and geoms (the same for
every call), and ``body_poses()``, float32 ``[len(bodies), 7]`` world poses of
the current state. The server calls ``body_poses`` right after a reset or step,
only for watchers that asked for views.

A ``TaskFactory`` makes tasks of one name: ``spec(options)`` validates make
options and returns the spec they give; ``create(options)`` builds a task.

Optional, for a white-box goal-conditioned task: ``compute_reward(options,
achieved, desired)``, its reward function (Gymnasium-Robotics'
``compute_reward``) over n goal pairs, so that a client relabelling goals
(HER) gets the true reward. Set ``has_reward_function=True`` in the spec to
offer it; the server then announces the capability ``compute_reward`` and
answers the request. The reward of a pair must be the reward a step gets with
those goals in its observation, computed from the float32 values the
observation carries (so the two agree exactly). A black box never offers it.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from .specs import TaskSpec
from .views import ViewModel

# simbridge.v1.StepStatus
RUNNING = 1
TERMINATED = 2
TRUNCATED = 3

STATUS_NAMES = {RUNNING: "RUNNING", TERMINATED: "TERMINATED", TRUNCATED: "TRUNCATED"}


@dataclass
class StepOut:
    """The result of one reset or step of one env."""

    #: One float32 array per ``spec.observations`` entry, in that order.
    observations: list[np.ndarray]
    #: The step's reward (ignored when the spec withholds reward). 0 after reset.
    reward: float
    #: RUNNING, TERMINATED or TRUNCATED.
    status: int
    #: Whether the episode's goal is reached at this step.
    is_success: bool
    #: float64 values in ``spec.info_keys`` order.
    info: np.ndarray


class Task(abc.ABC):
    """One env. See the module doc for the contract."""

    spec: TaskSpec

    def check_reset_options(self, options: dict, field: str) -> None:
        """Raise ProtocolError for bad reset option values (names and types are checked already)."""

    @abc.abstractmethod
    def reset(self, seed: int | None, options: dict) -> StepOut: ...

    @abc.abstractmethod
    def step(self, action: np.ndarray) -> StepOut: ...

    def close(self) -> None:
        """Release what the task holds (a simulator, a robot connection)."""

    def view_model(self) -> ViewModel | None:
        """How a viewer draws this task (see views.py); None: no view (the viewer draws the goals alone)."""
        return None

    def body_poses(self) -> np.ndarray:
        """float32 [len(view_model().bodies), 7]: each body's world pose now (x, y, z, qw, qx, qy, qz)."""
        raise NotImplementedError(f"{self.spec.name} has a view_model but no body_poses")


class TaskFactory(abc.ABC):
    """Makes tasks of one name."""

    name: str

    @abc.abstractmethod
    def spec(self, options: dict) -> TaskSpec:
        """The spec under `options` (names and types already checked against the
        default spec's make_options); raise ProtocolError for bad values."""

    @abc.abstractmethod
    def create(self, options: dict) -> Task: ...

    def compute_reward(self, options: dict, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """The reward of each of n goal pairs: float64 [n] from float32 ``achieved``
        and ``desired`` of shape [n, *goal shape] (checked already: shapes,
        finiteness, option names and types). Only called when the spec under
        `options` has ``has_reward_function``."""
        raise NotImplementedError(f"{self.name} says has_reward_function but has no compute_reward")
