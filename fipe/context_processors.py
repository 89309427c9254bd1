from django.conf import settings
from django.utils.translation import gettext_lazy as _


def site(request):
    """Site-wide names for the DSFR layout, without a database query per page."""
    return {
        "SITE_TITLE": _("FIPE — Fonds d’innovation pour la petite enfance"),
        "SITE_TAGLINE": _("Appels à projets, instruction et attribution des subventions"),
        # Whom a user locked out or lost writes to (the lockout and error pages say it).
        "SUPPORT_EMAIL": settings.FIPE_SUPPORT_EMAIL,
    }
