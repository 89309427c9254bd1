"""What the application tells by e-mail, and to whom: one function per event, called by the service
that makes the change, inside its transaction.

The reviews app calls these too; it passes its objects in, this module never imports it.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.money import format_euros
from projects.notifications import recipients
from projects.notifications.enums import Event
from projects.notifications.services import Attachment, absolute_url, notify

TEMPLATES = "projects/notifications/email"
# Signed download links of letters too large to attach stay valid this long.
LETTER_LINK_MAX_AGE = 90 * 24 * 60 * 60
LETTER_LINK_SALT = "projects.notifications.letter"


def _application_url(application) -> str:
    return absolute_url(reverse("projects:application_detail", kwargs={"reference": application.reference}))


def _application_context(application) -> dict:
    return {"application": application, "department": application.department, "url": _application_url(application)}


def application_submitted(application) -> None:
    """A file of their department is submitted: its Caf and DDETS instructors."""
    notify(
        event=Event.APPLICATION_SUBMITTED,
        recipients=recipients.instructors(application.department_id),
        subject=_("FIPE — Dossier déposé à instruire : %(reference)s") % {"reference": application.reference},
        template=f"{TEMPLATES}/application_submitted",
        context=_application_context(application),
        about=application,
    )


def review_submitted(*, application, body: str, waiting_kinds: list[str]) -> None:
    """A review is in: the instructors whose review is still awaited, or the CDSF once both are in.

    `body` is the label of the body that submitted (« Caf »), `waiting_kinds` the organisation kinds
    whose review is not submitted yet.
    """
    context = {**_application_context(application), "body": body}
    if waiting_kinds:
        notify(
            event=Event.REVIEW_SUBMITTED,
            recipients=recipients.instructors(application.department_id, kinds=waiting_kinds),
            subject=_("FIPE — Avis de la %(body)s transmis, le vôtre est attendu : %(reference)s")
            % {"body": body, "reference": application.reference},
            template=f"{TEMPLATES}/review_submitted",
            context=context,
            about=application,
        )
    else:
        notify(
            event=Event.REVIEWS_COMPLETE,
            recipients=recipients.committee_secretaries(application.department_id),
            subject=_("FIPE — Instruction terminée, dossier prêt pour le CDSF : %(reference)s")
            % {"reference": application.reference},
            template=f"{TEMPLATES}/reviews_complete",
            context=context,
            about=application,
        )


def committee_closed(*, meeting, proposals) -> None:
    """A CDSF closed its meeting: the regional prefecture, with the proposals waiting and their amounts.

    `proposals` are the meeting's proposals (application, decision, proposed_total).
    """
    proposed = [proposal for proposal in proposals if proposal.decision == "proposed"]
    total = sum((proposal.proposed_total or 0 for proposal in proposed), 0)
    notify(
        event=Event.COMMITTEE_CLOSED,
        recipients=recipients.regional_approvers(meeting.department.region_id),
        subject=ngettext(
            "FIPE — CDSF %(department)s du %(date)s : %(count)d proposition à valider",
            "FIPE — CDSF %(department)s du %(date)s : %(count)d propositions à valider",
            len(proposed),
        )
        % {"department": meeting.department.name, "date": meeting.date.strftime("%d/%m/%Y"), "count": len(proposed)},
        template=f"{TEMPLATES}/committee_closed",
        context={
            "meeting": meeting,
            "department": meeting.department,
            "proposed": [(proposal, format_euros(proposal.proposed_total)) for proposal in proposed],
            "not_proposed": len(proposals) - len(proposed),
            "total": format_euros(total),
            "url": absolute_url(reverse("projects:approval", kwargs={"reference": meeting.call.reference})),
        },
        about=meeting,
    )


def laureate_approved(award) -> None:
    """A laureate is approved: the department's Caf, DDETS and CDSF."""
    application = award.application
    notify(
        event=Event.LAUREATE_APPROVED,
        recipients=recipients.department_staff(application.department_id),
        subject=_("FIPE — Lauréat retenu : %(reference)s (%(amount)s)")
        % {"reference": application.reference, "amount": format_euros(award.total)},
        template=f"{TEMPLATES}/laureate_approved",
        context={**_application_context(application), "amount": format_euros(award.total)},
        about=application,
    )


def application_rejected(*, application, reason: str) -> None:
    """An application is rejected: the department's Caf, DDETS and CDSF."""
    notify(
        event=Event.APPLICATION_REJECTED,
        recipients=recipients.department_staff(application.department_id),
        subject=_("FIPE — Dossier rejeté : %(reference)s") % {"reference": application.reference},
        template=f"{TEMPLATES}/application_rejected",
        context={**_application_context(application), "reason": reason},
        about=application,
    )


def letter_download_token(letter) -> str:
    return signing.dumps(letter.pk, salt=LETTER_LINK_SALT)


def letter_from_token(token: str) -> int | None:
    """The letter's id a download link names, if its signature holds and it has not expired."""
    try:
        return signing.loads(token, salt=LETTER_LINK_SALT, max_age=LETTER_LINK_MAX_AGE)
    except signing.BadSignature:
        return None


def letter_goes_attached(letter) -> bool:
    """Whether the letter is attached to its e-mail; above the size cap the e-mail carries a link instead."""
    return letter.file.size <= settings.NOTIFICATION_ATTACHMENT_MAX_BYTES


def letter_sent(*, letter, reference: str) -> list:
    """The decision letter goes to the applicant's contact: attached, or as a link when it is too large.

    `reference` is the decision's reference, named in the subject. Returns the messages written.
    """
    application = letter.application
    applicant = application.applicant
    attachments = []
    link = ""
    if letter_goes_attached(letter):
        with letter.file.open("rb") as pdf:
            attachments.append(Attachment(f"{reference}.pdf", pdf.read()))
    else:
        link = absolute_url(reverse("projects:letter_link", kwargs={"token": letter_download_token(letter)}))
    award = getattr(application, "award", None) if letter.kind == "award" else None
    return notify(
        event=Event.LETTER_SENT,
        recipients=[applicant.contact_email] if applicant.contact_email else [],
        subject=_("Fonds d’innovation pour la petite enfance — décision %(reference)s : %(title)s")
        % {"reference": reference, "title": application.title},
        template=f"{TEMPLATES}/letter_sent",
        context={
            "application": application,
            "applicant": applicant,
            "letter": letter,
            "reference": reference,
            "amount": format_euros(award.total) if award else "",
            "link": link,
            "link_days": LETTER_LINK_MAX_AGE // 86400,
        },
        about=letter,
        attachments=attachments,
        always=True,
    )


def batch_finished(batch) -> None:
    """A letter batch finished or failed: whoever started it."""
    notify(
        event=Event.BATCH_FINISHED,
        recipients=[batch.requested_by],
        subject=(
            _("FIPE — Lot de courriers %(call)s terminé : %(done)s, %(failed)d en échec")
            % {
                "call": batch.call.reference,
                "done": ngettext("%(count)d produit", "%(count)d produits", batch.done) % {"count": batch.done},
                "failed": batch.failed,
            }
            if batch.status == "done"
            else _("FIPE — Lot de courriers %(call)s en échec") % {"call": batch.call.reference}
        ),
        template=f"{TEMPLATES}/batch_finished",
        context={
            "batch": batch,
            "url": absolute_url(reverse("projects:letter_batch", kwargs={"pk": batch.pk})),
            "finished_at": timezone.localtime(batch.finished_at) if batch.finished_at else None,
            # A failed batch's report is the one line that says why.
            "reason": batch.report[0].get("message", "") if batch.status == "failed" and batch.report else "",
        },
        about=batch,
    )


def payment_recorded(payment) -> None:
    """A payment is recorded: the applicant's contact is told the amount and the funder."""
    line = payment.line
    application = line.award.application
    contact = application.applicant.contact_email
    notify(
        event=Event.PAYMENT_RECORDED,
        recipients=[contact] if contact else [],
        subject=_("Fonds d’innovation pour la petite enfance — versement de %(amount)s, dossier %(reference)s")
        % {"amount": format_euros(payment.amount), "reference": application.reference},
        template=f"{TEMPLATES}/payment_recorded",
        context={
            "application": application,
            "applicant": application.applicant,
            "payment": payment,
            "line": line,
            "amount": format_euros(payment.amount),
        },
        about=payment,
        always=True,
    )
