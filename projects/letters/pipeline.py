"""Decision letters: their content and HTML from the templates, their stored versions and their sending.

The HTML is rendered here, in the Django process (it needs the database); the signed PDF/A-3b is
made from that HTML alone by projects.letters.rendering, at once for one letter or by a pool of
renderers for a batch (projects.letters.batches).
"""

import base64
import datetime
import hashlib
import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from num2words import num2words

from departments.enums import Action, OrganisationKind
from departments.models import Organisation
from departments.permissions import get_scope
from fipe.french import french_date
from projects.enums import Funder, LetterKind, Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.models import ELIGIBLE_STATUSES
from projects.letters.rendering import RENDERING_ERRORS, render_signed_pdf
from projects.letters.signing import SigningKey, signing_key
from projects.models import Application, Call, DecisionLetter, DocumentKind, Signatory, StatusChange
from projects.money import CONVENTION_THRESHOLD, format_euros, requires_convention, to_cents
from projects.notifications import events

logger = logging.getLogger(__name__)

TEMPLATES = {LetterKind.AWARD: "projects/letters/award.html", LetterKind.REFUSAL: "projects/letters/refusal.html"}
FILE_LABELS = {LetterKind.AWARD: "attribution", LetterKind.REFUSAL: "refus"}
DOCUMENT_KINDS = {LetterKind.AWARD: DocumentKind.AWARD_LETTER, LetterKind.REFUSAL: DocumentKind.REFUSAL_LETTER}


class LetterFailed(DomainError):
    """The PDF could not be produced; nothing was stored."""


class LetterAlreadyProduced(DomainError):
    """A batch found the letter produced meanwhile (by someone else): it does not add a version."""


# Amounts --------------------------------------------------------------------


def amount_in_words(amount: Decimal) -> str:
    """« deux cent trente-neuf mille cinq cents euros », « un million d’euros », « … et cinq centimes »."""
    amount = to_cents(amount)
    euros = int(amount)
    cents = int((amount - euros) * 100)
    words = num2words(euros, lang="fr")
    if euros >= 1_000_000 and euros % 1_000_000 == 0:
        # French says « un million d’euros », as for any noun after million or milliard.
        words += " d’euros"
    else:
        words += " euro" if euros in (0, 1) else " euros"
    if cents:
        words += " et " + num2words(cents, lang="fr") + (" centime" if cents == 1 else " centimes")
    return words


# Who and what a letter needs ---------------------------------------------------


def decision_reference(application: Application, kind: str) -> str:
    suffix = "ATT" if kind == LetterKind.AWARD else "REF"
    return f"{application.reference}-{suffix}"


@dataclass(frozen=True)
class LetterSources:
    """What every letter of one call shares: signatory and their key, funders' bodies, date. Loaded once per batch."""

    signatory: Signatory
    key: SigningKey | None  # None for a preview, which is not signed
    signature: str  # the signature image as a data: URI, or ""
    prefecture: Organisation
    cnaf: Organisation | None
    cafs: dict[int, Organisation]
    today: datetime.date

    @classmethod
    def for_call(cls, call: Call, *, signing: bool = True) -> "LetterSources":
        """Refused (DomainError) without a signatory in office, or, when signing, without a usable key."""
        prefecture = Organisation.objects.filter(
            kind=OrganisationKind.REGIONAL_PREFECTURE, region_id=call.region_id
        ).first()
        signatory = (
            # The latest appointed, should an outgoing one not have been deactivated yet.
            Signatory.objects.filter(organisation=prefecture, is_active=True).order_by("-pk").first()
            if prefecture
            else None
        )
        if signatory is None:
            raise DomainError(
                _(
                    "Aucun signataire en fonction pour la préfecture de la région %(region)s : "
                    "ajoutez-en un dans l’administration (Signataires) avant d’éditer les courriers."
                )
                % {"region": call.region.name}
            )
        cafs = {
            org.department_id: org
            for org in Organisation.objects.filter(kind=OrganisationKind.CAF, department__region_id=call.region_id)
        }
        cnaf = Organisation.objects.filter(kind=OrganisationKind.CNAF).first()
        return cls(
            signatory=signatory,
            key=signing_key(signatory) if signing else None,
            signature=signature_data_uri(signatory),
            prefecture=prefecture,
            cnaf=cnaf,
            cafs=cafs,
            today=timezone.localdate(),
        )


def letter_applications():
    """Applications with everything a letter reads, in a constant number of queries."""
    return Application.objects.select_related("applicant", "department", "call__region", "award").prefetch_related(
        "award__lines",
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.filter(to_status=Status.REJECTED).order_by("-at", "-pk"),
            to_attr="rejections",
        ),
    )


def check_can_issue(user, application: Application) -> None:
    """Only holders of ISSUE_LETTERS on the application's department (regional prefecture, administrators)."""
    if not get_scope(user).can(Action.ISSUE_LETTERS, application.department_id):
        raise PermissionRefused(_("Vous n’avez pas le droit d’éditer les courriers de ce département."))


def check_eligible(application: Application, kind: str) -> None:
    """An award letter answers a laureate (notified or not), a refusal letter a rejected application."""
    if application.status not in ELIGIBLE_STATUSES[kind]:
        if kind == LetterKind.AWARD:
            message = _(
                "Pas de lettre d’attribution pour le dossier %(reference)s : il n’est pas lauréat (« %(status)s »)."
            )
        else:
            message = _("Pas de lettre de refus pour le dossier %(reference)s : il n’est pas rejeté (« %(status)s »).")
        raise TransitionNotAllowed(
            message % {"reference": application.reference, "status": application.get_status_display()}
        )
    if kind == LetterKind.AWARD and not hasattr(application, "award"):
        raise DomainError(
            _("Le dossier %(reference)s n’a pas de subvention enregistrée : la lettre ne peut pas être rédigée.")
            % {"reference": application.reference}
        )


def eligible_kind(application: Application) -> str | None:
    """The kind of letter the application's status calls for, if any."""
    for kind, statuses in ELIGIBLE_STATUSES.items():
        if application.status in statuses:
            return kind
    return None


def letter_context(application: Application, kind: str, sources: LetterSources) -> dict:
    call = application.call
    context = {
        "kind": kind,
        "application": application,
        "applicant": application.applicant,
        "call": call,
        "region": call.region,
        "prefecture": sources.prefecture,
        "cnaf": sources.cnaf,
        "caf": sources.cafs.get(application.department_id),
        "signatory": sources.signatory,
        "signature_data_uri": sources.signature,
        "letter_date": french_date(sources.today),
        "place": sources.prefecture.city,
        "decision_reference": decision_reference(application, kind),
        "demonstration": bool(sources.key and sources.key.demonstration),
    }
    if kind == LetterKind.AWARD:
        award = application.award
        lines = sorted(award.lines.all(), key=lambda line: (line.year, line.funder != Funder.STATE))
        state_total = sum((line.amount for line in lines if line.funder == Funder.STATE), Decimal("0"))
        context.update(
            decision_date=french_date(timezone.localdate(award.approved_at)),
            total_figures=format_euros(award.total),
            total_words=amount_in_words(award.total),
            lines=[
                {
                    "year": line.year,
                    "funder": line.get_funder_display(),
                    "budget_reference": line.budget_reference,
                    "commitment_number": line.commitment_number,
                    "amount": format_euros(line.amount),
                }
                for line in lines
            ],
            state_total=format_euros(state_total),
            cnaf_total=format_euros(award.total - state_total),
            state_percent=_percent(call.state_share),
            cnaf_percent=_percent(call.cnaf_share),
            requires_convention=requires_convention(_yearly_totals(lines).values()),
            convention_threshold=format_euros(CONVENTION_THRESHOLD),
        )
    else:
        rejection = application.rejections[0] if application.rejections else None
        context.update(
            decision_date=french_date(timezone.localdate(rejection.at)) if rejection else "",
            reasons=rejection.comment if rejection else "",
        )
    return context


def _yearly_totals(lines) -> dict[int, Decimal]:
    """The award's amount per year, from its funding lines (already read with the application)."""
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.year] = totals.get(line.year, Decimal("0")) + line.amount
    return totals


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}".replace(".", ",")


def signature_data_uri(signatory: Signatory) -> str:
    """The signature image inlined, so that the preview and the PDF need no media URL (media is never served)."""
    if not signatory.signature_image:
        return ""
    mime = mimetypes.guess_type(signatory.signature_image.name)[0] or "image/png"
    with signatory.signature_image.open("rb") as image:
        return f"data:{mime};base64,{base64.b64encode(image.read()).decode('ascii')}"


def render_letter_html(
    application: Application, kind: str, sources: LetterSources, *, preview: bool = False, code: str = ""
) -> str:
    """The letter's HTML; `code` is its verification code (none in a preview)."""
    context = letter_context(application, kind, sources)
    context["preview"] = preview
    if code:
        context["verification"] = verification_context(reference=decision_reference(application, kind), code=code)
    return render_to_string(TEMPLATES[kind], context)


# Storing and sending ------------------------------------------------------------


def store_letter(
    *,
    application: Application,
    kind: str,
    signatory: Signatory,
    pdf: bytes,
    code: str,
    by,
    only_if_missing: bool = False,
) -> DecisionLetter:
    """Store a new version of the letter and its issued document; the status is re-checked under a lock
    on the application. Earlier versions and their documents stay as they were.

    With only_if_missing (batches), a letter produced meanwhile raises LetterAlreadyProduced.
    """
    letter = DecisionLetter(
        application=application,
        kind=kind,
        sha256=hashlib.sha256(pdf).hexdigest(),
        signatory=signatory,
        generated_by=by,
    )
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            check_eligible(locked, kind)
            latest = DecisionLetter.objects.filter(application=application, kind=kind).aggregate(v=Max("version"))["v"]
            if latest and only_if_missing:
                raise LetterAlreadyProduced(_("produit entre-temps (version %(version)s)") % {"version": latest})
            letter.version = (latest or 0) + 1
            letter.document = issue_document(
                kind=DOCUMENT_KINDS[kind],
                reference=decision_reference(application, kind),
                version=letter.version,
                code=code,
                pdf=pdf,
                subject=_("Dossier %(reference)s — %(title)s")
                % {"reference": application.reference, "title": application.title},
                issuer=signatory.organisation.name,
                signed_by=f"{signatory.full_name}, {signatory.capacity}",
                amount=application.award.total if kind == LetterKind.AWARD else None,
                is_public=kind == LetterKind.AWARD,
            )
            letter.file.name = letter.document.file.name
            letter.save()
    except BaseException:
        if letter.file.name:
            letter.file.storage.delete(letter.file.name)
        raise
    return letter


def generate_letter(*, application: Application, kind: str, by) -> DecisionLetter:
    """Produce and store a new version of the application's award or refusal letter.

    Never changes a status. On any failure nothing is stored, the previous versions stay
    as they were, and a DomainError says why.
    """
    kind = LetterKind(kind)
    check_can_issue(by, application)
    application = letter_applications().get(pk=application.pk)
    check_eligible(application, kind)
    sources = LetterSources.for_call(application.call)
    code = new_verification_code()
    try:
        pdf = render_signed_pdf(render_letter_html(application, kind, sources, code=code), key=sources.key)
    except RENDERING_ERRORS as error:
        logger.exception("letter generation failed for %s", application.reference)
        raise LetterFailed(
            _("Le courrier du dossier %(reference)s n’a pas pu être produit (%(error)s) ; rien n’a été modifié.")
            % {"reference": application.reference, "error": error}
        ) from error
    return store_letter(application=application, kind=kind, signatory=sources.signatory, pdf=pdf, code=code, by=by)


def mark_letter_sent(*, letter: DecisionLetter, by) -> DecisionLetter:
    """Send a decision letter: an e-mail to the applicant's contact with the PDF, written to the outbox in
    this transaction (none without an address: the letter is then posted), and a journal entry.

    Only the latest version, once. An award letter makes its laureate notified; a corrected version
    of a letter to an already notified laureate may be sent too, the status then stays as it is. A
    refusal letter changes no status: its file is rejected and stays so, and the applicant's space
    shows the decision once the letter is sent.
    """
    with transaction.atomic():
        # The join locks the application's row too: its status cannot change until the letter is sent.
        letter = DecisionLetter.objects.select_for_update().select_related("application").get(pk=letter.pk)
        application = letter.application
        check_can_issue(by, application)
        if letter.sent_at is not None:
            raise DomainError(
                _("Cette lettre a déjà été envoyée le %(date)s.")
                % {"date": french_date(timezone.localdate(letter.sent_at))}
            )
        latest = DecisionLetter.objects.filter(application=application, kind=letter.kind).aggregate(v=Max("version"))[
            "v"
        ]
        if letter.version != latest:
            raise DomainError(
                _("La version %(latest)s de cette lettre est plus récente : c’est elle qu’il faut envoyer.")
                % {"latest": latest}
            )
        if letter.kind == LetterKind.REFUSAL and application.status != Status.REJECTED:
            raise TransitionNotAllowed(
                _("Cette lettre de refus ne peut pas être envoyée : le dossier n’est plus rejeté (« %(status)s »).")
                % {"status": application.get_status_display()}
            )
        if letter.kind == LetterKind.AWARD and application.status != Status.NOTIFIED:
            application.notify(
                by=by, comment=_("Lettre d’attribution v%(version)s envoyée.") % {"version": letter.version}
            )
        letter.sent_at = timezone.now()
        letter.save(update_fields=["sent_at"])
        events.letter_sent(letter=letter, reference=decision_reference(application, letter.kind))
        record(
            actor=by, act=JournalAct.LETTER_SENT, obj=letter, data={"version": letter.version, "sha256": letter.sha256}
        )
    return letter


def letters_to_send(*, call: Call, department_ids) -> QuerySet:
    """The call's letters still to send in those departments (`DecisionLetter.objects.to_send`)."""
    return (
        DecisionLetter.objects.to_send()
        .filter(application__call=call, application__department_id__in=department_ids)
        .select_related("application")
    )


def mark_letters_sent(*, letters: Iterable[DecisionLetter], by) -> list[DecisionLetter]:
    """Send several decision letters in one transaction: all of them, or none.

    Each goes through mark_letter_sent, the rule for one letter; the first refusal undoes the
    others and names its file.
    """
    letters = sorted(letters, key=lambda letter: letter.pk)
    if not letters:
        raise DomainError(_("Sélectionnez au moins une lettre à envoyer."))
    sent = []
    with transaction.atomic():
        for letter in letters:
            try:
                sent.append(mark_letter_sent(letter=letter, by=by))
            except DomainError as error:
                raise DomainError(
                    _("%(reference)s : %(reason)s Aucune lettre n’a été envoyée.")
                    % {"reference": letter.application.reference, "reason": error.message}
                ) from None
    return sent
