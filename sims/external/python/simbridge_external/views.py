"""Views: how a viewer draws a task's envs (``simbridge.v1.ViewModel``, capability "viewer_model").

A task that wants to be drawn by ``simbridge view`` declares a ``ViewModel``
once — its bodies, and the simple geoms fixed to each — and poses the bodies
after every reset and step (``Task.body_poses``: float32 ``[len(bodies), 7]``,
x, y, z then the quaternion w, x, y, z, in the world, which is z-up). Sizes
follow MuJoCo's conventions (``proto/simbridge/v1/view.proto``):

    PLANE     [half x, half y]            SPHERE   [radius]
    CAPSULE   [radius, half length] (z)   CYLINDER [radius, half height] (z)
    ELLIPSOID [rx, ry, rz]                BOX      [half x, half y, half z]

The server sends a model to each watcher once per key: ``key(task)`` is the
task's name and a hash of the model's content, so envs whose models are the
same share it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from .protocol import pb

# simbridge.v1.ViewGeomShape
PLANE = 1
SPHERE = 2
CAPSULE = 3
ELLIPSOID = 4
CYLINDER = 5
BOX = 6

#: Values per body pose: x, y, z, qw, qx, qy, qz.
POSE_SIZE = 7

IDENTITY = (1.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class ViewGeom:
    """One geom: a shape at a fixed pose in its body's frame."""

    body: int
    shape: int
    size: tuple[float, ...]
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat: tuple[float, float, float, float] = IDENTITY
    #: red, green, blue, alpha in [0, 1]; empty: the viewer's grey.
    rgba: tuple[float, ...] = ()

    def to_proto(self):
        return pb.ViewGeom(
            body=self.body, shape=self.shape, size=list(self.size), pos=list(self.pos), quat=list(self.quat), rgba=list(self.rgba)
        )


@dataclass(frozen=True)
class ViewModel:
    """What a viewer needs to draw the envs of one task (under its make options)."""

    #: Body i is posed by row i of ``Task.body_poses()``; list a fixed "world" body too.
    bodies: tuple[str, ...]
    geoms: tuple[ViewGeom, ...]
    #: Height of 2-value goals (desired_goal, achieved_goal), and their markers' radius.
    goal_z: float = 0.0
    marker_radius: float = 0.0
    camera_target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: 0: the viewer decides.
    camera_distance: float = 0.0
    #: A body the camera follows in x, y; 0: the camera stays put.
    follow_body: int = 0

    def to_proto(self):
        return pb.ViewModel(
            bodies=list(self.bodies),
            geoms=[g.to_proto() for g in self.geoms],
            goal_z=self.goal_z,
            marker_radius=self.marker_radius,
            camera_target=list(self.camera_target),
            camera_distance=self.camera_distance,
            follow_body=self.follow_body,
        )

    def key(self, task: str) -> str:
        """``task#<16 hex digits of the content's SHA-256>``: the same model, the same key."""
        digest = hashlib.sha256(self.to_proto().SerializeToString(deterministic=True)).hexdigest()
        return f"{task}#{digest[:16]}"


def planar_pose(x: float, y: float, heading: float = 0.0, z: float = 0.0) -> tuple[float, ...]:
    """The pose of a body at (x, y, z) turned by `heading` (rad) about the world's z axis."""
    return (x, y, z, math.cos(heading / 2), 0.0, 0.0, math.sin(heading / 2))


def poses(*rows: tuple[float, ...]) -> np.ndarray:
    """Body poses as float32 [len(rows), 7]."""
    return np.array(rows, dtype=np.float32).reshape(len(rows), POSE_SIZE)
