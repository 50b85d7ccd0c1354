"""The protocol messages, generated from the repository's ``proto/`` folder.

Nothing generated is committed: on first use (or when a ``.proto`` file has
changed) this module runs the protocol compiler into ``build/`` next to the
package, then imports the result. ``build.sh`` does the same ahead of time.

Which compiler: the protocol uses proto3 ``optional`` (``EnvReset.seed``), which
needs protoc >= 3.15. ``python3 -m grpc_tools.protoc`` (``pip install
grpcio-tools``) is used when its bundled protoc is recent enough; Debian 12's
``python3-grpc-tools`` bundles protoc 3.5.1, which is not, so the system
``protoc`` (Debian ``protobuf-compiler``, 3.21) is used instead. Only message
code (``--python_out``) is generated: the server registers its handlers itself
(see ``server.py``), so no ``*_pb2_grpc.py`` service stubs are needed.

Usage::

    from simbridge_external.protocol import pb, health_pb
    pb.SessionRequest, pb.Tensor, pb.FLOAT32, ...
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

#: sims/external/python — the folder holding this package, build/ and proto/.
PYTHON_ROOT = Path(__file__).resolve().parent.parent

#: The proto files of the simbridge protocol, relative to the proto root.
PROTOCOL_FILES = ("simbridge/v1/tensor.proto", "simbridge/v1/spec.proto", "simbridge/v1/view.proto", "simbridge/v1/session.proto")

#: The vendored health-checking proto (in sims/external/python/proto/).
HEALTH_FILE = "grpc_health_v1.proto"

#: protoc versions before this one reject proto3 `optional`.
MIN_PROTOC = (3, 15)


class ProtocolBuildError(RuntimeError):
    """The stubs could not be generated (no suitable protoc, or it failed)."""


def proto_root() -> Path:
    """The folder holding ``simbridge/v1/*.proto``: $SIMBRIDGE_PROTO_DIR, or the
    first ``proto/`` found walking up from this package (the repository's)."""
    override = os.environ.get("SIMBRIDGE_PROTO_DIR")
    if override:
        return Path(override).resolve()
    for folder in PYTHON_ROOT.parents:
        if (folder / "proto" / "simbridge" / "v1" / "session.proto").is_file():
            return folder / "proto"
    raise ProtocolBuildError(
        f"cannot find proto/simbridge/v1/session.proto above {PYTHON_ROOT}; set SIMBRIDGE_PROTO_DIR"
    )


def build_dir() -> Path:
    """Where generated code goes: $SIMBRIDGE_BUILD_DIR, or sims/external/python/build/."""
    return Path(os.environ.get("SIMBRIDGE_BUILD_DIR") or PYTHON_ROOT / "build").resolve()


def _protoc_version(command: list[str]) -> tuple[int, ...] | None:
    """The libprotoc version a compiler command reports, or None if it does not run."""
    try:
        out = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"libprotoc (\d+)\.(\d+)", out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    # protoc 21+ reports "libprotoc 21.x" (the 3. was dropped): that is newer than 3.x.
    return (major, minor) if major < 10 else (3, major)


def find_protoc() -> list[str]:
    """The first protocol compiler that understands proto3 `optional`."""
    candidates = [[sys.executable, "-m", "grpc_tools.protoc"], ["protoc"]]
    found = []
    for command in candidates:
        version = _protoc_version(command)
        if version is not None and version >= MIN_PROTOC:
            return command
        found.append(f"{' '.join(command)}: {'not available' if version is None else 'libprotoc ' + '.'.join(map(str, version))}")
    raise ProtocolBuildError(
        "no protocol compiler >= 3.15 found (" + "; ".join(found) + "). "
        "Install one: `apt-get install protobuf-compiler` (Debian) or `pip install grpcio-tools`."
    )


def _sources() -> list[tuple[Path, str]]:
    """(include dir, file) for every proto to compile."""
    root = proto_root()
    return [(root, f) for f in PROTOCOL_FILES] + [(PYTHON_ROOT / "proto", HEALTH_FILE)]


def _fingerprint(sources: list[tuple[Path, str]]) -> str:
    digest = hashlib.sha256()
    for include, name in sources:
        digest.update(name.encode() + b"\0" + (include / name).read_bytes())
    return digest.hexdigest()


def generate(force: bool = False) -> Path:
    """Generates the message modules into build_dir() unless they are up to date.

    Up to date means: ``build/.fingerprint`` holds the SHA-256 of every source
    ``.proto`` (names and bytes) and every generated module exists. A changed
    proto (a new field, say) therefore regenerates on the next start.

    Runs ``<protoc> -I proto -I sims/external/python/proto --python_out=build ...``
    into a temporary folder, then moves each file into place atomically, so two
    servers starting at once never see a half-written module.
    """
    out = build_dir()
    sources = _sources()
    stamp = out / ".fingerprint"
    fingerprint = _fingerprint(sources)
    generated = [out / (name[: -len(".proto")] + "_pb2.py") for _, name in sources]
    if not force and stamp.is_file() and stamp.read_text() == fingerprint and all(g.is_file() for g in generated):
        return out
    protoc = find_protoc()
    out.mkdir(parents=True, exist_ok=True)
    includes = sorted({str(include) for include, _ in sources})
    with tempfile.TemporaryDirectory(dir=out, prefix=".tmp-") as tmp:
        command = protoc + [f"-I{i}" for i in includes] + [f"--python_out={tmp}"] + [name for _, name in sources]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise ProtocolBuildError(f"{' '.join(command)} failed:\n{done.stderr.strip()}")
        for path in sorted(Path(tmp).rglob("*.py")):
            target = out / path.relative_to(tmp)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        partial = Path(tmp) / "stamp"
        partial.write_text(fingerprint)
        os.replace(partial, stamp)
    shutil.rmtree(out / "__pycache__", ignore_errors=True)
    return out


def _load() -> tuple[types.SimpleNamespace, types.ModuleType]:
    out = str(generate())
    if out not in sys.path:
        sys.path.insert(0, out)
    from simbridge.v1 import session_pb2, spec_pb2, tensor_pb2, view_pb2  # type: ignore[import-not-found]
    import grpc_health_v1_pb2  # type: ignore[import-not-found]

    # One namespace with every message and enum value of simbridge.v1.
    namespace = types.SimpleNamespace()
    for module in (tensor_pb2, spec_pb2, view_pb2, session_pb2):
        for name in dir(module):
            if not name.startswith("_"):
                setattr(namespace, name, getattr(module, name))
    return namespace, grpc_health_v1_pb2


#: Every message and enum value of ``simbridge.v1`` (pb.SessionRequest, pb.FLOAT32, pb.RUNNING, ...).
#: ``health_pb``: the ``grpc.health.v1`` messages.
pb, health_pb = _load()
