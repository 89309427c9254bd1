"""What the capabilities add to the application list: « à faire » filters and extra columns.

The list belongs to the root of `projects`, which knows no capability; each capability
registers, in its `ready()`, the filters that pick the files waiting for the user (the same
rules as its work queue on the home page) and the columns it shows. Each filter and column is
applied in the list's own query, so the page's query count does not depend on them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode


@dataclass(frozen=True)
class WorkFilter:
    key: str
    label: Promise | str
    order: int
    # Whether the user is offered this filter at all.
    offered: Callable[[object], bool]
    # The files waiting for the user: (queryset, user) -> queryset.
    apply: Callable[[QuerySet, object], QuerySet]


@dataclass(frozen=True)
class ListColumn:
    key: str
    header: Promise | str
    order: int
    offered: Callable[[object], bool]
    # Adds what the cell shows to the list's query: (queryset, user) -> queryset.
    annotate: Callable[[QuerySet, object], QuerySet]
    # One cell's HTML from the annotated application: a function, not a template, because an
    # include per cell and per row cost more than the rest of the list.
    cell: Callable[[object], str]


_filters: dict[str, WorkFilter] = {}
_columns: dict[str, ListColumn] = {}


def add_work_filter(work_filter: WorkFilter) -> None:
    _filters[work_filter.key] = work_filter


def add_list_column(column: ListColumn) -> None:
    _columns[column.key] = column


def work_filters_for(user) -> list[WorkFilter]:
    return [item for item in sorted(_filters.values(), key=lambda item: item.order) if item.offered(user)]


def list_columns_for(user) -> list[ListColumn]:
    return [item for item in sorted(_columns.values(), key=lambda item: item.order) if item.offered(user)]


def work_list_url(key: str, **params) -> str:
    """The application list showing only the files of one « à faire » filter."""
    return f"{reverse('projects:application_list')}?{urlencode({'work': key, **params})}"
