"""Who is acting, for the acts whose model does not say (memberships and signatories changed in the admin)."""

from contextvars import ContextVar

_actor: ContextVar = ContextVar("journal_actor", default=None)


def current_actor():
    return _actor.get()


class ActorMiddleware:
    """Remembers the signed-in user for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _actor.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)
