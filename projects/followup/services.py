"""Operations of the follow-up: conventions, yearly reports, recoveries, reminders. Keyword-only, no request."""

import hashlib
import logging
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint.urls import FatalURLFetchingError

from departments.enums import Action
from departments.permissions import get_scope
from fipe.pdf import render_pdf
from projects.enums import LetterKind
from projects.exceptions import DomainError, PermissionRefused
from projects.followup.models import (
    Convention,
    ConventionVersion,
    FollowupTerms,
    Recovery,
    ReportStatus,
    ReportVersion,
    YearlyReport,
    default_indicators,
)
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.pipeline import LetterSources, amount_in_words, letter_applications, letter_context
from projects.letters.signing import sign_pdf
from projects.models import Award, DocumentKind, FundingLine, Payment
from projects.money import format_euros, parse_amount
from projects.uploads import MAX_ATTACHMENT_SIZE, PDF, detect_content_type

logger = logging.getLogger(__name__)
ZERO = Decimal("0")

# The headings of the compte rendu financier (Cerfa n° 15059, annexe), by account class of the PCG.
EXPENSE_CATEGORIES = [
    ("60", "Achats"),
    ("61", "Services extérieurs"),
    ("62", "Autres services extérieurs"),
    ("63", "Impôts et taxes"),
    ("64", "Charges de personnel"),
    ("65", "Autres charges de gestion courante"),
    ("66-68", "Charges financières, exceptionnelles, dotations"),
    ("86", "Contributions volontaires en nature"),
]
INCOME_CATEGORIES = [
    ("70", "Ventes de produits finis, prestations de services"),
    ("74-fipe", "Subvention FIPE (État et Cnaf)"),
    ("74-other", "Autres subventions d’exploitation"),
    ("75", "Autres produits de gestion courante"),
    ("76-78", "Produits financiers, exceptionnels, reprises"),
    ("87", "Contributions volontaires en nature"),
]


def indicators_of(call) -> list[tuple[str, str]]:
    """The call's activity indicators (code, label); the default four when it sets none."""
    terms = FollowupTerms.objects.filter(call=call).first()
    pairs = terms.indicators if terms and terms.indicators else default_indicators()
    return [(str(code), str(label)) for code, label in pairs]


def report_years(award: Award) -> list[int]:
    """The programme years of the award that call for a report: those it funds."""
    return sorted(amount.year for amount in award.amounts.all())


# Permissions --------------------------------------------------------------------


def can_review_reports(user, department_id: int) -> bool:
    """Reports are reviewed, and recoveries recorded, by the Caf or DDETS instructors of the department."""
    return get_scope(user).can(Action.REVIEW, department_id)


def can_file_reports(user, department_id: int) -> bool:
    """Staff file reports on the laureate's behalf: the department's instructors or those who manage files."""
    scope = get_scope(user)
    return scope.can(Action.REVIEW, department_id) or scope.can(Action.MANAGE, department_id)


def can_manage_conventions(user, department_id: int) -> bool:
    return get_scope(user).can(Action.ISSUE_LETTERS, department_id)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionRefused(message)


# Conventions --------------------------------------------------------------------


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
    _require(
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
        _require(
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


# Yearly reports ------------------------------------------------------------------


def _amount(raw, field_name: str) -> Decimal:
    try:
        value = parse_amount(raw if raw not in (None, "") else "0")
    except ValueError as error:
        raise ValidationError({field_name: _("Montant illisible : %(error)s.") % {"error": error}}) from None
    if value < 0:
        raise ValidationError({field_name: _("Le montant ne peut pas être négatif.")})
    return value


def clean_financial(financial: Mapping) -> dict:
    """The Cerfa table with every amount read and checked; field names `expenses-60-planned` in errors."""
    cleaned = {}
    for section, categories in (("expenses", EXPENSE_CATEGORIES), ("income", INCOME_CATEGORIES)):
        cleaned[section] = {}
        given = financial.get(section, {}) or {}
        for code, _label in categories:
            row = given.get(code, {}) or {}
            cleaned[section][code] = {
                column: str(_amount(row.get(column), f"{section}-{code}-{column}")) for column in ("planned", "actual")
            }
    return cleaned


def clean_indicators(call, indicators: Mapping) -> dict[str, int]:
    cleaned = {}
    for code, _label in indicators_of(call):
        raw = indicators.get(code)
        if raw in (None, ""):
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValidationError({f"indicator-{code}": _("Indiquez un nombre entier.")}) from None
        if value < 0 or value > 10_000_000:
            raise ValidationError({f"indicator-{code}": _("Indiquez un nombre entre 0 et 10 000 000.")})
        cleaned[code] = value
    return cleaned


def file_report(
    *,
    award: Award,
    year: int,
    by=None,
    applicant_email: str = "",
    financial: Mapping,
    subsidy_used,
    gaps_explanation: str = "",
    indicators: Mapping,
    comment: str = "",
) -> ReportVersion:
    """File (a new version of) the report of a programme year: by staff on the laureate's behalf (`by`), or
    by the laureate from their space (`applicant_email`: the caller has checked that it holds the file).

    All or nothing: a bad figure raises ValidationError keyed by its field and nothing is saved.
    """
    award = Award.objects.select_related("application__call").get(pk=award.pk)
    application = award.application
    if not applicant_email:
        _require(
            can_file_reports(by, application.department_id),
            _("Vous n’avez pas le droit de déposer les comptes rendus de ce département."),
        )
    years = report_years(award)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Choisissez une année du programme.")}) from None
    if year not in years:
        raise ValidationError(
            {
                "year": _("L’année %(year)s n’est pas une année financée du programme (%(years)s).")
                % {"year": year, "years": ", ".join(map(str, years))}
            }
        )
    cleaned_financial = clean_financial(financial)
    used = _amount(subsidy_used, "subsidy_used")
    cleaned_indicators = clean_indicators(application.call, indicators)
    with transaction.atomic():
        report, _created = YearlyReport.objects.select_for_update().get_or_create(award=award, year=year)
        if report.status == ReportStatus.ACCEPTED:
            raise ValidationError({"year": _("Le compte rendu %(year)s est déjà accepté.") % {"year": year}})
        latest = report.versions.aggregate(n=Max("number"))["n"] or 0
        version = ReportVersion.objects.create(
            report=report,
            number=latest + 1,
            financial=cleaned_financial,
            subsidy_used=used,
            gaps_explanation=gaps_explanation.strip(),
            indicators=cleaned_indicators,
            comment=comment.strip(),
            filed_by=None if applicant_email else by,
            filed_by_applicant=applicant_email,
        )
        report.status = ReportStatus.FILED
        report.subsidy_used = used
        report.indicators = cleaned_indicators
        report.save()
    return version


def review_report(*, report: YearlyReport, by, accept: bool, message: str = "") -> YearlyReport:
    """Accept the latest version of a filed report, or ask for corrections with a message."""
    message = (message or "").strip()
    with transaction.atomic():
        report = YearlyReport.objects.select_for_update().select_related("award__application").get(pk=report.pk)
        _require(
            can_review_reports(by, report.award.application.department_id),
            _("Seuls la Caf et la DDETS du département examinent les comptes rendus."),
        )
        if report.status != ReportStatus.FILED:
            raise DomainError(
                _("Le compte rendu %(year)s n’attend pas d’examen (« %(status)s »).")
                % {"year": report.year, "status": report.get_status_display()}
            )
        if not accept and not message:
            raise ValidationError({"message": _("Dites au porteur ce qu’il doit corriger.")})
        decision = ReportStatus.ACCEPTED if accept else ReportStatus.CORRECTIONS
        latest = report.versions.order_by("-number").first()
        latest.decision = decision
        latest.decision_message = message
        latest.decided_by = by
        latest.decided_at = timezone.now()
        latest.save(update_fields=["decision", "decision_message", "decided_by", "decided_at"])
        report.status = decision
        report.save(update_fields=["status", "updated_at"])
    return report


# Recoveries ----------------------------------------------------------------------


def record_recovery(*, line: FundingLine, by, amount, reason: str, report: YearlyReport | None = None) -> Recovery:
    """Record subsidy to be paid back on a line: never more than was paid on it, less what is already recovered."""
    line = FundingLine.objects.select_related("award__application").get(pk=line.pk)
    _require(
        can_review_reports(by, line.award.application.department_id),
        _("Seuls la Caf et la DDETS du département enregistrent un reversement."),
    )
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Le montant à reverser doit être supérieur à zéro.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du reversement.")})
    with transaction.atomic():
        FundingLine.objects.select_for_update().values_list("pk", flat=True).get(pk=line.pk)
        paid = Payment.objects.filter(line=line).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
        recovered = Recovery.objects.filter(line=line).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
        if recovered + amount > paid:
            raise ValidationError(
                {
                    "amount": _(
                        "Reversement refusé : %(amount)s dépasse ce qui a été versé sur la ligne %(line)s "
                        "(%(paid)s versés, %(recovered)s déjà à reverser)."
                    )
                    % {
                        "amount": format_euros(amount),
                        "line": line.label,
                        "paid": format_euros(paid),
                        "recovered": format_euros(recovered),
                    }
                }
            )
        return Recovery.objects.create(line=line, amount=amount, reason=reason, report=report, recorded_by=by)
