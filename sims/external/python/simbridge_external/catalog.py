"""The task catalogue: every task this server can make, by name.

Add your own ``TaskFactory`` to ``catalog()``; ListTasks, MakeEnvs and the
unknown-task error all read from here.
"""

from __future__ import annotations

from .cart2d import Cart2D
from .errors import not_found
from .specs import TaskSpec
from .task import TaskFactory


class Catalog:
    """Task factories by name."""

    def __init__(self, factories: list[TaskFactory]) -> None:
        self.factories = {f.name: f for f in factories}

    def get(self, name: str, field: str = "make_envs.task") -> TaskFactory:
        """The factory for `name`, or NOT_FOUND listing the known names."""
        factory = self.factories.get(name)
        if factory is None:
            known = ", ".join(self.factories) or "(none)"
            raise not_found(field, f"unknown task '{name}'; this server has: {known}")
        return factory

    def specs(self) -> list[TaskSpec]:
        """Every task's spec under default options."""
        return [f.spec({}) for f in self.factories.values()]

    def offers_reward_function(self) -> bool:
        """Whether some task answers compute_reward (the capability "compute_reward")."""
        return any(s.has_reward_function and not s.black_box for s in self.specs())


def catalog(black_box: bool = False) -> Catalog:
    """The tasks this server offers. `black_box` serves them without reward.
    Any task can be made as real-time envs (make_envs.realtime_hz; see realtime.py)."""
    factories: list[TaskFactory] = [Cart2D(black_box=black_box)]
    return Catalog(factories)
