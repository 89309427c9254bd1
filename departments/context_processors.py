from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.permissions import get_scope

# (URL name, label, action the user must hold somewhere to see the entry; None: every signed-in user)
NAV_ITEMS = [
    ("home", _("Accueil"), None),
    # issue 3: applications list
    ("projects:application_list", _("Dossiers"), Action.VIEW),
    #
    # issue 4: committee meetings
    ("reviews:meeting_list", _("Comités (CDSF)"), Action.RUN_COMMITTEE),
    #
    # issue 5: approval screen, dashboard
    ("projects:approval_calls", _("Validation des lauréats"), Action.APPROVE),
    ("projects:funding_calls", _("Financements"), Action.VIEW),
    #
    # issue 6: letters
    ("projects:letters", _("Courriers"), Action.ISSUE_LETTERS),
    #
    # issue 7: exports
    ("projects:exports", _("Exports et résultats"), Action.EXPORT),
    #
]


def navigation(request):
    """The main menu, showing only the entries the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = get_scope(user)
    items = []
    for url_name, label, action in NAV_ITEMS:
        if action is not None and not (user.is_superuser or scope.can_anywhere(Action(action))):
            continue
        url = reverse(url_name)
        current = request.path == url if url_name == "home" else request.path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    return {"nav_items": items}
