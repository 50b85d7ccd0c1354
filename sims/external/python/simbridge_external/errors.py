"""Errors with gRPC status codes.

Every check in this server raises ``ProtocolError(code, message, field)``; the
session turns it into ``SessionResponse.error`` for that one request and goes
on. The message names the field and the value ("step.actions: expected shape
[1, 2] but got [3]"), ``field`` names the request field alone ("step.actions").

``FatalSessionError`` is the one kind that ends the whole stream (a failed
authentication): the server aborts the call with its code.
"""

from __future__ import annotations

import math

import grpc

# The numbers travel in Error.code; they are the standard gRPC status codes.
OK = grpc.StatusCode.OK.value[0]
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT.value[0]  # 3
NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]  # 5
RESOURCE_EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]  # 8
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION.value[0]  # 9
UNIMPLEMENTED = grpc.StatusCode.UNIMPLEMENTED.value[0]  # 12
INTERNAL = grpc.StatusCode.INTERNAL.value[0]  # 13
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED.value[0]  # 16

_STATUS_BY_NUMBER = {status.value[0]: status for status in grpc.StatusCode}


def status_code(number: int) -> grpc.StatusCode:
    """The grpc.StatusCode for a status number."""
    return _STATUS_BY_NUMBER[number]


class ProtocolError(Exception):
    """A failed request: a gRPC status code, a message naming field and value,
    and the request field at fault."""

    def __init__(self, code: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{status_code(self.code).name}: {self.message}"


class FatalSessionError(ProtocolError):
    """An error the session cannot survive: the stream ends with this status."""


def invalid_argument(field: str, message: str) -> ProtocolError:
    return ProtocolError(INVALID_ARGUMENT, f"{field}: {message}", field)


def not_found(field: str, message: str) -> ProtocolError:
    return ProtocolError(NOT_FOUND, f"{field}: {message}", field)


def failed_precondition(field: str, message: str) -> ProtocolError:
    return ProtocolError(FAILED_PRECONDITION, f"{field}: {message}", field)


def unimplemented(field: str, message: str) -> ProtocolError:
    return ProtocolError(UNIMPLEMENTED, f"{field}: {message}", field)


def resource_exhausted(field: str, message: str) -> ProtocolError:
    return ProtocolError(RESOURCE_EXHAUSTED, f"{field}: {message}" if field else message, field)


def number_text(value: float) -> str:
    """A number as the TypeScript side prints it (NaN, Infinity, -Infinity, 2, 0.5),
    so that both servers word their messages alike."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if float(value).is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def shape_text(shape) -> str:
    """A shape as "[2, 3]"."""
    return "[" + ", ".join(str(int(d)) for d in shape) + "]"
