"""The minutes (procès-verbal) of a CDSF meeting: made, signed and issued through the letters' pipeline.

The departmental prefecture's letterhead, Marianne, PDF/A-3b, the static-only URL fetcher, the
signature blocks of the committee's president (the departmental prefecture's signatory, whose
certificate signs the PDF) and of its secretariat, a verification code and its QR code.
"""

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import OrganisationKind
from departments.models import Organisation
from fipe.pdf import render_pdf
from projects.exceptions import DomainError
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.signing import sign_pdf, signing_key
from projects.models import DocumentKind, IssuedDocument, Signatory
from reviews.committee.agenda import agenda_rows, decision_order
from reviews.models import CommitteeMeeting


def minutes_reference(meeting: CommitteeMeeting) -> str:
    return f"PV-CDSF-{meeting.department.code}-{meeting.date:%Y%m%d}-{meeting.pk}"


def committee_president(meeting: CommitteeMeeting) -> Signatory:
    """The departmental prefecture's signatory in office: the prefect chairs the CDSF and signs its minutes."""
    signatory = (
        Signatory.objects.select_related("organisation")
        .filter(
            organisation__kind=OrganisationKind.PREFECTURE,
            organisation__department_id=meeting.department_id,
            is_active=True,
        )
        .order_by("-pk")
        .first()
    )
    if signatory is None:
        raise DomainError(
            _(
                "Aucun signataire en fonction pour la préfecture du département %(department)s : ajoutez-en un dans "
                "l’administration (Signataires) pour que le procès-verbal soit signé."
            )
            % {"department": meeting.department}
        )
    return signatory


def issue_minutes(*, meeting: CommitteeMeeting, postponed) -> IssuedDocument:
    """Render, sign and store the minutes: members and their conflicts, the ranked decisions, the postponed files.

    Called by close_meeting inside its transaction, once the files have moved. A president without a
    usable certificate raises a DomainError before anything is rendered.
    """
    president = committee_president(meeting)
    key = signing_key(president)
    rows = decision_order(agenda_rows(meeting))
    years = meeting.call.programme_years
    for row in rows:
        amounts = {amount.year: amount.amount for amount in row.proposal.amounts.all()}
        row.proposed_by_year = [amounts.get(year) for year in years]
    members = list(meeting.members.prefetch_related("declared_conflicts"))
    prefecture = Organisation.objects.filter(
        kind=OrganisationKind.PREFECTURE, department_id=meeting.department_id
    ).first()
    reference = minutes_reference(meeting)
    code = new_verification_code()
    secretary = meeting.closed_by
    html = render_to_string(
        "reviews/committee/minutes.html",
        {
            "meeting": meeting,
            "prefecture": prefecture or president.organisation,
            "members": members,
            "rows": rows,
            # The last row travels with the total (see minutes.css).
            "row_groups": [rows[:-1], rows[-1:]] if len(rows) > 1 else [rows],
            "total_colspan": 6 + len(years),
            "years": years,
            "postponed": postponed,
            "any_conflict": any(row.instructor_conflicts for row in rows)
            or any(member.declared_conflicts.all() for member in members),
            "proposed_total": sum((row.proposal.proposed_total for row in rows if row.is_proposed), Decimal("0")),
            "closed_at": timezone.localtime(meeting.closed_at),
            "president": president,
            "secretary_name": secretary.get_full_name() or secretary.username,
            "secretary_organisation": _("Comité départemental des services aux familles — %(department)s")
            % {"department": meeting.department},
            "verification": verification_context(reference=reference, code=code),
            "demonstration": key.demonstration,
        },
    )
    pdf = sign_pdf(render_pdf(html), key=key)
    return issue_document(
        kind=DocumentKind.MINUTES,
        reference=reference,
        code=code,
        pdf=pdf,
        subject=_("CDSF %(department)s, séance du %(date)s")
        % {"department": meeting.department, "date": meeting.date.strftime("%d/%m/%Y")},
        issuer=(prefecture or president.organisation).name,
        signed_by=f"{president.full_name}, {president.capacity}",
    )
