"""Operations that span several models. Keyword-only, typed, no request, no messages."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import Funder, Status
from projects.exceptions import (
    DomainError,
    EnvelopeExceeded,
    PermissionRefused,
    SelectionRefused,
    TransitionNotAllowed,
)
from projects.followup.schedule import payment_refusal
from projects.models import (
    Application,
    Award,
    AwardAmount,
    Call,
    DepartmentEnvelope,
    FundingLine,
    Payment,
    StatusChange,
    YearEnvelope,
)
from projects.money import check_year_amounts, format_euros, parse_amount, split
from projects.notifications import events


def committed_total(*, call: Call, department: Department | None = None) -> Decimal:
    """What the call's awards already commit (optionally for one department)."""
    awards = Award.objects.filter(application__call=call)
    if department is not None:
        awards = awards.filter(application__department=department)
    return awards.aggregate(total=Coalesce(Sum("total"), Decimal("0")))["total"]


def check_call_funding(*, call: Call, envelope: Decimal | None, state_share: Decimal | None) -> None:
    """Refuse (ValidationError by field) a call's envelope or State share that the approvals forbid.

    The envelope never goes below what the call's awards commit; the State share never changes
    once an award has been split with it (its funding lines never change). Run it in the
    transaction that saves: it locks the call's row, as approve_laureate does, so an approval
    under way is either counted here or waits for the save.
    """
    if call.pk is None:
        return
    Call.objects.select_for_update().values_list("pk", flat=True).get(pk=call.pk)
    errors = {}
    committed = committed_total(call=call)
    if envelope is not None and envelope < committed:
        errors["envelope"] = _("L’appel a déjà %(committed)s engagés : l’enveloppe ne peut pas être inférieure.") % {
            "committed": format_euros(committed)
        }
    stored_share = Call.objects.values_list("state_share", flat=True).get(pk=call.pk)
    if (
        state_share is not None
        and state_share != stored_share
        and Award.objects.filter(application__call=call).exists()
    ):
        errors["state_share"] = _(
            "Des subventions de cet appel sont déjà réparties entre l’État et la Cnaf selon cette part : "
            "elle ne peut plus changer."
        )
    if errors:
        raise ValidationError(errors)


def check_department_envelope(*, call: Call, department: Department, amount: Decimal) -> None:
    """Refuse (ValidationError on `amount`) a department's envelope below what its awards commit.

    Same lock as check_call_funding, in the transaction that saves.
    """
    Call.objects.select_for_update().values_list("pk", flat=True).get(pk=call.pk)
    committed = committed_total(call=call, department=department)
    if amount < committed:
        raise ValidationError(
            {
                "amount": _("Le département a déjà %(committed)s engagés : l’enveloppe ne peut pas être inférieure.")
                % {"committed": format_euros(committed)}
            }
        )


def clean_award_amounts(*, call: Call, amounts_by_year: Mapping) -> dict[int, Decimal]:
    """The amounts per programme year, in cents, without the years left at zero.

    Refuses (DomainError, in French) a year outside the programme, an amount that is not a
    number, negative or with more than two decimals, and a total of zero.
    """
    checked = check_year_amounts(amounts_by_year, years=call.programme_years)
    if checked.problems:
        raise DomainError(next(iter(checked.problems.values())))
    amounts = {year: amount for year, amount in checked.amounts.items() if amount > 0}
    if not amounts:
        raise DomainError(_("Le montant attribué doit être supérieur à zéro."))
    return amounts


def _check_requested(*, application: Application, amounts: Mapping[int, Decimal]) -> None:
    """Refuse a year awarded more than was requested for it, as the reviews and the committee are refused."""
    checked = check_year_amounts(
        dict(sorted(amounts.items())),
        years=application.call.programme_years,
        requested=application.requested_by_year(),
        what=_("attribué"),
    )
    if checked.problems:
        raise DomainError(next(iter(checked.problems.values())))


def committed_by_year(*, call: Call) -> dict[int, Decimal]:
    """What the call's awards already commit, per programme year."""
    rows = AwardAmount.objects.filter(award__application__call=call).values("year").annotate(total=Sum("amount"))
    return {row["year"]: row["total"] for row in rows.order_by()}


def _check_envelopes(*, call: Call, application: Application, amounts: Mapping[int, Decimal]) -> None:
    """Refuse an award that would take the call, a programme year or the department past its envelope.

    The call's envelope always applies; a year's and a department's only where one is set.
    Runs with the call row locked, so the committed totals it reads cannot change meanwhile.
    """
    amount = sum(amounts.values(), Decimal("0"))
    committed = committed_total(call=call)
    if committed + amount > call.envelope:
        raise EnvelopeExceeded(
            _(
                "Enveloppe de l’appel dépassée pour le dossier %(reference)s : %(committed)s déjà engagés "
                "+ %(amount)s demandés = %(sum)s, pour une enveloppe de %(envelope)s (reste %(remaining)s)."
            )
            % {
                "reference": application.reference,
                "committed": format_euros(committed),
                "amount": format_euros(amount),
                "sum": format_euros(committed + amount),
                "envelope": format_euros(call.envelope),
                "remaining": format_euros(call.envelope - committed),
            }
        )
    year_envelopes = dict(YearEnvelope.objects.filter(call=call).values_list("year", "amount"))
    if year_envelopes:
        year_committed = committed_by_year(call=call)
        for year, year_amount in sorted(amounts.items()):
            ceiling = year_envelopes.get(year)
            already = year_committed.get(year, Decimal("0"))
            if ceiling is not None and already + year_amount > ceiling:
                raise EnvelopeExceeded(
                    _(
                        "Enveloppe de l’année %(year)s dépassée pour le dossier %(reference)s : %(committed)s déjà "
                        "engagés + %(amount)s demandés = %(sum)s, pour une enveloppe de %(envelope)s "
                        "(reste %(remaining)s)."
                    )
                    % {
                        "year": year,
                        "reference": application.reference,
                        "committed": format_euros(already),
                        "amount": format_euros(year_amount),
                        "sum": format_euros(already + year_amount),
                        "envelope": format_euros(ceiling),
                        "remaining": format_euros(ceiling - already),
                    }
                )
    envelope = DepartmentEnvelope.objects.filter(call=call, department=application.department).first()
    if envelope is None:
        return
    department_committed = committed_total(call=call, department=application.department)
    if department_committed + amount > envelope.amount:
        raise EnvelopeExceeded(
            _(
                "Enveloppe du département %(department)s dépassée pour le dossier %(reference)s : "
                "%(committed)s déjà engagés + %(amount)s demandés = %(sum)s, pour une enveloppe de "
                "%(envelope)s (reste %(remaining)s)."
            )
            % {
                "department": application.department.name,
                "reference": application.reference,
                "committed": format_euros(department_committed),
                "amount": format_euros(amount),
                "sum": format_euros(department_committed + amount),
                "envelope": format_euros(envelope.amount),
                "remaining": format_euros(envelope.amount - department_committed),
            }
        )


def approve_laureate(*, application: Application, by, amounts_by_year: Mapping, comment: str = "") -> Award:
    """Turn a proposed application into a laureate: award, amounts per year, State/Cnaf lines.

    The call row is locked first, so that two approvals at the same moment are checked one
    after the other against the envelope (and the department's, where one is set).
    """
    if not get_scope(by).can(Action.APPROVE, application.department_id):
        raise PermissionRefused(_("Seul le valideur de la région peut retenir un lauréat."))
    amounts = clean_award_amounts(call=application.call, amounts_by_year=amounts_by_year)
    total = sum(amounts.values(), Decimal("0"))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=application.call_id)
        # The application row too: a rejection at the same moment must not slip between the check and the award.
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("department").get(pk=application.pk)
        )
        if application.status != Status.PROPOSED:
            raise TransitionNotAllowed(
                _(
                    "Le dossier %(reference)s n’est pas proposé par le CDSF (statut « %(status)s ») : "
                    "il ne peut pas être retenu."
                )
                % {"reference": application.reference, "status": application.get_status_display()}
            )
        _check_requested(application=application, amounts=amounts)
        _check_envelopes(call=call, application=application, amounts=amounts)
        award = Award.objects.create(application=application, total=total, approved_by=by, comment=comment.strip())
        AwardAmount.objects.bulk_create(
            AwardAmount(award=award, year=year, amount=amount) for year, amount in sorted(amounts.items())
        )
        lines = []
        for year, amount in sorted(amounts.items()):
            state, cnaf = split(amount, call.state_share)
            for funder, part in ((Funder.STATE, state), (Funder.CNAF, cnaf)):
                # A share of 0 or 1 (or a one-cent amount) leaves one funder nothing: no empty line.
                if part > 0:
                    lines.append(
                        FundingLine(
                            award=award,
                            funder=funder,
                            year=year,
                            amount=part,
                            budget_reference=call.budget_reference(funder),
                        )
                    )
        FundingLine.objects.bulk_create(lines)
        application.approve(by=by, comment=comment)
        events.laureate_approved(award)
    return award


def approve_selection(
    *, applications_amounts: Iterable[tuple[Application, Mapping]], by, comment: str = ""
) -> list[Award]:
    """Approve several proposals at once, all or nothing.

    Each approval goes through approve_laureate inside one transaction, the later ones seeing
    the envelope used by the earlier ones. If any is refused, none is kept and SelectionRefused
    names every refused application with its reason. Calls are locked in a fixed order (by
    call, then reference) so that two selections at once cannot deadlock.
    """
    selection = sorted(applications_amounts, key=lambda pair: (pair[0].call_id, pair[0].reference))
    if not selection:
        raise DomainError(_("Sélectionnez au moins un dossier à retenir."))
    references = [application.reference for application, _amounts in selection]
    duplicates = sorted({reference for reference in references if references.count(reference) > 1})
    if duplicates:
        raise DomainError(
            _("Un dossier figure deux fois dans la sélection : %(references)s.") % {"references": ", ".join(duplicates)}
        )
    awards = []
    failures = []
    with transaction.atomic():
        for application, amounts in selection:
            try:
                awards.append(
                    approve_laureate(application=application, by=by, amounts_by_year=amounts, comment=comment)
                )
            except DomainError as error:
                failures.append((application.reference, str(error.message)))
        if failures:
            raise SelectionRefused(failures)
    return awards


def reject_application(*, application: Application, by, reason: str) -> StatusChange:
    """Reject a proposed or not-proposed application, with the reason kept in the history."""
    with transaction.atomic():
        change = application.reject(by=by, comment=reason)
        events.application_rejected(application=application, reason=reason)
    return change


def _line_for_update(line: FundingLine, by, refusal: str) -> FundingLine:
    """The line with its award and application, once the actor is known to hold APPROVE on its department."""
    line = FundingLine.objects.select_related("award__application").get(pk=line.pk)
    if not get_scope(by).can(Action.APPROVE, line.award.application.department_id):
        raise PermissionRefused(refusal)
    return line


def record_payment(*, line: FundingLine, by, paid_on: datetime.date, amount: Decimal, reference: str = "") -> Payment:
    """Record a payment made on a funding line, when the line's payment schedule allows it.

    The line row is locked and its payments re-summed inside the transaction, so two payments
    recorded at the same moment are checked one after the other.
    """
    line = _line_for_update(line, by, _("Seul le valideur de la région peut enregistrer un versement."))
    try:
        amount = parse_amount(amount)
    except ValueError as error:
        raise DomainError(_("Montant du versement : %(error)s.") % {"error": error}) from None
    if amount <= 0:
        raise DomainError(_("Le montant du versement doit être supérieur à zéro."))
    if paid_on > timezone.localdate():
        raise DomainError(_("La date du versement ne peut pas être dans le futur."))
    reference = (reference or "").strip()
    if len(reference) > Payment._meta.get_field("reference").max_length:
        raise DomainError(_("La référence du versement est trop longue (100 caractères au plus)."))
    with transaction.atomic():
        FundingLine.objects.select_for_update().values_list("pk", flat=True).get(pk=line.pk)
        # The schedule's rule: never beyond the line minus recoveries, never before the condition is met.
        refusal = payment_refusal(line, amount=amount, reference=line.award.application.reference)
        if refusal:
            raise DomainError(refusal)
        payment = Payment.objects.create(line=line, paid_on=paid_on, amount=amount, reference=reference, recorded_by=by)
        events.payment_recorded(payment)
        return payment


def set_commitment_number(*, line: FundingLine, by, number: str) -> FundingLine:
    """Record (or clear, with an empty number) the commitment number of a funding line."""
    line = _line_for_update(line, by, _("Seul le valideur de la région peut saisir un numéro d’engagement."))
    try:
        number = line.normalise_commitment_number(number)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    FundingLine.objects.filter(pk=line.pk).update(commitment_number=number)
    line.commitment_number = number
    return line
