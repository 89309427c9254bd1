"""How long a signed-in user's session has left, for the page that warns before it expires.

Django extends the stored expiry whenever it saves the session, but does not tell the page when
that is. The session's own clock is kept here: set at sign-in and by « Prolonger », it may run out
a little before the stored session does, never after, so the warning always comes in time.
"""

import time

from django.conf import settings

EXPIRES_AT = "fipe_expires_at"


def restart_clock(request) -> None:
    request.session[EXPIRES_AT] = int(time.time()) + settings.SESSION_COOKIE_AGE


def seconds_left(request) -> int:
    expires_at = request.session.get(EXPIRES_AT)
    if expires_at is None:
        return settings.SESSION_COOKIE_AGE
    return max(0, int(expires_at - time.time()))


def on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        restart_clock(request)


def session_clock(request) -> dict:
    """For the page's expiry warning (templates/fipe/_session_modal.html): seconds left, signed-in users only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_seconds_left": seconds_left(request)}
