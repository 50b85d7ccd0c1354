"""Tensors: numpy arrays <-> ``simbridge.v1.Tensor`` (dtype, shape, raw bytes).

On the wire a tensor is its elements' raw little-endian bytes in row-major
order, so a numpy array maps onto it with ``tobytes()`` / ``frombuffer``. The
dtypes below are spelled little-endian explicitly ("<f4"), so the bytes are
right on any host.
"""

from __future__ import annotations

import numpy as np

from .errors import invalid_argument, shape_text
from .protocol import pb

#: Wire dtype -> (name used in messages, numpy dtype).
DTYPES = {
    pb.FLOAT32: ("float32", np.dtype("<f4")),
    pb.FLOAT64: ("float64", np.dtype("<f8")),
    pb.INT32: ("int32", np.dtype("<i4")),
    pb.INT64: ("int64", np.dtype("<i8")),
    pb.UINT8: ("uint8", np.dtype("u1")),
    pb.BOOL: ("bool", np.dtype("?")),
}

#: dtype name ("float32") -> wire dtype.
WIRE_DTYPE = {name: wire for wire, (name, _) in DTYPES.items()}

#: numpy dtype -> wire dtype (any byte order: encode() writes little-endian).
_WIRE_OF_NUMPY = {dtype: wire for wire, (_, dtype) in DTYPES.items()}
_WIRE_OF_NUMPY.update({dtype.newbyteorder(">"): wire for wire, (_, dtype) in DTYPES.items()})


def encode(array: np.ndarray, shape=None):
    """A numpy array as a Tensor (its dtype, `shape` or its own shape, its bytes)."""
    wire = _WIRE_OF_NUMPY[array.dtype]
    return pb.Tensor(
        dtype=wire,
        shape=list(array.shape if shape is None else shape),
        data=array.astype(DTYPES[wire][1], order="C", copy=False).tobytes(),
    )


def decode(tensor, field: str, has_tensor: bool = True) -> tuple[str, np.ndarray]:
    """A Tensor as (dtype name, numpy array of its shape).

    INVALID_ARGUMENT when it is missing, its dtype is unknown, or its byte
    count does not match shape x element size — all naming `field`.
    """
    if not has_tensor:
        raise invalid_argument(field, "missing tensor")
    if tensor.dtype not in DTYPES:
        raise invalid_argument(field, f"unknown or missing dtype {tensor.dtype}")
    name, dtype = DTYPES[tensor.dtype]
    shape = tuple(int(d) for d in tensor.shape)
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(tensor.data) != count * dtype.itemsize:
        raise invalid_argument(
            field, f"shape {shape_text(shape)} of {name} needs {count * dtype.itemsize} bytes but got {len(tensor.data)}"
        )
    return name, np.frombuffer(tensor.data, dtype=dtype).reshape(shape)
