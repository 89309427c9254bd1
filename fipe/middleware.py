"""Middleware of our own, shared by every app."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, get_resolver, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from fipe.storage import DiskFull
from fipe.web import keep_post

logger = logging.getLogger("django.request")


def _debug_pages_replaced() -> bool:
    return settings.DEBUG and not settings.FIPE_DEBUG_ERROR_PAGES


def _error_page(request, status: int, exception=None):
    handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
    return handler(request) if status == 500 else handler(request, exception)


class ProductionErrorPages:
    """The demo (`make run`, DEBUG on) answers errors with the site's French pages, as production does.

    With DEBUG on, Django shows its debug pages for a 404 (listing every URL pattern, to anonymous
    visitors too), a 400 and a server error. A newcomer trying the demo should meet the pages users
    meet, so this middleware renders them through the site's error handlers instead, unless
    FIPE_DEBUG_ERROR_PAGES is on (a developer chasing a bug). With DEBUG off it does nothing: Django
    already does the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _debug_pages_replaced():
            # An address no pattern matches never reaches a view: answer it here, as production would.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return _error_page(request, 404, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _debug_pages_replaced():
            return None
        if isinstance(exception, Http404):
            return _error_page(request, 404, exception)
        if isinstance(exception, PermissionDenied):
            return _error_page(request, 403, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return _error_page(request, 400, exception)
        # The developer still reads the traceback in the console of `make run`.
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return _error_page(request, 500)


class LoginRequiredKeepingInput(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except that a form posted once the session has expired is not lost.

    Its data is kept in the new session and given back, on the same page, after the sign-in
    (fipe.web.posted_data); the user is told so on the sign-in page.
    """

    def handle_no_permission(self, request, view_func):
        if request.method == "POST" and keep_post(request):
            messages.warning(
                request,
                _(
                    "Votre session a expiré : reconnectez-vous. Ce que vous aviez saisi est conservé et sera "
                    "réaffiché ; rien n’a été enregistré."
                ),
            )
        return super().handle_no_permission(request, view_func)


class NoStoreMiddleware:
    """No cache (browser, proxy, shared computer's history) keeps a signed-in page or a file.

    Pages shown to a signed-in user carry names, amounts and addresses; files (letters, minutes,
    exports, attachments) even more. One place marks them all `no-store`, so a new view cannot
    forget it. Signed in means a staff account, or any session at all: an applicant's space
    (a sign-in link) keeps its address in the session, not in an account. Anonymous pages
    (login, public results) seen without a session keep the default caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        is_file = response.has_header("Content-Disposition") or getattr(response, "streaming", False)
        signed_in = (user is not None and user.is_authenticated) or (session is not None and not session.is_empty())
        if is_file or signed_in:
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
