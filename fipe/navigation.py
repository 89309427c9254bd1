"""The main menu, filled by the apps: each adds its entries in its `ready()` with `add_nav_item`.

The plumbing knows no app: an entry carries its own rule (`visible(user)`) for whom it shows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise | str
    order: int
    # None: every signed-in user sees the entry.
    visible: Callable[[object], bool] | None = None
    # The home page is current only on itself; other entries also on the pages beneath them.
    exact: bool = False


_items: dict[str, NavItem] = {}


def add_nav_item(url_name: str, label: Promise | str, *, order: int, visible=None, exact: bool = False) -> None:
    _items[url_name] = NavItem(url_name, label, order, visible, exact)


def navigation(request):
    """The main menu, showing only the entries the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in sorted(_items.values(), key=lambda item: item.order):
        if item.visible is not None and not item.visible(user):
            continue
        url = _address(item.url_name, get_urlconf(), get_script_prefix())
        current = request.path == url if item.exact else request.path.startswith(url)
        items.append({"url": url, "label": item.label, "current": current})
    return {"nav_items": items}


@cache
def _address(url_name: str, urlconf: str | None, prefix: str) -> str:
    # Each page shows every entry: worked out once per address book and prefix, not at each request.
    return reverse(url_name, urlconf=urlconf)
