"""The gRPC server and its command line.

    python3 -m simbridge_external --port 0 [--host 127.0.0.1] [--token T] [--black-box]

prints ``simbridge listening on HOST:PORT`` as its first line of stdout once it
accepts connections (with --port 0 the system picks a free port), then serves
until SIGINT or SIGTERM.

Wiring, in one place:
- ``simbridge.v1.EnvironmentService/Session``: one thread per stream runs a
  ``Session`` over the stream's requests, in order. The handlers are registered
  with ``grpc.method_handlers_generic_handler`` rather than generated servicer
  classes so that the request decoder can be our own: a request that does not
  decode, or is larger than ``--max-message-bytes``, becomes an error response
  (id 0) on a session that goes on, instead of a dead stream. Only a request
  beyond the transport limit (twice that, at least 1 MiB more) ends the stream
  with RESOURCE_EXHAUSTED — gRPC itself refuses it. When the call ends (the
  client went away, or the server stops) the session is closed at once, even
  while a real-time step waits for its tick.
- ``simbridge.v1.EnvironmentService/ListTasks``: the catalogue as a unary call,
  guarded by the same token (``authorization: Bearer <token>`` metadata).
- ``simbridge.v1.EnvironmentService/Watch``: live frames of every session's
  envs (watch_hub.py), guarded by the same token (``WatchRequest.token`` or the
  metadata). Each stream holds a thread while it is open, waiting on its
  watcher's bounded queue; at most ``--max-watchers`` are open at once. Frames
  go out as bytes already serialised (the response serializer passes them on).
- ``simbridge.v1.EnvironmentService/Status``: the server's live counts, guarded
  by the same token. A session's thread reads its next request only once the
  last response is written (gRPC's sync server), so a session holds at most one
  request or response in flight: ``max_in_flight_per_session`` is 1, a
  session's request being handled counts as pending, and a response yielded but
  not yet taken by gRPC (its client is not reading) as queued, its session as
  paused.
- ``grpc.health.v1.Health/Check`` (health.py).
Server reflection is not offered: Debian's python3-grpcio has no grpc_reflection.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import math
import os
import signal
import sys
import threading
from concurrent import futures
from dataclasses import dataclass

import grpc
from google.protobuf.message import DecodeError

from .catalog import catalog
from .errors import INVALID_ARGUMENT, FatalSessionError, ProtocolError, resource_exhausted, status_code
from .health import Health
from .protocol import pb
from .session import Malformed, Session, SessionConfig, list_tasks_response
from .watch_hub import WatchHub

SERVICE_NAME = "simbridge.v1.EnvironmentService"

log = logging.getLogger("simbridge_external")


def bearer(metadata) -> str | None:
    """The token of an `authorization: Bearer <token>` metadata entry, if any."""
    for key, value in metadata or ():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _as_is(frame: bytes) -> bytes:
    """Watch frames are serialised by the hub already (watch_hub.py)."""
    return frame


def session_handlers(config: SessionConfig, max_sessions: int, max_watchers: int = 8) -> grpc.GenericRpcHandler:
    """The EnvironmentService handlers for `config`, with at most `max_sessions`
    sessions and `max_watchers` watch streams open."""
    limit = config.max_message_bytes
    lock = threading.Lock()
    #: Each open session and where its thread is: "reading", "handling" or "writing".
    live: dict[Session, str] = {}
    peak_in_flight = [0]

    def at(s: Session, where: str) -> None:
        with lock:
            live[s] = where
            if where != "reading":
                peak_in_flight[0] = 1

    def decode_request(data: bytes):
        if len(data) > limit:
            return Malformed(resource_exhausted("", f"request of {len(data)} bytes exceeds this server's limit of {limit} bytes"))
        try:
            return pb.SessionRequest.FromString(data)
        except DecodeError as e:
            return Malformed(ProtocolError(INVALID_ARGUMENT, f"could not decode request: {e}"))

    def session(requests, context):
        s = Session(config, bearer(context.invocation_metadata()))
        with lock:
            full = len(live) >= max_sessions
            if not full:
                live[s] = "reading"
        if full:
            s.close()
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"this server already has {max_sessions} sessions open (--max-sessions); close one and retry",
            )
        # Frees the envs and stops the clocks when the call ends, even while this
        # thread is blocked in a real-time step waiting for its tick.
        context.add_callback(s.close)
        try:
            for request in requests:
                at(s, "handling")
                try:
                    response = s.handle(request)
                except FatalSessionError as e:
                    log.info("session %s ended: %s", s.id, e)
                    context.abort(status_code(e.code), e.message)
                at(s, "writing")
                yield response
                at(s, "reading")
        finally:
            s.close()
            log.info("session %s closed, its envs freed (%d compute_reward requests)", s.id, s.reward_requests)
            with lock:
                live.pop(s, None)

    def watch(request, context):
        hub = config.hub
        if hub is None:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "this server does not serve Watch")
        if config.token is not None:
            given = request.token or bearer(context.invocation_metadata()) or ""
            if not hmac.compare_digest(given.encode(), config.token.encode()):
                context.abort(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "this server requires a bearer token (watch.token or `authorization: Bearer …` metadata)",
                )
        if not (math.isfinite(request.max_hz) and request.max_hz >= 0):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"max_hz: must be a finite number ≥ 0, got {request.max_hz}")
        watcher = hub.subscribe(request.session_id, list(request.env_ids), request.max_hz, request.view, max_watchers)
        if watcher is None:
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"this server already has {max_watchers} watch streams open (--max-watchers); close one and retry",
            )
        # Ends the wait below at once when the client goes away.
        context.add_callback(watcher.close)
        log.info("watcher opened (session %r, envs %s, max_hz %g, view %s)", request.session_id, list(request.env_ids), request.max_hz, request.view)
        try:
            while context.is_active():
                frame = watcher.next(timeout=1.0)
                if frame is not None:
                    yield frame
                elif watcher.closed:
                    return
        finally:
            hub.unsubscribe(watcher)
            log.info("watcher closed after %d frames", watcher.sequence)

    def require_token(context) -> None:
        if config.token is not None:
            given = bearer(context.invocation_metadata()) or ""
            if not hmac.compare_digest(given.encode(), config.token.encode()):
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "this server requires `authorization: Bearer <token>` metadata")

    def list_tasks(_request, context):
        require_token(context)
        return list_tasks_response(config.catalog)

    def status(_request, context):
        require_token(context)
        with lock:
            where = list(live.values())
            sessions = list(live)
        return pb.StatusResponse(
            sessions=len(sessions),
            envs=sum(len(s.pool.slots) for s in sessions),
            watchers=config.hub.count if config.hub is not None else 0,
            pending_requests=where.count("handling"),
            queued_responses=where.count("writing"),
            paused_sessions=where.count("writing"),
            max_in_flight_per_session=1,
            peak_in_flight_per_session=peak_in_flight[0],
            rss_bytes=resident_bytes(),
            server_name=config.server_name,
        )

    return grpc.method_handlers_generic_handler(
        SERVICE_NAME,
        {
            "Session": grpc.stream_stream_rpc_method_handler(
                session, request_deserializer=decode_request, response_serializer=pb.SessionResponse.SerializeToString
            ),
            "Watch": grpc.unary_stream_rpc_method_handler(
                watch, request_deserializer=pb.WatchRequest.FromString, response_serializer=_as_is
            ),
            "ListTasks": grpc.unary_unary_rpc_method_handler(
                list_tasks,
                request_deserializer=pb.ListTasksRequest.FromString,
                response_serializer=pb.ListTasksResponse.SerializeToString,
            ),
            "Status": grpc.unary_unary_rpc_method_handler(
                status,
                request_deserializer=pb.StatusRequest.FromString,
                response_serializer=pb.StatusResponse.SerializeToString,
            ),
        },
    )


def resident_bytes() -> int:
    """This process's resident memory (Linux /proc), 0 when unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class RunningServer:
    server: grpc.Server
    health: Health
    address: str
    hub: WatchHub | None = None

    def stop(self, grace: float = 1.0) -> None:
        self.health.serving = False
        if self.hub is not None:
            self.hub.close_all()  # watch streams end now, not after the grace period
        self.server.stop(grace).wait()


def start(
    config: SessionConfig, host: str = "127.0.0.1", port: int = 0, max_sessions: int = 32, max_watchers: int = 8
) -> RunningServer:
    """Starts serving `config` on host:port (0: a free port)."""
    transport_limit = max(2 * config.max_message_bytes, config.max_message_bytes + 1024 * 1024)
    # Each open session and watch stream holds a thread; 4 more for unary calls and refusals.
    workers = max_sessions + max_watchers + 4
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="simbridge"),
        maximum_concurrent_rpcs=workers,
        options=[
            ("grpc.max_receive_message_length", transport_limit),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),  # a busy port is an error, not a shared one
        ],
    )
    health = Health((SERVICE_NAME,))
    server.add_generic_rpc_handlers((session_handlers(config, max_sessions, max_watchers), health.handler()))
    bracketed = f"[{host}]" if ":" in host else host
    bound = server.add_insecure_port(f"{bracketed}:{port}")
    if not bound:
        raise OSError(f"cannot listen on {host}:{port}")
    server.start()
    return RunningServer(server, health, f"{bracketed}:{bound}", config.hub)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python3 -m simbridge_external",
        description="The simbridge reference external environment (Python): serves Cart2D-v0 over gRPC.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port, printed on start)")
    p.add_argument(
        "--token",
        default=os.environ.get("SIMBRIDGE_TOKEN"),
        help="require this bearer token from clients (default: $SIMBRIDGE_TOKEN, else none)",
    )
    p.add_argument("--black-box", action="store_true", help="withhold reward: steps carry only is_success")
    # Removed: real time is chosen per make request now (MakeEnvsRequest.realtime_hz).
    p.add_argument("--realtime-hz", default=None, help=argparse.SUPPRESS)
    p.add_argument("--max-envs", type=int, default=64, help="most envs one session may have open (default 64)")
    p.add_argument("--max-sessions", type=int, default=32, help="most sessions open at once (default 32)")
    p.add_argument("--max-watchers", type=int, default=8, help="most Watch streams open at once (default 8)")
    p.add_argument(
        "--max-message-bytes", type=int, default=4 * 1024 * 1024, help="largest request accepted (default 4 MiB)"
    )
    p.add_argument("--verbose", action="store_true", help="log sessions to stderr")
    args = p.parse_args(argv)
    if args.realtime_hz is not None:
        p.error(
            "--realtime-hz was removed: real time is chosen by the client for each make request "
            "(make_envs.realtime_hz; TypeScript: RemoteVectorEnv.connect(address, task, n, options, {}, "
            "{ realtimeHz: N }) or Connection.makeEnvs(task, n, options, N))"
        )
    for name in ("max_envs", "max_sessions", "max_watchers", "max_message_bytes"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr, format="%(message)s")
    extra = ("black_box",) if args.black_box else ()
    config = SessionConfig(
        catalog=catalog(black_box=args.black_box),
        token=args.token or None,
        max_envs=args.max_envs,
        max_message_bytes=args.max_message_bytes,
        capabilities=extra,
        hub=WatchHub(),
    )
    if args.host not in ("127.0.0.1", "::1", "localhost") and not args.host.startswith("127.") and config.token is None:
        print(
            f"warning: serving on {args.host} without a token: anyone who can reach this port "
            "can drive your environments (use --token)",
            file=sys.stderr,
        )
    try:
        running = start(config, args.host, args.port, args.max_sessions, args.max_watchers)
    except (OSError, RuntimeError) as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 1
    print(f"simbridge listening on {running.address}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    running.stop()
    return 0
