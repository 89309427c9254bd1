"""The home page's work queue, filled by the apps: each adds its providers in its `ready()` with `add_queue`.

A provider takes the signed-in user and returns the sections of work waiting for them (an empty
list when they have none of its kind). The plumbing knows no app, so the home page can show the
programme's work without naming it. Providers count with aggregate queries: the home page must
stay within its query budget however many files the user sees.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise


@dataclass(frozen=True)
class QueueItem:
    """One kind of waiting work: what it is, how many, where to do it (and, for money, how much)."""

    label: Promise | str
    count: int
    url: str
    amount: Decimal | None = None
    # A short precision under the label, as the provider words it (the call, the amount written out).
    hint: Promise | str = ""


@dataclass(frozen=True)
class QueueSection:
    title: Promise | str
    items: list[QueueItem] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(item.count for item in self.items)


Provider = Callable[[object], Iterable[QueueSection]]

_providers: dict[str, tuple[int, Provider]] = {}


def add_queue(provider: Provider, *, order: int) -> None:
    """Register a provider; providers are asked in their order, each once per home page."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = (order, provider)


def work_queue(user) -> list[QueueSection]:
    """The user's sections of waiting work, in the providers' order, without the empty ones."""
    sections = []
    for _order, provider in sorted(_providers.values(), key=lambda entry: entry[0]):
        sections.extend(section for section in provider(user) if section.items)
    return sections
