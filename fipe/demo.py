"""The demo's steps, added by each app in its `ready()`; `load_demo` runs them in their order.

Each step is a function taking the command's output stream; it is idempotent and builds on the
steps before it.
"""

from collections.abc import Callable

_steps: dict[str, tuple[int, Callable]] = {}


def add_demo_step(step: Callable, *, order: int) -> None:
    _steps[f"{step.__module__}.{step.__qualname__}"] = (order, step)


def demo_steps() -> list[Callable]:
    return [step for _order, step in sorted(_steps.values(), key=lambda entry: entry[0])]
