"""The site's addresses plus the load test's floor: a signed-in bare view with a minimal template.

The floor passes through the same gunicorn workers and the same middleware (session, user,
CSRF, security headers…) as the pages; it reads nothing but the signed-in user.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html><html lang="fr"><head><title>Plancher</title></head><body><p>{{ user.username }}</p></body></html>'
)


def floor(request):
    return HttpResponse(TEMPLATE.render({"user": request.user}))


urlpatterns = [path("plancher/", floor), path("", include("fipe.urls"))]
