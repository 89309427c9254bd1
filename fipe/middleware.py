"""Middleware of our own, shared by every app."""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from fipe.storage import DiskFull


class NoStoreMiddleware:
    """No cache (browser, proxy, shared computer's history) keeps a signed-in page or a file.

    Pages shown to a signed-in user carry names, amounts and addresses; files (letters, minutes,
    exports, attachments) even more. One place marks them all `no-store`, so a new view cannot
    forget it. Anonymous pages (login, public results) keep the default caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        is_file = response.has_header("Content-Disposition") or getattr(response, "streaming", False)
        if is_file or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class DiskFullMiddleware:
    """A full disk is the server's fault, not the user's: 507 and a page that says so, not a 500.

    The storage has already removed what it had begun writing, and the view's transaction
    rolled back: the user may try again once room is made.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DiskFull):
            return render(request, "507.html", {"exception": exception.message}, status=507)
        return None
