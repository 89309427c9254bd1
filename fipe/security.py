"""Who is knocking: the client's address behind our reverse proxies, and login throttling.

django-axes counts failed logins. It locks one account for one address after
AXES_FAILURE_LIMIT failures, so that nobody can lock somebody else's account from their own
machine; it locks one address, whatever the accounts tried, after LOGIN_ADDRESS_FAILURE_LIMIT
failures: one password tried on many accounts (spraying) is stopped too; and it throttles one
account, whatever the addresses, after LOGIN_ACCOUNT_FAILURE_LIMIT failures (guesses spread over
many machines). That last lock spares the addresses the account's owner has signed in from
before: an attacker cannot lock them out of their own machine. All need the real client address:
behind a reverse proxy REMOTE_ADDR is the proxy's, shared by every client, so the proxies we
trust are named (TRUSTED_PROXIES) and the address they saw is read from X-Forwarded-For.
"""

import ipaddress
from functools import cache

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless a trusted proxy sent the request.

    Then the X-Forwarded-For hops are read from the right (the ones our proxies appended), and
    the first address that is not one of our proxies is the client's. Anything on its left was
    written by the client itself and could be forged.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(address):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # a garbled header: fall back on the proxy, never on the client's word
    return address


class LoginThrottle(AxesDatabaseHandler):
    """axes' database handler, plus the lock of an address that fails on too many logins."""

    def get_failures(self, request, credentials=None) -> int:
        account = super().get_failures(request, credentials)
        address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT or self._account_under_attack(request, credentials):
            # axes compares one count with one limit: an address or account over its own limit counts as locked.
            return max(account, get_failure_limit(request, credentials))
        return account

    @staticmethod
    def _account_under_attack(request, credentials) -> bool:
        """Too many failures on this account from every address, and this address is not one its owner used."""
        username = (credentials or {}).get("username") or request.POST.get("username")
        if not username:
            return False
        since = get_cool_off_threshold(request)
        failures = (
            AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
                total=Sum("failures_since_start")
            )["total"]
            or 0
        )
        if failures < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            return False
        known = AccessLog.objects.filter(username=username, ip_address=request.axes_ip_address).exists()
        return not known
