"""``python3 -m simbridge_external``: checks its dependencies, then runs the server."""

import sys

_MISSING = []
for _module, _debian, _pip in (("grpc", "python3-grpcio", "grpcio"), ("numpy", "python3-numpy", "numpy"),
                               ("google.protobuf", "python3-protobuf", "protobuf")):
    try:
        __import__(_module)
    except ImportError:
        _MISSING.append((_module, _debian, _pip))
if _MISSING:
    print(
        "simbridge_external: missing Python modules: " + ", ".join(m for m, _, _ in _MISSING) + ".\n"
        "  Debian/Ubuntu: apt-get install " + " ".join(d for _, d, _ in _MISSING) + " protobuf-compiler\n"
        "  pip:           pip install " + " ".join(p for _, _, p in _MISSING) + " grpcio-tools",
        file=sys.stderr,
    )
    sys.exit(2)

from .protocol import ProtocolBuildError  # noqa: E402  (generates the stubs on first use)

try:
    from .server import main  # noqa: E402
except ProtocolBuildError as e:  # pragma: no cover - reported, not tested
    print(f"simbridge_external: cannot build the protocol stubs: {e}", file=sys.stderr)
    sys.exit(2)

sys.exit(main())
