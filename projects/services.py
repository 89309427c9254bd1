"""Operations that span several models. Keyword-only, typed, no request, no messages."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import Funder, Status
from projects.exceptions import DomainError, EnvelopeExceeded, PermissionRefused, TransitionNotAllowed
from projects.models import (
    Applicant,
    Application,
    Award,
    AwardAmount,
    Call,
    DepartmentEnvelope,
    FundingLine,
    ReferenceCounter,
    StatusChange,
)
from projects.money import format_euros, split, to_cents


def allocate_reference(*, call: Call, department: Department) -> str:
    """The next reference of the call and department, e.g. FIPE-OCC-2023-031-004.

    Must run inside the transaction that creates the application: the counter row is
    incremented with a single UPDATE, which takes its row lock until commit, so two
    creations at once get consecutive numbers, and a rolled-back creation leaves no gap.
    """
    return allocate_references(call=call, department=department, count=1)[0]


def allocate_references(*, call: Call, department: Department, count: int) -> list[str]:
    """`count` consecutive references at once (for imports), under the same locking rule."""
    counter, _created = ReferenceCounter.objects.get_or_create(call=call, department=department)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + count)
    last = ReferenceCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)
    return [f"{call.reference}-{department.padded_code}-{number:03d}" for number in range(last - count + 1, last + 1)]


def create_application(
    *,
    call: Call,
    applicant: Applicant,
    department: Department,
    by,
    amounts_by_year: dict[int, Decimal],
    submit: bool = False,
    **fields,
) -> Application:
    """Record an application received by the services (outside any online form).

    `fields` are the Application's own fields (title, summary, commune, category, qpv,
    target_public, total_budget). With submit=True the application is submitted at once.
    """
    if not get_scope(by).can(Action.MANAGE, department):
        raise PermissionRefused(_("Vous ne pouvez pas saisir de dossier pour ce département."))
    if department.region_id != call.region_id:
        raise ValidationError({"department": _("Ce département n’appartient pas à la région de l’appel à projets.")})
    if not call.accepts_applications:
        raise ValidationError({"call": _("Cet appel à projets est clos : il n’accepte plus de dossier.")})
    with transaction.atomic():
        application = Application(call=call, applicant=applicant, department=department, **fields)
        application.reference = allocate_reference(call=call, department=department)
        application.full_clean(exclude=["reference"])
        application.save()
        application.set_requested_amounts(amounts_by_year)
        StatusChange.objects.create(
            application=application, from_status="", to_status=application.status, by=by, comment=_("Dossier créé")
        )
        if submit:
            application.submit(by=by)
    return application


def committed_total(*, call: Call, department: Department | None = None) -> Decimal:
    """What the call's awards already commit (optionally for one department)."""
    awards = Award.objects.filter(application__call=call)
    if department is not None:
        awards = awards.filter(application__department=department)
    return awards.aggregate(total=Coalesce(Sum("total"), Decimal("0")))["total"]


def approve_laureate(*, application: Application, by, amounts_by_year: dict[int, Decimal], comment: str = "") -> Award:
    """Turn a proposed application into a laureate: award, amounts per year, State/Cnaf lines.

    The call row is locked first, so that two approvals at the same moment are checked one
    after the other against the envelope (and the department's, where one is set).
    """
    if not get_scope(by).can(Action.APPROVE, application.department_id):
        raise PermissionRefused(_("Seul le valideur de la région peut retenir un lauréat."))
    years = set(application.call.programme_years)
    amounts = {int(year): to_cents(Decimal(amount)) for year, amount in amounts_by_year.items() if amount}
    outside = sorted(set(amounts) - years)
    if outside:
        raise DomainError(
            _("Années hors du programme de l’appel : %(years)s.") % {"years": ", ".join(map(str, outside))}
        )
    if any(amount <= 0 for amount in amounts.values()) or not amounts:
        raise DomainError(_("Le montant attribué doit être supérieur à zéro pour chaque année retenue."))
    total = sum(amounts.values(), Decimal("0"))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=application.call_id)
        application = Application.objects.select_related("department").get(pk=application.pk)
        if application.status != Status.PROPOSED:
            raise TransitionNotAllowed(
                _(
                    "Le dossier %(reference)s n’est pas proposé par le CDSF (statut « %(status)s ») : "
                    "il ne peut pas être retenu."
                )
                % {"reference": application.reference, "status": application.get_status_display()}
            )
        committed = committed_total(call=call)
        if committed + total > call.envelope:
            raise EnvelopeExceeded(
                _(
                    "Enveloppe de l’appel dépassée : %(committed)s déjà engagés + %(amount)s demandés "
                    "= %(sum)s, pour une enveloppe de %(envelope)s (reste %(remaining)s)."
                )
                % {
                    "committed": format_euros(committed),
                    "amount": format_euros(total),
                    "sum": format_euros(committed + total),
                    "envelope": format_euros(call.envelope),
                    "remaining": format_euros(call.envelope - committed),
                }
            )
        envelope = DepartmentEnvelope.objects.filter(call=call, department=application.department).first()
        if envelope is not None:
            department_committed = committed_total(call=call, department=application.department)
            if department_committed + total > envelope.amount:
                raise EnvelopeExceeded(
                    _(
                        "Enveloppe du département %(department)s dépassée : %(committed)s déjà engagés + %(amount)s "
                        "= %(sum)s, pour une enveloppe de %(envelope)s (reste %(remaining)s)."
                    )
                    % {
                        "department": application.department.name,
                        "committed": format_euros(department_committed),
                        "amount": format_euros(total),
                        "sum": format_euros(department_committed + total),
                        "envelope": format_euros(envelope.amount),
                        "remaining": format_euros(envelope.amount - department_committed),
                    }
                )
        award = Award.objects.create(application=application, total=total, approved_by=by, comment=comment)
        AwardAmount.objects.bulk_create(
            AwardAmount(award=award, year=year, amount=amount) for year, amount in sorted(amounts.items())
        )
        lines = []
        for year, amount in sorted(amounts.items()):
            state, cnaf = split(amount, call.state_share)
            for funder, part in ((Funder.STATE, state), (Funder.CNAF, cnaf)):
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
    return award


def reject_application(*, application: Application, by, reason: str) -> StatusChange:
    """Reject a proposed or not-proposed application, with the reason kept in the history."""
    return application.reject(by=by, comment=reason)
