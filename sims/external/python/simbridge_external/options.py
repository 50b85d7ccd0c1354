"""Task options: ``map<string, Value>`` from a request -> a checked Python dict.

``decode`` turns the protocol values into Python ones (float, bool, str, or a
float64 numpy vector for tensors); ``check`` refuses unknown names and values
of the wrong type against the task's ``OptionSpec`` list, naming both.
Task-specific checks (ranges, lengths) are the task's own (``Task.check_*``).
"""

from __future__ import annotations

import math

import numpy as np

from . import tensors
from .errors import invalid_argument, number_text
from .specs import OptionSpec

OptionValue = float | bool | str | np.ndarray


def decode(values, field: str) -> dict[str, OptionValue]:
    """Protocol option values as Python values. `field` prefixes error fields."""
    out: dict[str, OptionValue] = {}
    for name in sorted(values):
        value = values[name]
        kind = value.WhichOneof("kind")
        where = f"{field}.{name}"
        if kind == "number":
            out[name] = value.number
        elif kind == "flag":
            out[name] = value.flag
        elif kind == "text":
            out[name] = value.text
        elif kind == "tensor":
            _, array = tensors.decode(value.tensor, where)
            out[name] = array.astype(np.float64).reshape(-1)
        else:
            raise invalid_argument(where, "option value has no kind set")
    return out


def type_of(value: OptionValue) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "tensor"


def check(specs: tuple[OptionSpec, ...], options: dict[str, OptionValue], what: str, field: str) -> None:
    """Refuses names not in `specs`, values of another type and non-finite numbers."""
    for name, value in options.items():
        spec = next((s for s in specs if s.name == name), None)
        where = f"{field}.{name}"
        if spec is None:
            known = ", ".join(s.name for s in specs) or "none"
            raise invalid_argument(where, f"unknown {what} '{name}' (accepted: {known})")
        if type_of(value) != spec.type:
            raise invalid_argument(where, f"expected a {spec.type} but got a {type_of(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise invalid_argument(where, f"must be finite, got {number_text(value)}")
        if isinstance(value, np.ndarray) and not np.isfinite(value).all():
            raise invalid_argument(where, "every element must be finite")


def canonical(options: dict[str, OptionValue]) -> str:
    """A string equal for equal options: envs made with equal options share a spec."""
    parts = []
    for name in sorted(options):
        value = options[name]
        parts.append(f"{name}={value.tolist() if isinstance(value, np.ndarray) else value!r}")
    return ";".join(parts)
