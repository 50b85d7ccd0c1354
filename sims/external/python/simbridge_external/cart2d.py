"""Cart2D-v0 — a two-wheeled (differential-drive) cart that must drive to a goal.

**This is the file you replace.** It stands in for your simulator or robot:
``Cart2DTask.reset`` / ``Cart2DTask.step`` are where a Unity scene would be
reset and advanced, or where a real robot would receive wheel commands and
report its pose. Everything else in this package (protocol, checks, sessions,
server) stays as it is.

A cart with two driven wheels on a common axle moves in a walled square arena
(x, y in [-1, 1] m). Each wheel pushes with a force; the sum drives the cart
forward, the difference turns it. The cart has mass and rotational inertia,
and friction slows it down, so it coasts and must brake: reaching a point
takes planning, not just pointing at it.

## Action space
| index | action                      | min | max | unit            |
|-------|-----------------------------|-----|-----|-----------------|
| 0     | left wheel force command    | -1  | 1   | x MAX_FORCE (N) |
| 1     | right wheel force command   | -1  | 1   | x MAX_FORCE (N) |
Out-of-range actions are clipped to [-1, 1].

## Observation space (goal-conditioned)
| key           | shape | contents                                              |
|---------------|-------|-------------------------------------------------------|
| observation   | [6]   | x, y (m); cos θ, sin θ; forward speed v (m/s); turn rate ω (rad/s) |
| achieved_goal | [2]   | x, y                                                  |
| desired_goal  | [2]   | goal x, y                                             |

## Dynamics (semi-implicit Euler, SUBSTEPS per control step)
    F = MAX_FORCE · (left + right)          τ = MAX_FORCE · HALF_TRACK · (right − left)
    v ← v + dt · (F / MASS − LINEAR_FRICTION · v)
    ω ← ω + dt · (τ / INERTIA − ANGULAR_FRICTION · ω)
    θ ← θ + dt · ω ;  x ← x + dt · v cos θ ;  y ← y + dt · v sin θ
Friction is viscous (rolling resistance and motor losses lumped together), so
the top speed is V_MAX = 2·MAX_FORCE / (MASS·LINEAR_FRICTION) = 1 m/s and the
top turn rate W_MAX = 5 rad/s. Hitting a wall stops the cart (v = 0) at the wall.

## Reward (when not a black box)
Sparse: −1 while ‖(x, y) − goal‖ ≥ ``distance_threshold`` (default 0.05 m),
0 once within it, judged on the float32 ``achieved_goal`` and ``desired_goal``
of the step's observation. ``compute_reward(achieved, desired)`` is that
function: the server offers it to clients (``compute_reward`` request,
capability ``compute_reward``, ``has_reward_function`` in the spec), so a
learner relabelling goals (HER) gets exactly the rewards steps get.
Served as a black box (``--black-box``) the reward is withheld: steps carry
only ``is_success``, like a robot that can tell it arrived but has no reward,
and there is no reward function to ask.

## Episode end
TRUNCATED after ``max_episode_steps`` (default 100 steps = 5 s). With the
make option ``terminate_on_success`` the episode is TERMINATED at the first
step within the threshold (TERMINATED wins over TRUNCATED).

## Starting state
Position uniform in [−0.5, 0.5]², heading uniform in [−π, π), at rest; goal
uniform in [−0.8, 0.8]² (or the ``goal`` reset option). Random numbers come
from numpy's PCG64 generator: the same seed gives the same start and goal, and
the same actions then give a bit-identical trajectory.

## Info
``distance`` (m, to the goal; withheld in a black box) and ``speed`` (|v|, m/s).

## View
For ``simbridge view`` (capability ``viewer_model``, see views.py): body 0 is
the world (the floor and the four walls), body 1 the cart — a chassis box, two
wheels on the axle and an orange nose at the front — posed from (x, y,
heading). Goals are drawn at ``GOAL_Z``.

## Version history
- v0: initial version; later reward and success judged on the float32 goals
  of the observation (they differed from the float64 state's only within
  float32 rounding of the threshold), and ``compute_reward`` offered.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import invalid_argument, number_text
from .specs import OptionSpec, TaskSpec, bounded
from .task import RUNNING, TERMINATED, TRUNCATED, StepOut, Task, TaskFactory
from .views import BOX, CYLINDER, PLANE, SPHERE, ViewGeom, ViewModel, planar_pose, poses

NAME = "Cart2D-v0"

# Physical constants (SI units).
MASS = 1.0  # kg
INERTIA = 0.01  # kg m^2, about the vertical axis
HALF_TRACK = 0.1  # m, half the distance between the wheels
MAX_FORCE = 1.0  # N per wheel at action ±1
LINEAR_FRICTION = 2.0  # 1/s
ANGULAR_FRICTION = 4.0  # 1/s
ARENA = 1.0  # m, walls at ±ARENA
V_MAX = 2 * MAX_FORCE / (MASS * LINEAR_FRICTION)
W_MAX = 2 * MAX_FORCE * HALF_TRACK / (INERTIA * ANGULAR_FRICTION)

CONTROL_DT = 0.05  # s per control step (20 Hz)
SUBSTEPS = 5  # integration steps per control step
MAX_EPISODE_STEPS = 1_000_000  # largest max_episode_steps option accepted

MAKE_OPTIONS = (
    OptionSpec("max_episode_steps", "number", "Steps until the episode is truncated.", 100),
    OptionSpec("distance_threshold", "number", "Success radius around the goal, in metres.", 0.05),
    OptionSpec("terminate_on_success", "bool", "End the episode (TERMINATED) when the goal is reached.", False),
)
RESET_OPTIONS = (OptionSpec("goal", "tensor", "Goal position (x, y) in [-1, 1]^2 instead of a random one."),)


# The view: sizes in metres, MuJoCo conventions (views.py).
WHEEL_RADIUS = 0.04
GOAL_Z = 0.04  # goal markers float at the chassis' height
_WALL = (0.55, 0.5, 0.45, 1.0)
_QUARTER_X = (math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0)  # a cylinder's axis along y
VIEW_MODEL = ViewModel(
    bodies=("world", "cart"),
    geoms=(
        ViewGeom(0, PLANE, (ARENA, ARENA, 0.0), rgba=(0.85, 0.87, 0.85, 1.0)),
        *(
            ViewGeom(0, BOX, (0.02, ARENA + 0.04, 0.04), pos=(side * (ARENA + 0.02), 0.0, 0.04), rgba=_WALL)
            for side in (-1, 1)
        ),
        *(
            ViewGeom(0, BOX, (ARENA + 0.04, 0.02, 0.04), pos=(0.0, side * (ARENA + 0.02), 0.04), rgba=_WALL)
            for side in (-1, 1)
        ),
        ViewGeom(1, BOX, (0.08, HALF_TRACK - 0.025, 0.025), pos=(0.0, 0.0, WHEEL_RADIUS + 0.01), rgba=(0.2, 0.45, 0.85, 1.0)),
        *(
            ViewGeom(1, CYLINDER, (WHEEL_RADIUS, 0.012, 0.0), pos=(0.0, side * HALF_TRACK, WHEEL_RADIUS), quat=_QUARTER_X, rgba=(0.15, 0.15, 0.15, 1.0))
            for side in (-1, 1)
        ),
        ViewGeom(1, SPHERE, (0.02, 0.0, 0.0), pos=(0.07, 0.0, WHEEL_RADIUS + 0.04), rgba=(0.8, 0.15, 0.15, 1.0)),
    ),
    goal_z=GOAL_Z,
    marker_radius=0.04,
    camera_target=(0.0, 0.0, 0.0),
    camera_distance=3.4 * ARENA,
)


def compute_reward(achieved, desired, distance_threshold: float = 0.05) -> float:
    """The sparse reward: 0 within `distance_threshold` of the goal, else −1.
    `achieved` and `desired` are (x, y) pairs of Python floats (of float32 values)."""
    return 0.0 if math.hypot(achieved[0] - desired[0], achieved[1] - desired[1]) < distance_threshold else -1.0


def compute_rewards(achieved: np.ndarray, desired: np.ndarray, distance_threshold: float = 0.05) -> np.ndarray:
    """`compute_reward` of each row of float32 [n, 2] goal arrays: float64 [n].
    Row by row with the same arithmetic as a step, so the two agree exactly."""
    return np.array(
        [compute_reward(a, d, distance_threshold) for a, d in zip(achieved.tolist(), desired.tolist())],
        dtype=np.float64,
    )


def _float32s(*values: float) -> list[float]:
    """`values` rounded to float32, as the observation carries them."""
    return np.array(values, dtype=np.float32).tolist()


class Cart2DTask(Task):
    """One cart. State in Python floats (fast for scalar physics); output as float32 arrays."""

    def __init__(self, spec: TaskSpec, threshold: float, terminate_on_success: bool) -> None:
        self.spec = spec
        self.threshold = threshold
        self.terminate_on_success = terminate_on_success
        self.rng = np.random.Generator(np.random.PCG64())  # reseeded by reset(seed)
        self.x = self.y = self.heading = self.v = self.w = 0.0
        self.goal_x = self.goal_y = 0.0
        self.t = 0

    def check_reset_options(self, options: dict, field: str) -> None:
        goal = options.get("goal")
        if goal is not None and (goal.size != 2 or np.abs(goal).max() > ARENA):
            values = ", ".join(number_text(v) for v in goal.tolist())
            raise invalid_argument(f"{field}.goal", f"expected 2 values in [-1, 1] but got [{values}]")

    def reset(self, seed: int | None, options: dict) -> StepOut:
        if seed is not None:
            self.rng = np.random.Generator(np.random.PCG64(seed))
        self.x = float(self.rng.uniform(-0.5, 0.5))
        self.y = float(self.rng.uniform(-0.5, 0.5))
        self.heading = float(self.rng.uniform(-math.pi, math.pi))
        self.v = self.w = 0.0
        goal = options.get("goal")
        if goal is not None:
            self.goal_x, self.goal_y = float(goal[0]), float(goal[1])
        else:
            self.goal_x = float(self.rng.uniform(-0.8, 0.8))
            self.goal_y = float(self.rng.uniform(-0.8, 0.8))
        self.t = 0
        return self._out(0.0, RUNNING)

    def step(self, action: np.ndarray) -> StepOut:
        left = min(1.0, max(-1.0, float(action[0])))
        right = min(1.0, max(-1.0, float(action[1])))
        acceleration = MAX_FORCE * (left + right) / MASS
        angular_acceleration = MAX_FORCE * HALF_TRACK * (right - left) / INERTIA
        dt = CONTROL_DT / SUBSTEPS
        for _ in range(SUBSTEPS):
            self.v = min(V_MAX, max(-V_MAX, self.v + dt * (acceleration - LINEAR_FRICTION * self.v)))
            self.w = min(W_MAX, max(-W_MAX, self.w + dt * (angular_acceleration - ANGULAR_FRICTION * self.w)))
            self.heading = (self.heading + dt * self.w + math.pi) % (2 * math.pi) - math.pi
            self.x += dt * self.v * math.cos(self.heading)
            self.y += dt * self.v * math.sin(self.heading)
            if abs(self.x) > ARENA or abs(self.y) > ARENA:  # a wall: stop there
                self.x = min(ARENA, max(-ARENA, self.x))
                self.y = min(ARENA, max(-ARENA, self.y))
                self.v = 0.0
        self.t += 1
        success = self._success()
        if success and self.terminate_on_success:
            status = TERMINATED
        elif self.t >= self.spec.max_episode_steps:
            status = TRUNCATED
        else:
            status = RUNNING
        return self._out(0.0 if success else -1.0, status)

    def view_model(self) -> ViewModel:
        return VIEW_MODEL

    def body_poses(self) -> np.ndarray:
        """The world at the origin; the cart at (x, y) on the floor, turned by its heading."""
        return poses(planar_pose(0.0, 0.0), planar_pose(self.x, self.y, self.heading))

    def _distance(self) -> float:
        return math.hypot(self.x - self.goal_x, self.y - self.goal_y)

    def _success(self) -> bool:
        """Within the threshold, judged on the float32 goals the observation carries
        (as ``compute_reward`` judges the goals a client sends)."""
        achieved = _float32s(self.x, self.y)
        desired = _float32s(self.goal_x, self.goal_y)
        return compute_reward(achieved, desired, self.threshold) == 0.0

    def _out(self, reward: float, status: int) -> StepOut:
        distance = self._distance()
        info = [abs(self.v)] if self.spec.black_box else [distance, abs(self.v)]
        return StepOut(
            observations=[
                np.array(
                    [self.x, self.y, math.cos(self.heading), math.sin(self.heading), self.v, self.w], dtype=np.float32
                ),
                np.array([self.x, self.y], dtype=np.float32),
                np.array([self.goal_x, self.goal_y], dtype=np.float32),
            ],
            reward=reward,
            status=status,
            is_success=self._success(),
            info=np.array(info, dtype=np.float64),
        )


class Cart2D(TaskFactory):
    """Makes Cart2D-v0 tasks; `black_box=True` serves them without reward."""

    name = NAME

    def __init__(self, black_box: bool = False) -> None:
        self.black_box = black_box

    def spec(self, options: dict) -> TaskSpec:
        steps = options.get("max_episode_steps", 100)
        if not (float(steps).is_integer() and 1 <= steps <= MAX_EPISODE_STEPS):
            raise invalid_argument(
                "make_envs.options.max_episode_steps",
                f"must be an integer in [1, {MAX_EPISODE_STEPS}], got {number_text(steps)}",
            )
        threshold = options.get("distance_threshold", 0.05)
        if not threshold > 0:
            raise invalid_argument(
                "make_envs.options.distance_threshold", f"must be positive, got {number_text(threshold)}"
            )
        return TaskSpec(
            name=NAME,
            description=(
                "A two-wheeled differential-drive cart with inertia and friction driving to a goal in a walled "
                "2 m square; sparse reward (or a black box reporting only success), goal-conditioned. "
                "The Python reference external environment."
            ),
            observations=(
                bounded("observation", (6,), [-ARENA, -ARENA, -1, -1, -V_MAX, -W_MAX], [ARENA, ARENA, 1, 1, V_MAX, W_MAX]),
                bounded("achieved_goal", (2,), -ARENA, ARENA),
                bounded("desired_goal", (2,), -ARENA, ARENA),
            ),
            action=bounded("action", (2,), -1, 1),
            has_reward=not self.black_box,
            goal_conditioned=True,
            black_box=self.black_box,
            has_reward_function=not self.black_box,
            max_episode_steps=int(steps),
            control_dt=CONTROL_DT,
            info_keys=("speed",) if self.black_box else ("distance", "speed"),
            make_options=MAKE_OPTIONS,
            reset_options=RESET_OPTIONS,
        )

    def compute_reward(self, options: dict, achieved: np.ndarray, desired: np.ndarray) -> np.ndarray:
        """The sparse reward of each goal pair under `options` (``distance_threshold``)."""
        return compute_rewards(achieved, desired, float(options.get("distance_threshold", 0.05)))

    def create(self, options: dict) -> Cart2DTask:
        return Cart2DTask(
            self.spec(options),
            threshold=float(options.get("distance_threshold", 0.05)),
            terminate_on_success=bool(options.get("terminate_on_success", False)),
        )
