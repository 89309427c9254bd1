"""Demo step of the API and the journal: a service account of the Caf de l'Aude with a known token.

The earlier steps went through the services, so the journal already holds their acts.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import ngettext

from departments.enums import OrganisationKind, Role
from departments.models import Membership, Organisation
from projects.exchange.api.models import ApiToken, ServiceAccount, secret_hash
from projects.exchange.api.services import create_token
from projects.journal.services import find_break

# Demo only: a published secret is no secret. Real tokens are created in the admin, shown once.
DEMO_SECRET = "fipe_demo-caf-11-lecture-seule-ne-pas-utiliser-en-production"
DEMO_ACCOUNT = "si-caf-11"


def load_api_account(stdout) -> None:
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_ACCOUNT, defaults={"first_name": "SI", "last_name": "Caf de l’Aude"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    caf = Organisation.objects.get(kind=OrganisationKind.CAF, department__code="11")
    Membership.objects.get_or_create(user=user, organisation=caf, role=Role.INSTRUCTOR)
    account, _created = ServiceAccount.objects.get_or_create(
        user=user, defaults={"description": "Système d’information de la Caf de l’Aude (démonstration)"}
    )
    if not ApiToken.objects.usable().filter(secret_hash=secret_hash(DEMO_SECRET)).exists():
        ApiToken.objects.filter(secret_hash=secret_hash(DEMO_SECRET)).delete()
        create_token(
            account=account,
            name="démonstration",
            expires_at=timezone.now() + datetime.timedelta(days=365),
            by=get_user_model().objects.filter(username="admin").first(),
            secret=DEMO_SECRET,
        )
    count, broken = find_break()
    entries = ngettext("%(count)d entrée", "%(count)d entrées", count) % {"count": count}
    stdout.write(
        f"API : compte de service {DEMO_ACCOUNT}, jeton de démonstration {DEMO_SECRET} "
        f"(curl -H 'Authorization: Bearer {DEMO_SECRET}' http://127.0.0.1:8000/api/v1/applications/). "
        f"Journal : {entries}, {'chaîne intacte' if broken is None else broken}."
    )
