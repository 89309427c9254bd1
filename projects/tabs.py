"""The tabs of the application detail page, filled by each capability that shows part of a file.

A capability adds its tab in its app's `ready()` with `add_tab`; the detail page asks `tabs_for`.
So `projects` views never import the views of the capabilities (or apps) whose tabs they show.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tab:
    """One tab of the application detail page.

    `template` is a partial rendered inside the tab's panel with the page's context
    (`application`, `user`, `request`, `csrf_token`…) plus what `context(application, user)`
    returns. That function must run a constant number of queries. `order` places the tab;
    `on_summary` also shows it to a reviewer who sees only the file's summary.
    `select_with_file` and `prefetch_with_file` name the related rows the page reads along with
    the file when this tab is open (`select_related` and `prefetch_related` paths), so that the
    tab need not query them and the other tabs do not pay for rows they do not show.
    """

    id: str
    label: Promise | str
    template: str
    context: Callable[[object, object], dict]
    order: int
    on_summary: bool = False
    select_with_file: tuple[str, ...] = ()
    prefetch_with_file: tuple[str, ...] = ()


_tabs: dict[str, Tab] = {}
# Rules that reduce a file to its summary for a user (a reviewer who has not declared, say).
_summary_rules: list[Callable[[object, object], bool]] = []

SUMMARY_TAB = Tab(
    "resume", _("Résumé"), "projects/_tab_summary.html", lambda application, user: {}, order=0, on_summary=True
)


def add_tab(tab: Tab) -> None:
    _tabs[tab.id] = tab


def add_summary_rule(rule: Callable[[object, object], bool]) -> None:
    """`rule(user, application)` is true when the user must see only the file's summary."""
    if rule not in _summary_rules:
        _summary_rules.append(rule)


def detail_tabs() -> list[Tab]:
    return sorted(_tabs.values(), key=lambda tab: tab.order)


def open_tab(tabs: list[Tab], tab_id: str | None) -> Tab:
    """The tab `tab_id` asks for among `tabs`; the first one when it names none of them."""
    return next((tab for tab in tabs if tab.id == tab_id), tabs[0])


def with_file(queryset: QuerySet, tab_id: str | None) -> QuerySet:
    """`queryset` reading with each file what the open tab shows of its related rows."""
    tab = open_tab(detail_tabs(), tab_id)
    return queryset.select_related(*tab.select_with_file).prefetch_related(*tab.prefetch_with_file)


def summary_only(user, application) -> bool:
    """Whether this user must see only the file's summary (no full file, no attachment)."""
    return any(rule(user, application) for rule in _summary_rules)


def tabs_for(user, application) -> list[Tab]:
    """The tabs this user sees on this file, in their order."""
    if summary_only(user, application):
        return [SUMMARY_TAB, *(tab for tab in detail_tabs() if tab.on_summary)]
    return detail_tabs()
