"""Fills the load-test database and writes the session cookies and paths wrk requests.

bench/load-targets.txt mixes the pages; bench/load-floor-targets.txt asks only for the floor.
"""

import os
from importlib import import_module

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipe.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench.national import populate, signed_in_users  # noqa: E402
from projects.models import Application  # noqa: E402


def session_cookie(user) -> str:
    # The engine the server reads (cached_db): the session is in its cache before the first request.
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(3600)
    session.save()
    # And the CSRF cookie a browser has kept since its first page: the secret of the tokens in its forms.
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"


made = populate()
occitanie = made["calls_by_region"]["76"]
references = list(
    Application.objects.filter(call=occitanie, department__code="31").values_list("reference", flat=True)[:200]
)
cookies = [f"cookie {session_cookie(user)}" for user in signed_in_users(20)]
with open("bench/load-floor-targets.txt", "w") as out:
    out.write("\n".join([*cookies, "path /plancher/"]) + "\n")
lines = list(cookies)
lines += ["path /dossiers/", "path /dossiers/?page=2", "path /dossiers/?status=reviewed&qpv=true"]
lines += [f"path /dossiers/{reference}/" for reference in references[:50]]
# The detail page shows one tab at a time: mix in the two heaviest, as users open them.
lines += [f"path /dossiers/{reference}/?onglet=instruction" for reference in references[50:70]]
lines += [f"path /dossiers/{reference}/?onglet=subvention" for reference in references[70:90]]
lines += [f"path /appels/{occitanie.reference}/tableau-de-bord/"] * 10
lines += [f"path /appels/{occitanie.reference}/suivi/"] * 5
lines += ["path /"] * 10  # the approvers' home page
lines += [f"path /api/v1/applications/?call={occitanie.reference}&page_size=50"] * 5
with open("bench/load-targets.txt", "w") as out:
    out.write("\n".join(lines) + "\n")
