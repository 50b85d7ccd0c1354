"""Session: one client's stream — handshake, then requests answered in order.

``Session.handle(request) -> response`` is transport-free: the gRPC handler
in ``server.py`` feeds it every request of the stream, one at a time, and
writes back what it returns, so responses come out in request order and
pipelined requests simply queue. The protocol's rules, in the order they apply:

1. The first request must be a handshake; anything before it fails with
   FAILED_PRECONDITION (and the session goes on).
2. The handshake checks the bearer token (``handshake.token`` or the
   ``authorization: Bearer <token>`` metadata) when the server has one; a
   missing or wrong token raises ``FatalSessionError(UNAUTHENTICATED)``, which
   ends the stream. Then the protocol version: semver, same major as ours, or
   FAILED_PRECONDITION saying both versions.
3. Every other request is dispatched to the ``EnvPool``; a ``ProtocolError``
   becomes ``SessionResponse.error`` for that request only (its id echoed).
   ``compute_reward`` needs no env: it asks the task's factory for its reward
   function (``TaskFactory.compute_reward``) after checking every input.

Watchers (``Watch``, see watch_hub.py): after every reset, lockstep step and
real-time tick the session offers each env's new state to the server's
``WatchHub``; a frame is built only when some watcher takes it, and never
blocks the session.

Real-time envs (``make_envs.realtime_hz > 0``, see realtime.py) advance on
clock threads of their own, so the session's state is guarded by one lock:
every request holds it while it runs, a clock holds it while it ticks. A step
of real-time envs releases it while it waits for its tick; the stream's thread
waits with it (responses stay in order), other sessions never do.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass

import numpy as np

from . import options as opts
from . import tensors
from .catalog import Catalog
from .env_pool import Batch, EnvPool, ResetEntry, Slot
from .errors import (
    FAILED_PRECONDITION,
    INTERNAL,
    UNAUTHENTICATED,
    FatalSessionError,
    ProtocolError,
    failed_precondition,
    invalid_argument,
    number_text,
    shape_text,
    unimplemented,
)
from .specs import ArraySpec, TaskSpec
from .protocol import pb
from .realtime import MAX_HZ, RealtimeGroup
from .watch_hub import EnvView, FrameSource, WatchHub

#: The protocol version this server speaks.
PROTOCOL_VERSION = "1.0.0"

#: Features every session offers (HandshakeResponse.capabilities).
CAPABILITIES = ("vector_envs", "partial_reset", "per_env_seed", "pipelining", "goal_conditioned", "realtime")

#: Announced when some task of the catalogue offers its reward function (never by a black box).
COMPUTE_REWARD = "compute_reward"

#: Announced when the server serves Watch with views (WatchRequest.view; see views.py).
VIEWER_MODEL = "viewer_model"

log = logging.getLogger("simbridge_external")


@dataclass(frozen=True)
class SessionConfig:
    catalog: Catalog
    #: When set, the handshake (or the metadata) must carry this bearer token.
    token: str | None = None
    #: Most envs one session may have open.
    max_envs: int = 64
    #: Largest request accepted, in bytes (checked by the server before decoding).
    max_message_bytes: int = 4 * 1024 * 1024
    server_name: str = "simbridge-external-python"
    #: Extra capabilities ("black_box").
    capabilities: tuple[str, ...] = ()
    #: Where resets and steps go for Watch streams (None: no watching, no "viewer_model").
    hub: WatchHub | None = None


class Malformed:
    """A request the transport could not decode (or that was too large)."""

    def __init__(self, error: ProtocolError) -> None:
        self.error = error


class Session:
    def __init__(self, config: SessionConfig, metadata_token: str | None = None) -> None:
        self.config = config
        self.metadata_token = metadata_token
        self.id = str(uuid.uuid4())
        self.pool = EnvPool(config.catalog, config.max_envs)
        self.handshaken = False
        #: Guards the pool and the real-time groups against the clock threads.
        self.lock = threading.RLock()
        self.realtime: list[RealtimeGroup] = []
        self._groups_made = 0
        self.closed = False
        #: compute_reward requests answered (logged when the session closes).
        self.reward_requests = 0
        self._publish_failed = False

    def handle(self, request) -> object:
        """Answers one request. Raises only FatalSessionError (the stream must end)."""
        if isinstance(request, Malformed):
            return error_response(0, request.error)
        try:
            return self._dispatch(request)
        except FatalSessionError:
            raise
        except ProtocolError as e:
            return error_response(request.id, e)
        except Exception as e:  # a bug in a task must not kill the session
            log.exception("request %d failed", request.id)
            return error_response(request.id, ProtocolError(INTERNAL, f"{type(e).__name__}: {e}"))

    def close(self) -> None:
        """Frees every env of the session and stops its clocks; a step waiting
        for its tick fails. Safe to call twice, and from another thread (the
        server calls it when the RPC ends, even while a step waits)."""
        with self.lock:
            self.closed = True
            for group in self.realtime:
                group.stop()
            self.realtime.clear()
            if self.config.hub is not None:
                self.config.hub.forget(self.id, list(self.pool.slots))
            self.pool.close_all()

    def _publish(self, env_ids: list[int]) -> None:
        """Offers these envs' new state (just reset, stepped or ticked; the lock is held) to the watchers."""
        hub = self.config.hub
        if hub is None or not hub.count:
            return
        try:
            for env_id in env_ids:
                if hub.wants(self.id, env_id):
                    slot = self.pool.slots[env_id]
                    hub.publish(
                        self.id,
                        env_id,
                        FrameSource(
                            lambda env_id=env_id, slot=slot: self._frame_body(env_id, slot), lambda slot=slot: env_view(slot)
                        ),
                    )
        except Exception:  # a bug in a frame or a view must not fail the step, nor stop a real-time clock
            if not self._publish_failed:
                log.exception("session %s: a watch frame failed (logged once per session)", self.id)
            self._publish_failed = True

    def _frame_body(self, env_id: int, slot: Slot) -> bytes:
        """The frame of the env's last reset or step, without what differs per watcher."""
        spec = slot.task.spec
        out = slot.last
        assert out is not None
        frame = pb.WatchFrame(
            session_id=self.id,
            env_id=env_id,
            task=spec.name,
            episode=slot.episode,
            episode_step=slot.episode_step,
            sim_time=float(f"{slot.episode_step * spec.control_dt:.12g}"),
            wall_time_us=time.time_ns() // 1000,
            status=out.status,
            observations=[
                tensors.encode(np.asarray(o, dtype=np.float32).reshape(s.shape)) for o, s in zip(out.observations, spec.observations)
            ],
            is_success=bool(out.is_success),
        )
        if spec.has_reward:
            frame.reward = float(out.reward)
        return frame.SerializeToString()

    def _group_of(self, env_id: int) -> RealtimeGroup | None:
        for group in self.realtime:
            if group.has(env_id):
                return group
        return None

    def _dispatch(self, request):
        kind = request.WhichOneof("payload")
        rid = request.id
        if kind is None:
            raise invalid_argument(
                "payload",
                "request has no payload (expected one of handshake, list_tasks, make_envs, reset, step, "
                "close_envs, realtime_stats, compute_reward)",
            )
        if kind == "handshake":
            return pb.SessionResponse(id=rid, handshake=self._handshake(request.handshake))
        if not self.handshaken:
            raise ProtocolError(
                FAILED_PRECONDITION,
                f"{kind} before handshake: the first request of a session must be a handshake",
                "payload",
            )
        if kind == "list_tasks":
            return pb.SessionResponse(id=rid, list_tasks=list_tasks_response(self.config.catalog))
        if kind == "compute_reward":  # touches no env: no lock
            reward = compute_reward(self.config.catalog, request.compute_reward)
            self.reward_requests += 1
            return pb.SessionResponse(id=rid, compute_reward=pb.ComputeRewardResponse(reward=tensors.encode(reward)))
        if kind == "step":
            return pb.SessionResponse(id=rid, step=step_result(self._step(request.step)))
        with self.lock:
            if self.closed:
                raise failed_precondition("payload", "this session has ended")
            return self._locked(rid, kind, request)

    def _step(self, s) -> Batch:
        """A step: lockstep envs at once; real-time envs at their next tick,
        waited for without the lock."""
        dtype, actions = tensors.decode(s.actions, "step.actions", s.HasField("actions"))
        env_ids = list(s.env_ids)
        with self.lock:
            if self.closed:
                raise failed_precondition("payload", "this session has ended")
            group = self._group_of(env_ids[0]) if env_ids else None
            if group is None:
                batch = self.pool.step(env_ids, dtype, actions)
                self._publish(batch.env_ids)
                return batch
            waiter = group.submit(env_ids, dtype, actions)
        return waiter.wait()

    def _locked(self, rid: int, kind: str, request):
        if kind == "make_envs":
            m = request.make_envs
            hz = m.realtime_hz
            if not (0 <= hz <= MAX_HZ):  # NaN too
                raise invalid_argument(
                    "make_envs.realtime_hz",
                    f"must be 0 (lockstep) or in (0, {MAX_HZ:g}] (real time, Hz), got {number_text(hz)}",
                )
            options = opts.decode(m.options, "make_envs.options")
            # Each real-time make request is a group with a clock of its own: its envs batch only together.
            key = ""
            if hz > 0:
                self._groups_made += 1
                key = f"realtime-{self._groups_made}"
            env_ids, spec = self.pool.make(m.task, m.count, options, key)
            if hz > 0:
                self.realtime.append(RealtimeGroup(self.pool, env_ids, spec, hz, self.lock, on_tick=self._publish))
            return pb.SessionResponse(id=rid, make_envs=pb.MakeEnvsResponse(env_ids=env_ids, spec=spec.to_proto()))
        if kind == "reset":
            entries = [
                ResetEntry(
                    env_id=e.env_id,
                    seed=e.seed if e.HasField("seed") else None,
                    options=opts.decode(e.options, f"reset.envs[{i}].options"),
                )
                for i, e in enumerate(request.reset.envs)
            ]
            batch = self.pool.reset(entries)
            group = self._group_of(batch.env_ids[0])
            if group is not None:
                group.after_reset(batch.env_ids)
            self._publish(batch.env_ids)
            return pb.SessionResponse(id=rid, reset=step_result(batch))
        if kind == "close_envs":
            closed = self.pool.close(list(request.close_envs.env_ids))
            if self.config.hub is not None:
                self.config.hub.forget(self.id, closed)
            for group in self.realtime:
                group.remove(closed)
            self.realtime = [g for g in self.realtime if g.clocks]
            return pb.SessionResponse(id=rid, close_envs=pb.CloseEnvsResponse(env_ids=closed))
        if kind == "realtime_stats":
            wanted = list(request.realtime_stats.env_ids)
            for i, env_id in enumerate(wanted):
                field = f"realtime_stats.env_ids[{i}]"
                self.pool.slot(env_id, field)  # NOT_FOUND for unknown ids
                if self._group_of(env_id) is None:
                    raise failed_precondition(
                        field, f"env {env_id} is not a real-time env (make it with make_envs.realtime_hz > 0)"
                    )
            stats = [e for g in self.realtime for e in g.stats() if not wanted or e.env_id in wanted]
            return pb.SessionResponse(
                id=rid,
                realtime_stats=pb.RealtimeStatsResponse(
                    envs=[
                        pb.RealtimeEnvStats(
                            env_id=e.env_id,
                            hz=e.hz,
                            ticks=e.ticks,
                            held_ticks=e.held_ticks,
                            late_steps=e.late_steps,
                            jitter_us_p50=e.jitter_us_p50,
                            jitter_us_p99=e.jitter_us_p99,
                        )
                        for e in stats
                    ]
                ),
            )
        raise invalid_argument("payload", f"unknown request kind {kind}")

    def _handshake(self, h):
        config = self.config
        if config.token is not None:
            given = h.token or self.metadata_token or ""
            if not hmac.compare_digest(given.encode(), config.token.encode()):
                raise FatalSessionError(
                    UNAUTHENTICATED,
                    "wrong bearer token"
                    if given
                    else "this server requires a bearer token (handshake.token or `authorization: Bearer …` metadata)",
                )
        theirs = parse_semver(h.protocol_version)
        if theirs is None:
            raise invalid_argument(
                "handshake.protocol_version", f"'{h.protocol_version}' is not a semver like 1.0.0"
            )
        ours = parse_semver(PROTOCOL_VERSION)
        if theirs[0] != ours[0]:
            raise failed_precondition(
                "handshake.protocol_version",
                f"protocol major version mismatch: client speaks {h.protocol_version}, "
                f"this server speaks {PROTOCOL_VERSION}; use a {ours[0]}.x client",
            )
        self.handshaken = True
        log.info("session %s: handshake from %r (protocol %s)", self.id, h.client_name, h.protocol_version)
        return pb.HandshakeResponse(
            protocol_version=PROTOCOL_VERSION,
            server_name=config.server_name,
            capabilities=list(
                CAPABILITIES
                + config.capabilities
                + ((COMPUTE_REWARD,) if config.catalog.offers_reward_function() else ())
                + ((VIEWER_MODEL,) if config.hub is not None else ())
            ),
            max_envs=config.max_envs,
            max_message_bytes=config.max_message_bytes,
            session_id=self.id,
        )


def env_view(slot: Slot) -> tuple[EnvView, bytes] | None:
    """The env's view (its model's key and the serialised model, built on first use and
    kept in the slot) and ``WatchFrame(view_model_key, body_poses)`` of its state now;
    None when its task has no view."""
    if slot.view is None:
        model = slot.task.view_model()
        if model is None:
            slot.view = False
        else:
            key = model.key(slot.task.spec.name)
            slot.view = EnvView(key, pb.WatchFrame(view_model=model.to_proto()).SerializeToString())
    view = slot.view
    if view is False:
        return None
    assert isinstance(view, EnvView)
    body_poses = np.asarray(slot.task.body_poses(), dtype=np.float32)
    return view, pb.WatchFrame(view_model_key=view.key, body_poses=tensors.encode(body_poses)).SerializeToString()


def compute_reward(catalog: Catalog, r) -> np.ndarray:
    """The reward of each (achieved_goal, desired_goal) pair of a compute_reward
    request: float64 [n]. Every input is checked first: the task (NOT_FOUND),
    its options (INVALID_ARGUMENT), that it has a reward function
    (UNIMPLEMENTED: a black box, a task without one — fixed by what the server
    offers, not a state the client could change), then both tensors: present,
    FLOAT32, shape [n, *goal shape] with the same n, finite (INVALID_ARGUMENT)."""
    factory = catalog.get(r.task, "compute_reward.task")
    options = opts.decode(r.options, "compute_reward.options")
    opts.check(factory.spec({}).make_options, options, f"{r.task} make option", "compute_reward.options")
    try:
        spec = factory.spec(options)
    except ProtocolError as e:  # a factory names its make options as make_envs.options.*
        field = e.field.replace("make_envs.options", "compute_reward.options", 1)
        raise ProtocolError(e.code, e.message.replace(e.field, field, 1), field) from None
    achieved_spec = next((o for o in spec.observations if o.name == "achieved_goal"), None)
    desired_spec = next((o for o in spec.observations if o.name == "desired_goal"), None)
    if not spec.has_reward_function or spec.black_box or achieved_spec is None or desired_spec is None:
        raise unimplemented("compute_reward.task", _no_reward_function(spec))
    achieved = _goals(r.achieved_goal, r.HasField("achieved_goal"), achieved_spec, "compute_reward.achieved_goal", None)
    desired = _goals(r.desired_goal, r.HasField("desired_goal"), desired_spec, "compute_reward.desired_goal", len(achieved))
    reward = np.asarray(factory.compute_reward(options, achieved, desired), dtype=np.float64)
    if reward.shape != (len(achieved),):
        raise ProtocolError(INTERNAL, f"{r.task}'s compute_reward returned shape {shape_text(reward.shape)} for {len(achieved)} pairs")
    return reward


def _no_reward_function(spec: TaskSpec) -> str:
    if spec.black_box:
        why = "is served as a black box: it has no reward function to query"
    elif not spec.goal_conditioned:
        why = "is not goal-conditioned: it has no reward function of (achieved_goal, desired_goal)"
    else:
        why = "offers no reward function here"
    return f"{spec.name} {why} (has_reward_function is false); learn a reward instead (--reward gahil)"


def _goals(tensor, present: bool, spec: ArraySpec, field: str, rows: int | None) -> np.ndarray:
    """One goal tensor: FLOAT32 [n, *spec.shape] (n = `rows` when given), finite."""
    dtype, array = tensors.decode(tensor, field, present)
    if dtype != "float32":
        raise invalid_argument(field, f"expected dtype float32 but got {dtype}")
    if rows is None:
        if array.ndim != len(spec.shape) + 1:
            raise invalid_argument(
                field, f"expected shape [n, {', '.join(map(str, spec.shape))}] (n pairs) but got {shape_text(array.shape)}"
            )
        rows = array.shape[0]
    expected = (rows, *spec.shape)
    if array.shape != expected:
        raise invalid_argument(field, f"expected shape {shape_text(expected)} but got {shape_text(array.shape)}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        k = int(bad[0])
        pair, element = divmod(k, spec.size)
        raise invalid_argument(
            field, f"element {element} of pair {pair} is {number_text(float(array.flat[k]))}; values must be finite"
        )
    return array


def list_tasks_response(catalog: Catalog):
    return pb.ListTasksResponse(tasks=[spec.to_proto() for spec in catalog.specs()])


def error_response(rid: int, e: ProtocolError):
    return pb.SessionResponse(id=rid, error=pb.Error(code=e.code, message=e.message, field=e.field))


def step_result(batch: Batch):
    n = len(batch.env_ids)
    result = pb.StepResult(
        env_ids=batch.env_ids,
        observations=[tensors.encode(o) for o in batch.observations],
        status=batch.status,
        is_success=batch.is_success,
        info=tensors.encode(batch.info, (n, len(batch.spec.info_keys))),
    )
    if batch.reward is not None:
        result.reward.CopyFrom(tensors.encode(batch.reward))
    if batch.late_ticks is not None:
        result.late_ticks.extend(batch.late_ticks)
    return result


def parse_semver(version: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", version or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
