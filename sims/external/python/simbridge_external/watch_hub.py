"""WatchHub: the resets and steps of every session, fanned out to Watch streams.

``EnvironmentService/Watch`` (session.proto) streams live frames of running
envs. This module mirrors the TypeScript server's ``src/server/watch-hub.ts``:

- After each reset, step or real-time tick a session calls ``publish`` for each
  env with a ``FrameSource``: lazy builders of the frame's parts. The hub asks
  each matching watcher (its session and env filter) whether the frame is
  due — the watcher's ``max_hz`` limit per env, and room in its queue — and
  only then is anything built, at most once for all watchers. With no watcher
  a publish costs one check.
- Each watcher has a bounded queue (``QUEUE_FRAMES``). Its stream's thread
  takes frames from it and hands them to gRPC, which blocks while the client
  does not read (HTTP/2 flow control). The session never waits: a frame that
  finds the queue full is dropped and counted, and the next frame of that env
  this watcher gets says how many went (``WatchFrame.dropped``), as do frames
  over the rate limit. So a slow watcher never slows stepping and never grows
  the server's memory.
- Views (``WatchRequest.view``, capability "viewer_model"): a watcher that
  asked gets the env's ``view_model_key`` and ``body_poses`` in every frame
  and the model in the first frame of each key; the poses are read once per
  frame for all such watchers, the model serialised once per env.

Frames travel as serialised bytes, made by concatenating serialised parts:
the body shared by every watcher, the view part, and each watcher's own
``sequence`` and ``dropped``. Protobuf parses concatenated messages as one
merged message, and the parts set disjoint fields, so the body is built and
serialised once however many watchers take it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from .protocol import pb

#: Frames a watcher's queue holds; past it, frames are dropped and counted.
QUEUE_FRAMES = 64

#: Model keys a watcher remembers having received; past it, it forgets them all (and gets models again).
MAX_MODEL_KEYS = 256


@dataclass(frozen=True)
class EnvView:
    """What an env's frames carry for watchers that asked for views."""

    key: str
    #: ``WatchFrame(view_model=...)``, serialised: sent once per key per watcher.
    model_part: bytes


class FrameSource:
    """One env's new state, built on demand: the shared body, then the view part."""

    def __init__(self, body: Callable[[], bytes], view: Callable[[], tuple[EnvView, bytes] | None]) -> None:
        self._body_fn = body
        self._view_fn = view
        self._body: bytes | None = None
        self._view: tuple[EnvView, bytes] | None = None
        self._view_read = False

    def body(self) -> bytes:
        if self._body is None:
            self._body = self._body_fn()
        return self._body

    def view(self) -> tuple[EnvView, bytes] | None:
        """The env's view and ``WatchFrame(view_model_key, body_poses)`` serialised; None without a view."""
        if not self._view_read:
            self._view = self._view_fn()
            self._view_read = True
        return self._view


class _PerEnv:
    __slots__ = ("last_sent", "dropped")

    def __init__(self) -> None:
        self.last_sent = float("-inf")
        self.dropped = 0


class Watcher:
    """One Watch stream: its filter, rate limit, queue and counts."""

    def __init__(self, session_id: str, env_ids: list[int], max_hz: float, view: bool, queue_frames: int = QUEUE_FRAMES) -> None:
        self.session_id = session_id
        self.env_ids = frozenset(env_ids)
        self.view = view
        self.min_interval = 1.0 / max_hz if max_hz > 0 else 0.0
        self.queue_frames = queue_frames
        self.queue: deque[bytes] = deque()
        self.cond = threading.Condition()
        self.closed = False
        self.sequence = 0
        self.per_env: dict[tuple[str, int], _PerEnv] = {}
        self.model_keys: set[str] = set()

    def matches(self, session_id: str, env_id: int) -> bool:
        return (not self.session_id or self.session_id == session_id) and (not self.env_ids or env_id in self.env_ids)

    def offer(self, key: tuple[str, int], now: float, source: FrameSource) -> None:
        with self.cond:
            if self.closed:
                return
            env = self.per_env.get(key)
            if env is None:
                env = self.per_env[key] = _PerEnv()
            if now - env.last_sent < self.min_interval or len(self.queue) >= self.queue_frames:
                env.dropped += 1
                return
            env.last_sent = now
            parts = [source.body()]
            if self.view:
                view = source.view()
                if view is not None:
                    env_view, view_part = view
                    parts.append(view_part)
                    if env_view.key not in self.model_keys:
                        if len(self.model_keys) >= MAX_MODEL_KEYS:
                            self.model_keys.clear()
                        self.model_keys.add(env_view.key)
                        parts.append(env_view.model_part)
            self.sequence += 1
            parts.append(pb.WatchFrame(sequence=self.sequence, dropped=env.dropped).SerializeToString())
            env.dropped = 0
            self.queue.append(b"".join(parts))
            self.cond.notify()

    def next(self, timeout: float) -> bytes | None:
        """The next frame; None after `timeout` seconds without one, or once closed (then `closed` is set)."""
        with self.cond:
            if not self.queue and not self.closed:
                self.cond.wait(timeout)
            if self.closed or not self.queue:
                return None
            return self.queue.popleft()

    def forget(self, keys: list[tuple[str, int]]) -> None:
        with self.cond:
            for key in keys:
                self.per_env.pop(key, None)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.queue.clear()
            self.cond.notify_all()


class WatchHub:
    """Every open Watch stream of the server; sessions publish to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Replaced, never mutated: publishers iterate it without the lock.
        self._watchers: tuple[Watcher, ...] = ()

    @property
    def count(self) -> int:
        return len(self._watchers)

    def wants(self, session_id: str, env_id: int) -> bool:
        """Whether some watcher could take frames of this env (a cheap check before building anything)."""
        return any(w.matches(session_id, env_id) for w in self._watchers)

    def publish(self, session_id: str, env_id: int, source: FrameSource) -> None:
        """Offers one env's new state to every matching watcher; each part of `source` is built at most once."""
        watchers = self._watchers
        if not watchers:
            return
        now = time.monotonic()
        key = (session_id, env_id)
        for w in watchers:
            if w.matches(session_id, env_id):
                w.offer(key, now, source)

    def forget(self, session_id: str, env_ids: list[int]) -> None:
        """Drops the watchers' counts of closed envs (so they do not pile up over sessions)."""
        keys = [(session_id, env_id) for env_id in env_ids]
        for w in self._watchers:
            w.forget(keys)

    def subscribe(self, session_id: str, env_ids: list[int], max_hz: float, view: bool, limit: int | None = None) -> Watcher | None:
        """A new watcher; None when `limit` watchers are open already."""
        with self._lock:
            if limit is not None and len(self._watchers) >= limit:
                return None
            w = Watcher(session_id, env_ids, max_hz, view)
            self._watchers = self._watchers + (w,)
            return w

    def unsubscribe(self, w: Watcher) -> None:
        w.close()
        with self._lock:
            self._watchers = tuple(x for x in self._watchers if x is not w)

    def close_all(self) -> None:
        """Ends every watch stream (the server is stopping)."""
        with self._lock:
            watchers, self._watchers = self._watchers, ()
        for w in watchers:
            w.close()
