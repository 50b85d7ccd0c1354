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
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from dataclasses import dataclass

from . import options as opts
from . import tensors
from .catalog import Catalog
from .env_pool import Batch, EnvPool, ResetEntry
from .errors import (
    FAILED_PRECONDITION,
    INTERNAL,
    UNAUTHENTICATED,
    FatalSessionError,
    ProtocolError,
    failed_precondition,
    invalid_argument,
)
from .protocol import pb

#: The protocol version this server speaks.
PROTOCOL_VERSION = "1.0.0"

#: Features every session offers (HandshakeResponse.capabilities).
CAPABILITIES = ("vector_envs", "partial_reset", "per_env_seed", "pipelining", "goal_conditioned")

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
    #: Extra capabilities ("black_box", "real_time").
    capabilities: tuple[str, ...] = ()


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
        """Frees every env of the session."""
        self.pool.close_all()

    def _dispatch(self, request):
        kind = request.WhichOneof("payload")
        rid = request.id
        if kind is None:
            raise invalid_argument(
                "payload",
                "request has no payload (expected one of handshake, list_tasks, make_envs, reset, step, close_envs)",
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
        if kind == "make_envs":
            m = request.make_envs
            env_ids, spec = self.pool.make(m.task, m.count, opts.decode(m.options, "make_envs.options"))
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
            return pb.SessionResponse(id=rid, reset=step_result(self.pool.reset(entries)))
        if kind == "step":
            s = request.step
            dtype, actions = tensors.decode(s.actions, "step.actions", s.HasField("actions"))
            return pb.SessionResponse(id=rid, step=step_result(self.pool.step(list(s.env_ids), dtype, actions)))
        if kind == "close_envs":
            closed = self.pool.close(list(request.close_envs.env_ids))
            return pb.SessionResponse(id=rid, close_envs=pb.CloseEnvsResponse(env_ids=closed))
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
            capabilities=list(CAPABILITIES + config.capabilities),
            max_envs=config.max_envs,
            max_message_bytes=config.max_message_bytes,
            session_id=self.id,
        )


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
    return result


def parse_semver(version: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", version or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
