"""The acknowledgement of receipt of a file filed online, issued through the letters' pipeline.

Rendered on the regional prefecture's letterhead, signed (PAdES) with the key of its signatory in
office, as the decision letters are, stored as an IssuedDocument with a verification code and its
QR code: /verifier/ says « authentique » and no more, as it is not a public decision. It carries
the mentions the code des relations entre le public et l'administration requires (L. 112-3,
R. 112-5): date of receipt, service in charge and how to reach it, what follows if no decision
is made in the time the law sets.
"""

import datetime
import logging

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import OrganisationKind
from departments.models import Organisation
from fipe.french import french_date
from fipe.pdf import render_pdf
from projects.applicants.models import Acknowledgement
from projects.exceptions import DomainError
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.pipeline import LetterSources
from projects.letters.signing import sign_pdf
from projects.models import Application, DocumentKind

logger = logging.getLogger(__name__)

# CRPA L231-4 3° : a request of a financial nature is deemed rejected after two months of silence.
IMPLICIT_REJECTION_MONTHS = 2


def acknowledgement_reference(application: Application) -> str:
    return f"{application.reference}-AR"


def acknowledgement_filename(application: Application) -> str:
    return f"accuse-de-reception-{application.reference}.pdf"


def service_in_charge(application: Application) -> dict:
    """The bodies that instruct the file (Caf and DDETS of its department) and the one that decides."""
    organisations = Organisation.objects.filter(
        Q(department_id=application.department_id, kind__in=[OrganisationKind.CAF, OrganisationKind.DDETS])
        | Q(region_id=application.call.region_id, kind=OrganisationKind.REGIONAL_PREFECTURE)
    ).order_by("kind", "name")
    by_kind = {organisation.kind: organisation for organisation in organisations}
    return {
        "caf": by_kind.get(OrganisationKind.CAF),
        "ddets": by_kind.get(OrganisationKind.DDETS),
        "prefecture": by_kind.get(OrganisationKind.REGIONAL_PREFECTURE),
    }


def implicit_decision_date(received: datetime.date) -> datetime.date:
    """Two months after receipt (same day of the month, or the month's last day)."""
    month = received.month - 1 + IMPLICIT_REJECTION_MONTHS
    year, month = received.year + month // 12, month % 12 + 1
    for day in range(received.day, 27, -1):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    return datetime.date(year, month, received.day)


def acknowledgement_sources(application: Application) -> LetterSources:
    """The signatory and checked key the acknowledgement is signed with, read before anything is filed.

    Without them the file cannot be acknowledged, so it is not filed: the applicant keeps the draft
    and is told to try later; the cause (no signatory, a key that cannot sign) is logged for the services.
    """
    try:
        return LetterSources.for_call(application.call)
    except DomainError as error:
        logger.error("acknowledgement of %s cannot be signed: %s", application.pk, error.message)
        raise DomainError(
            _(
                "Le dépôt en ligne est momentanément impossible : l’accusé de réception ne peut pas être signé. "
                "Votre brouillon est conservé ; réessayez plus tard ou écrivez aux services instructeurs."
            )
        ) from error


def acknowledgement_html(application: Application, sources: LetterSources, *, code: str) -> str:
    received = timezone.localtime(application.submitted_at).date()
    services = service_in_charge(application)
    reference = acknowledgement_reference(application)
    return render_to_string(
        "projects/applicants/acknowledgement.html",
        {
            "application": application,
            "applicant": application.applicant,
            "call": application.call,
            "region": application.call.region,
            "prefecture": sources.prefecture,
            "cnaf": sources.cnaf,
            "caf": services["caf"],
            "ddets": services["ddets"],
            "signatory": sources.signatory,
            "signature_data_uri": sources.signature,
            "place": sources.prefecture.city,
            "decision_reference": reference,
            "letter_date": french_date(received),
            "received_on": french_date(received),
            "received_at": timezone.localtime(application.submitted_at),
            "implicit_decision_on": french_date(implicit_decision_date(received)),
            "requested_rows": list(application.requested_amounts.all()),
            "documents": list(application.attachments.filter(requirement__isnull=False)),
            "verification": verification_context(reference=reference, code=code),
            "demonstration": sources.key.demonstration,
        },
    )


def make_acknowledgement(*, application: Application, sources: LetterSources) -> Acknowledgement:
    """Render, sign and store the acknowledgement of a file just filed, as an IssuedDocument.

    Call it inside the filing's transaction; should it fail, the caller deletes `acknowledgement.file`
    (storage is not transactional).
    """
    code = new_verification_code()
    pdf = sign_pdf(render_pdf(acknowledgement_html(application, sources, code=code)), key=sources.key)
    signatory = sources.signatory
    document = issue_document(
        kind=DocumentKind.ACKNOWLEDGEMENT,
        reference=acknowledgement_reference(application),
        code=code,
        pdf=pdf,
        subject=_("Dossier %(reference)s — %(title)s")
        % {"reference": application.reference, "title": application.title},
        issuer=sources.prefecture.name,
        signed_by=f"{signatory.full_name}, {signatory.capacity}",
    )
    acknowledgement = Acknowledgement(application=application, sha256=document.sha256, document=document)
    acknowledgement.file.name = document.file.name
    try:
        acknowledgement.save()
        record(
            actor=None,
            act=JournalAct.LETTER_GENERATED,
            obj=acknowledgement,
            data={"kind": "acknowledgement", "sha256": acknowledgement.sha256},
        )
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return acknowledgement
