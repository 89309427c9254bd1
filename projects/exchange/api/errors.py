"""The API's errors in French and in JSON.

`rest_framework` is deliberately not in INSTALLED_APPS: its French catalogue would override some
of Django's own translations site-wide (« Recherche », « adresse e-mail »…). So its few generic
messages are given here instead.
"""

import logging

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

FRENCH = {
    exceptions.NotAuthenticated: _("Jeton absent : envoyez l’en-tête « Authorization: Bearer <jeton> »."),
    exceptions.NotFound: _("Introuvable, ou hors du périmètre du jeton."),
    exceptions.MethodNotAllowed: _("Méthode refusée : l’API est en lecture seule."),
    exceptions.NotAcceptable: _("Format refusé : l’API répond en JSON."),
    exceptions.PermissionDenied: _("Accès refusé."),
}


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        # A fault of ours: logged with its traceback, and answered in JSON like every other API error,
        # rather than with the site's HTML error page, which a program reading the API cannot use.
        view = context.get("view")
        logger.error("API fault in %s", type(view).__name__ if view else "?", exc_info=exc)
        detail = _("Erreur interne du service : réessayez plus tard ; si elle persiste, signalez-la.")
        return Response({"detail": str(detail)}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.Throttled):
        response.data = {
            "detail": _("Trop de requêtes pour ce jeton : réessayez dans %(wait)s s.") % {"wait": round(exc.wait or 1)}
        }
    # DRF's own messages only (« Method "POST" not allowed. » names its method): a view's message is kept.
    elif type(exc) in FRENCH and (exc.detail == type(exc).default_detail or type(exc) is exceptions.MethodNotAllowed):
        # As text: the schema's YAML renderer cannot write a lazy translation.
        response.data = {"detail": str(FRENCH[type(exc)])}
    return response
