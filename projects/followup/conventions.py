"""The convention of an award above the threshold: produced and signed like the letters, sent,
returned signed by the laureate (by staff or from their space), countersigned. Keyword-only, no request."""

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint.urls import FatalURLFetchingError

from fipe.pdf import render_pdf
from projects.enums import LetterKind
from projects.exceptions import DomainError
from projects.followup.models import Convention, ConventionVersion, FollowupTerms
from projects.followup.permissions import can_manage_conventions, require_right
from projects.followup.services import indicators_of
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.pipeline import LetterSources, amount_in_words, letter_applications, letter_context
from projects.letters.signing import sign_pdf
from projects.models import Award, DocumentKind
from projects.money import format_euros
from projects.uploads import MAX_ATTACHMENT_SIZE, PDF, detect_content_type

logger = logging.getLogger(__name__)


def convention_context(award: Award, sources: LetterSources) -> dict:
    """What the convention says: the award letter's context (parties, lines), plus the amounts per year in words."""
    application = letter_applications().prefetch_related("award__amounts").get(pk=award.application_id)
    context = letter_context(application, LetterKind.AWARD, sources)
    by_year = {}
    for line in application.award.lines.all():
        by_year.setdefault(line.year, []).append(line)
    years = []
    for amount in application.award.amounts.all():
        lines = sorted(by_year.get(amount.year, []), key=lambda line: line.funder != "state")
        years.append(
            {
                "year": amount.year,
                "figures": format_euros(amount.amount),
                "words": amount_in_words(amount.amount),
                "lines": [
                    {
                        "funder": line.get_funder_display(),
                        "figures": format_euros(line.amount),
                        "words": amount_in_words(line.amount),
                    }
                    for line in lines
                ],
            }
        )
    terms = FollowupTerms.objects.filter(call_id=application.call_id).first()
    context.update(
        decision_reference=convention_reference(application),
        years=years,
        first_year=years[0]["year"] if years else application.call.first_year,
        last_year=years[-1]["year"] if years else application.call.last_year,
        advance_percent=terms.advance_percent.normalize() if terms else None,
        indicators=indicators_of(application.call),
    )
    return context


def convention_reference(application) -> str:
    return f"{application.reference}-CONV"


def render_convention(award: Award, sources: LetterSources, *, code: str = "") -> bytes:
    """The convention's PDF, unsigned; with `code`, its verification box (reference, code, QR code)."""
    context = convention_context(award, sources)
    if code:
        context["verification"] = verification_context(reference=convention_reference(award.application), code=code)
    return render_pdf(render_to_string("projects/followup/convention.html", context))


def generate_convention(*, award: Award, by) -> ConventionVersion:
    """Produce, sign and store a new version of the award's convention (the tracking restarts from « to send »).

    Signed by the regional prefecture's signatory like the award letters and issued with a verification
    code, so that /verifier/ recognises it. On any failure nothing is stored and a DomainError says why.
    """
    award = Award.objects.select_related("application__call__region").get(pk=award.pk)
    require_right(
        can_manage_conventions(by, award.application.department_id),
        _("Vous n’avez pas le droit d’éditer les conventions de ce département."),
    )
    if not award.requires_convention:
        raise DomainError(
            _("Aucune année de la subvention du dossier %(reference)s ne dépasse 23 000 € : pas de convention.")
            % {"reference": award.application.reference}
        )
    sources = LetterSources.for_call(award.application.call)  # refused without a signatory able to sign
    code = new_verification_code()
    try:
        pdf = sign_pdf(render_convention(award, sources, code=code), key=sources.key)
    except (Exception, FatalURLFetchingError) as error:
        if isinstance(error, DomainError):
            raise
        logger.exception("convention failed for %s", award.application.reference)
        raise DomainError(
            _("La convention n’a pas pu être produite (%(error)s) ; rien n’a été modifié.") % {"error": error}
        ) from error
    version = ConventionVersion(sha256=hashlib.sha256(pdf).hexdigest(), generated_by=by)
    try:
        with transaction.atomic():
            convention, created = Convention.objects.select_for_update().get_or_create(
                award=award, defaults={"updated_by": by}
            )
            if convention.signed_received_at:
                raise DomainError(
                    _("La convention a déjà été signée par le porteur : elle ne peut plus être régénérée.")
                )
            latest = convention.versions.aggregate(v=Max("version"))["v"] or 0
            version.convention = convention
            version.version = latest + 1
            signatory = sources.signatory
            version.document = issue_document(
                kind=DocumentKind.CONVENTION,
                reference=convention_reference(award.application),
                version=version.version,
                code=code,
                pdf=pdf,
                subject=_("Convention du dossier %(reference)s") % {"reference": award.application.reference},
                issuer=signatory.organisation.name,
                signed_by=f"{signatory.full_name}, {signatory.capacity}",
            )
            version.file.name = version.document.file.name
            version.save()
            record(
                actor=by,
                act=JournalAct.LETTER_GENERATED,
                obj=version,
                application=award.application,
                data={"kind": "convention", "version": version.version, "sha256": version.sha256},
            )
            if not created and convention.sent_at:
                convention.sent_at = None
                convention.updated_by = by
                convention.save(update_fields=["sent_at", "updated_by"])
    except BaseException:
        if version.file.name:
            version.file.storage.delete(version.file.name)
        raise
    return version


def _locked_convention(convention: Convention, by, *, applicant_email: str = "") -> Convention:
    """The convention locked; staff need the right on its department, the laureate's hold is checked by the caller."""
    convention = Convention.objects.select_for_update().select_related("award__application").get(pk=convention.pk)
    if not applicant_email:
        require_right(
            can_manage_conventions(by, convention.award.application.department_id),
            _("Vous n’avez pas le droit de suivre les conventions de ce département."),
        )
    return convention


def mark_convention_sent(*, convention: Convention, by) -> Convention:
    with transaction.atomic():
        convention = _locked_convention(convention, by)
        if convention.sent_at:
            raise DomainError(_("La convention est déjà marquée comme envoyée."))
        convention.sent_at = timezone.now()
        convention.updated_by = by
        convention.save(update_fields=["sent_at", "updated_by"])
        latest = convention.versions.order_by("-version").first()
        record(
            actor=by,
            act=JournalAct.LETTER_SENT,
            obj=convention,
            application=convention.award.application,
            data={"kind": "convention", "version": latest.version, "sha256": latest.sha256} if latest else {},
        )
    return convention


def validate_signed_copy(uploaded) -> None:
    """A signed copy is a PDF by its content, 10 MB at most; ValidationError keyed on the upload field."""
    if uploaded.size == 0 or uploaded.size > MAX_ATTACHMENT_SIZE:
        raise ValidationError({"signed_copy": _("L’exemplaire signé doit être un PDF de 10 Mo au plus, non vide.")})
    if detect_content_type(uploaded) != PDF:
        raise ValidationError({"signed_copy": _("L’exemplaire signé n’est pas un fichier PDF : il est refusé.")})


def receive_signed_copy(*, convention: Convention, by=None, applicant_email: str = "", uploaded) -> Convention:
    """Store the copy signed by the beneficiary (a checked PDF), once the convention was sent.

    Uploaded by staff (`by`), or by the laureate from their space (`applicant_email`: the caller has
    checked that the address holds the file, as for Application.applicant_transition).
    """
    validate_signed_copy(uploaded)
    content = uploaded.read()
    with transaction.atomic():
        convention = _locked_convention(convention, by, applicant_email=applicant_email)
        if not convention.sent_at:
            raise DomainError(_("La convention n’a pas encore été envoyée au porteur."))
        if convention.countersigned_at:
            raise DomainError(_("La convention est déjà contresignée."))
        convention.signed_copy.save("signee.pdf", ContentFile(content), save=False)
        convention.signed_copy_sha256 = hashlib.sha256(content).hexdigest()
        convention.signed_received_at = timezone.now()
        convention.signed_copy_by_applicant = applicant_email
        convention.updated_by = by or convention.updated_by
        convention.save()
    return convention


def countersign_convention(*, convention: Convention, by) -> Convention:
    with transaction.atomic():
        convention = _locked_convention(convention, by)
        if not convention.signed_received_at:
            raise DomainError(_("L’exemplaire signé par le porteur n’a pas été reçu : pas de contreseing."))
        if convention.countersigned_at:
            raise DomainError(_("La convention est déjà contresignée."))
        convention.countersigned_at = timezone.now()
        convention.updated_by = by
        convention.save(update_fields=["countersigned_at", "updated_by"])
    return convention
