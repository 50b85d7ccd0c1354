#!/bin/sh
# Generates the protocol messages from ../../../proto into build/ (gitignored).
# The server does this by itself on first start; run this to do it ahead of
# time, or with --force after editing a .proto file by hand.
#
#   sims/external/python/build.sh [--force]
#
# Uses `python3 -m grpc_tools.protoc` when its protoc is >= 3.15, else the
# system `protoc` (Debian: apt-get install protobuf-compiler).
set -eu
cd "$(dirname "$0")"
PYTHON=${PYTHON:-/usr/bin/python3}
exec "$PYTHON" -c '
import sys
from simbridge_external import protocol
print(protocol.generate(force="--force" in sys.argv[1:]))
' "$@"
