"""Approval of the laureates, awards and their funding lines, and the funding dashboard of a call."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from fipe.web import breadcrumb, next_or, posted_data
from projects.awards.approval import waiting_proposals
from projects.awards.charts import Series, stacked_bars
from projects.awards.dashboard import approval_envelopes, call_dashboard, selection_by_year
from projects.awards.forms import (
    CommitmentForm,
    PaymentForm,
    ProposalRowForm,
    ProposalRowInputs,
    RejectForm,
    proposal_row_inputs,
    selection_matches,
    sign_selection,
)
from projects.awards.services import approve_selection, record_payment, reject_application, set_commitment_number
from projects.enums import Funder, Status
from projects.exceptions import DomainError, SelectionRefused
from projects.followup.dashboard import funder_year_table
from projects.followup.schedule import followups
from projects.models import Application, Award, Call, FundingLine, Payment, Recovery
from projects.money import format_euros, requires_convention
from projects.shortcuts import visible_application
from projects.workflow import TRANSITIONS

# Permission rules -------------------------------------------------------------


def approval_department_ids(user, call: Call) -> frozenset[int]:
    """The departments of the call's region where the user may approve or reject (Action.APPROVE).

    In practice the regional prefecture's approvers: the whole region.
    """
    ids = get_scope(user).department_ids(Action.APPROVE)
    if not ids:
        return frozenset()
    return frozenset(Department.objects.filter(region_id=call.region_id, pk__in=ids).values_list("pk", flat=True))


def can_manage_award(user, application: Application) -> bool:
    """Commitment numbers and payments are recorded by those who approve in the application's department."""
    return get_scope(user).can(Action.APPROVE, application.department_id)


def visible_call(user, reference: str) -> Call:
    """A call of a region where the user sees at least one department; any other answers 404."""
    return get_object_or_404(Call.objects.visible_to(user).select_related("region"), reference=reference)


# Lists of calls (the entries of the menu) ---------------------------------------


@require_GET
def approval_calls(request):
    scope = get_scope(request.user)
    ids = scope.department_ids(Action.APPROVE)
    if not ids:
        raise PermissionDenied
    waiting = (
        Application.objects.filter(call=OuterRef("pk"), status=Status.PROPOSED, department_id__in=ids)
        .order_by()
        .values("call")
        .annotate(count=Count("pk"))
        .values("count")
    )
    calls = (
        Call.objects.filter(region__departments__in=ids)
        .distinct()
        .select_related("region")
        .annotate(waiting=Coalesce(Subquery(waiting), 0))
    )
    return render(request, "projects/awards/approval_calls.html", {"calls": calls})


@require_GET
def funding_calls(request):
    if not get_scope(request.user).can_anywhere(Action.VIEW):
        raise PermissionDenied
    calls = Call.objects.visible_to(request.user).select_related("region")
    return render(request, "projects/awards/funding_calls.html", {"calls": calls})


# Approval screen -----------------------------------------------------------------


@dataclass
class ProposalRow:
    # The committee's proposal and the two opinions, as `WaitingProposal` describes them.
    proposal: Any
    application: Application
    # None on a blank screen: the inputs are then prefilled without building a form (see RowInput).
    form: ProposalRowForm | None
    inputs: ProposalRowInputs
    opinions: list
    detail_url: str
    reject_url: str


def _reference_urls(name: str, key: str, **kwargs) -> Callable[[str], str]:
    """The URL `name` of an application reference passed as `key`, reversing the pattern only once.

    The approval screen links a few hundred rows; reverse() per link was a tenth of its time.
    References are slugs, which a URL carries as they are.
    """
    marker = "application-reference"
    pattern = reverse(name, kwargs={**kwargs, key: marker})
    before, after = pattern.split(marker)
    return lambda reference: f"{before}{reference}{after}"


def _proposal_rows(call: Call, department_ids, data=None) -> list[ProposalRow]:
    years = call.programme_years
    detail_url = _reference_urls("projects:application_detail", "reference")
    reject_url = _reference_urls("projects:approval_reject", "application", reference=call.reference)
    rows = []
    for waiting in waiting_proposals(call, department_ids):
        proposal = waiting.proposal
        proposal.application.call = call
        prefix = f"p{proposal.application.pk}"
        proposed = {amount.year: amount.amount for amount in proposal.amounts.all()}
        form = None if data is None else ProposalRowForm(data, prefix=prefix, years=years, proposed=proposed)
        inputs = proposal_row_inputs(form, prefix=prefix, years=years, proposed=proposed)
        reference = proposal.application.reference
        urls = detail_url(reference), reject_url(reference)
        rows.append(ProposalRow(proposal, proposal.application, form, inputs, waiting.opinions, *urls))
    return rows


def _stray_references(request, call: Call, rows: list[ProposalRow]) -> list[str]:
    """The files selected in the post that are not waiting on this screen: no longer proposed, or forged.

    Each is named by its reference where the user may see it, by the id posted otherwise.
    """
    waiting = {str(row.application.pk) for row in rows}
    posted = {key.removeprefix("p").removesuffix("-selected") for key in request.POST if key.endswith("-selected")}
    posted |= {request.POST.get("approve_one", "")} - {""}
    strays = sorted(posted - waiting)
    ids = [int(pk) for pk in strays if pk.isdigit() and len(pk) < 12]
    known = {
        str(pk): ref
        for pk, ref in Application.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", "reference")
    }
    return [known.get(pk, f"n° {pk[:20]}") for pk in strays]


def approval(request, reference):
    """The proposals waiting for the regional approver; a selection is checked, then committed on confirmation."""
    call = visible_call(request.user, reference)
    department_ids = approval_department_ids(request.user, call)
    if not department_ids:
        raise PermissionDenied
    rows = _proposal_rows(call, department_ids, posted_data(request))
    chosen, failures, step = [], [], None
    if request.method == "POST":
        one = request.POST.get("approve_one")
        action = "check" if one else request.POST.get("action", "")
        chosen = [row for row in rows if (str(row.application.pk) == one if one else row.form.is_selected)]
        strays = _stray_references(request, call, rows)
        valid = all(row.form.is_valid() for row in chosen)
        selection = [(row.application, row.form.amounts()) for row in chosen if row.form.is_valid()]
        if strays:
            failures = [(reference, _("ce dossier n’est pas en attente de validation.")) for reference in strays]
        elif not valid:
            messages.error(request, _("Corrigez les montants signalés dans le tableau."))
        elif action in ("check", "approve") and not selection:
            messages.error(request, _("Sélectionnez au moins un dossier à retenir."))
        elif action in ("check", "approve"):
            step = "confirm"
        elif action == "confirm":
            if not selection_matches(request.POST.get("token", ""), selection, user=request.user):
                changed = ", ".join(application.reference for application, _amounts in selection) or _("aucun")
                failures = [(changed, _("la sélection a changé depuis sa vérification : vérifiez-la de nouveau."))]
            else:
                try:
                    awards = approve_selection(applications_amounts=selection, by=request.user)
                except SelectionRefused as error:
                    failures = error.failures
                except DomainError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, _approved_message(awards))
                    return redirect("projects:approval", reference=call.reference)
    selection = [(row.application, row.form.amounts()) for row in chosen if row.form.is_valid()]
    envelopes = [
        row
        for row in approval_envelopes(call_dashboard(call), selection)
        if row.department_id is None or row.department_id in department_ids
    ]
    context = {
        "call": call,
        "years": call.programme_years,
        "envelopes": envelopes,
        "selection_total": sum((sum(amounts.values(), Decimal("0")) for _a, amounts in selection), Decimal("0")),
        "selection_count": len(selection),
        "rows": rows,
        "failures": failures,
        "page_errors": bool(failures),
        "breadcrumb_data": breadcrumb(
            call.reference, (_("Validation des lauréats"), reverse("projects:approval_calls"))
        ),
    }
    if step == "confirm":
        context.update(
            chosen=chosen,
            chosen_ids={row.application.pk for row in chosen},
            by_year=selection_by_year(call, selection),
            token=sign_selection(selection, user=request.user),
            exceeded=any(row.exceeded for row in envelopes),
        )
        return render(request, "projects/awards/approval_confirm.html", context)
    context.update(not_proposed=_not_proposed(call, department_ids), waiting_total=_waiting_total(rows))
    return render(request, "projects/awards/approval.html", context)


def _approved_message(awards) -> str:
    total = sum((award.total for award in awards), Decimal("0"))
    return ngettext(
        "%(count)d dossier retenu comme lauréat (%(references)s), pour %(total)s.",
        "%(count)d dossiers retenus comme lauréats (%(references)s), pour %(total)s.",
        len(awards),
    ) % {
        "count": len(awards),
        "references": ", ".join(award.application.reference for award in awards),
        "total": format_euros(total),
    }


def _waiting_total(rows) -> Decimal:
    return sum((row.proposal.proposed_total for row in rows), Decimal("0"))


def _not_proposed(call: Call, department_ids) -> list[Application]:
    """The files the committees did not propose, which the approver may only reject."""
    not_proposed = list(
        Application.objects.filter(call=call, department_id__in=department_ids, status=Status.NOT_PROPOSED)
        .select_related("department", "applicant", "proposal")
        .order_by("department__code", "reference")
    )
    detail_url = _reference_urls("projects:application_detail", "reference")
    reject_url = _reference_urls("projects:approval_reject", "application", reference=call.reference)
    for application in not_proposed:
        application.detail_url = detail_url(application.reference)
        application.reject_url = reject_url(application.reference)
    return not_proposed


def reject(request, reference, application):
    call = visible_call(request.user, reference)
    application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related("department", "applicant", "proposal"),
        call=call,
        reference=application,
    )
    if not get_scope(request.user).can(Action.APPROVE, application.department_id):
        raise PermissionDenied
    if application.status not in TRANSITIONS["reject"].sources:
        messages.error(
            request,
            _("Le dossier %(reference)s ne peut plus être rejeté (statut « %(status)s »).")
            % {"reference": application.reference, "status": application.get_status_display()},
        )
        return redirect("projects:approval", reference=call.reference)
    form = RejectForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            reject_application(application=application, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le dossier %(reference)s est rejeté.") % {"reference": application.reference})
            return redirect("projects:approval", reference=call.reference)
    breadcrumb_data = breadcrumb(
        _("Rejet de %(reference)s") % {"reference": application.reference},
        (_("Validation des lauréats"), reverse("projects:approval_calls")),
        (call.reference, reverse("projects:approval", args=[call.reference])),
    )
    return render(
        request,
        "projects/awards/approval_reject.html",
        {"call": call, "application": application, "form": form, "breadcrumb_data": breadcrumb_data},
    )


# Award and funding lines --------------------------------------------------------


def award_tab_context(application: Application, user, *, payment_form=None, commitment_form=None) -> dict:
    """What the « Subvention » tab of the application page shows, in a fixed number of queries.

    `award` is None when the application has no award. The forms are there only for users who
    may record commitment numbers and payments; a bound form passed in (after a refused
    submission) replaces the blank one so that its errors show.
    """
    joined, award = application.joined("award")
    if not joined:
        award = Award.objects.select_related("approved_by").filter(application=application).first()
    if award is None:
        return {"award": None}
    award.application = application
    # Per year, the State's line before the Cnaf's ("state" sorts after "cnaf").
    recovered = (
        Recovery.objects.filter(line=OuterRef("pk")).order_by().values("line").annotate(t=Sum("amount")).values("t")
    )
    lines = list(
        FundingLine.objects.filter(award=award)
        .with_paid()
        .annotate(recovered=Subquery(recovered, output_field=DecimalField(max_digits=14, decimal_places=2)))
        .order_by("year", "-funder")
    )
    lines_by_pk = {line.pk: line for line in lines}
    payments = list(Payment.objects.filter(line__award=award).select_related("recorded_by").order_by("paid_on", "pk"))
    for payment in payments:
        payment.line = lines_by_pk[payment.line_id]
    can_manage = can_manage_award(user, application)
    rows = []
    for line in lines:
        form = None
        if can_manage:
            if commitment_form is not None and commitment_form.line.pk == line.pk:
                form = commitment_form
            else:
                form = CommitmentForm(line=line, prefix=f"line{line.pk}")
        rows.append({"line": line, "commitment_form": form})
    paid = sum((line.paid for line in lines), Decimal("0"))
    if can_manage and payment_form is None and any(line.remaining > 0 for line in lines):
        payment_form = PaymentForm(lines=lines)
    amounts = list(award.amounts.all())
    return {
        "award": award,
        "award_amounts": amounts,
        "award_requires_convention": requires_convention(amount.amount for amount in amounts),
        "award_lines": rows,
        "award_payments": payments,
        "award_paid": paid,
        "award_remaining": award.total - paid,
        "award_can_manage": can_manage,
        "award_payment_form": payment_form if can_manage else None,
    }


def _render_award(request, application, status=200, **forms):
    context = award_tab_context(application, request.user, **forms)
    if context["award"] is None:
        raise Http404(_("Ce dossier n’a pas de subvention attribuée."))
    here = reverse("projects:award_detail", args=[application.reference])
    return render(
        request,
        "projects/awards/award_detail.html",
        {
            "application": application,
            # After a refused form the page is rendered at the form's address: go back where the user was.
            "award_next": next_or(request, here) if request.method == "POST" else request.get_full_path(),
            "breadcrumb_data": breadcrumb(
                _("Subvention %(reference)s") % {"reference": application.reference},
                (_("Financements"), reverse("projects:funding_dashboard", args=[application.call.reference])),
            ),
            **context,
        },
        status=status,
    )


@require_GET
def award_detail(request, reference):
    return _render_award(request, visible_application(request.user, reference))


def _managed_line(request, reference, line_pk) -> tuple[Application, FundingLine]:
    application = visible_application(request.user, reference)
    line = get_object_or_404(FundingLine, pk=line_pk, award__application=application)
    if not can_manage_award(request.user, application):
        raise PermissionDenied
    return application, line


@require_POST
def award_commitment(request, reference, line):
    application, line = _managed_line(request, reference, line)
    form = CommitmentForm(request.POST, line=line, prefix=f"line{line.pk}")
    if form.is_valid():
        try:
            set_commitment_number(line=line, by=request.user, number=form.cleaned_data["number"])
        except DomainError as error:
            form.add_error("number", error.message)
        else:
            messages.success(request, _("Numéro d’engagement de la ligne %(line)s enregistré.") % {"line": line.label})
            return redirect(next_or(request, reverse("projects:award_detail", args=[application.reference])))
    return _render_award(request, application, status=400, commitment_form=form)


@require_POST
def award_payment(request, reference):
    application = visible_application(request.user, reference)
    if not can_manage_award(request.user, application):
        raise PermissionDenied
    lines = list(FundingLine.objects.filter(award__application=application).with_paid())
    if not lines:
        raise Http404(_("Ce dossier n’a pas de subvention attribuée."))
    form = PaymentForm(request.POST, lines=lines)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = record_payment(
                line=data["line"],
                by=request.user,
                paid_on=data["paid_on"],
                amount=data["amount"],
                reference=data["reference"],
            )
        except DomainError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(
                request,
                _("Versement de %(amount)s enregistré sur la ligne %(line)s.")
                % {"amount": format_euros(payment.amount), "line": data["line"].label},
            )
            return redirect(next_or(request, reverse("projects:award_detail", args=[application.reference])))
    return _render_award(request, application, status=400, payment_form=form)


# Funding dashboard --------------------------------------------------------------

FUNDER_SERIES = [Series(Funder.STATE, Funder.STATE.label, "solid"), Series(Funder.CNAF, Funder.CNAF.label, "hatched")]
CONSUMPTION_SERIES = [
    Series("paid", _("Versé"), "solid"),
    Series("to_pay", _("Engagé, reste à verser"), "hatched"),
    Series("remaining", _("Reste à engager"), "outlined"),
]


def _department_chart(dashboard):
    rows = [
        (
            str(row.department),
            {Funder.STATE: row.state, Funder.CNAF: row.cnaf},
            format_euros(row.committed),
            None,
        )
        for row in dashboard.by_department
    ]
    return stacked_bars(
        chart_id="chart-departments",
        title=_("Montants engagés par département, par financeur"),
        description=_(
            "Une barre par département, toutes à la même échelle, partagée entre la part de l’État (pleine) et "
            "celle de la Cnaf (hachurée). Les chiffres figurent dans le tableau qui suit."
        ),
        series=FUNDER_SERIES,
        rows=rows,
    )


def _consumption_chart(dashboard):
    rows = []
    for label, figures in [(_("Total"), dashboard.total), *dashboard.funder_rows]:
        values = {"paid": figures.paid, "to_pay": figures.to_pay, "remaining": max(figures.remaining, Decimal("0"))}
        note = _("%(percent)s %% engagé") % {"percent": number_format(figures.consumed_percent, 1)}
        rows.append((label, values, note, figures.envelope))
    return stacked_bars(
        chart_id="chart-consumption",
        title=_("Consommation de l’enveloppe"),
        description=_(
            "Pour l’appel et pour chaque financeur, l’enveloppe partagée entre le versé (plein), l’engagé restant à "
            "verser (hachuré) et le reste à engager (contour seul). Les chiffres figurent dans le tableau qui suit."
        ),
        series=CONSUMPTION_SERIES,
        rows=rows,
    )


@require_GET
def funding_dashboard(request, reference):
    call = visible_call(request.user, reference)
    department_ids = get_scope(request.user).department_ids(Action.VIEW)
    dashboard = call_dashboard(call, department_ids=department_ids)
    zero = Value(Decimal("0"), output_field=DecimalField())
    laureates = (
        Award.objects.filter(application__call=call, application__department_id__in=department_ids)
        .select_related("application__department", "application__applicant")
        .annotate(paid=Coalesce(Sum("lines__payments__amount"), zero))
        .annotate(to_pay=ExpressionWrapper(F("total") - F("paid"), output_field=DecimalField()))
        .order_by("application__department__code", "application__reference")
    )
    waiting = Application.objects.filter(call=call, department_id__in=department_ids, status=Status.PROPOSED).aggregate(
        count=Count("pk"), total=Coalesce(Sum("proposal__proposed_total"), zero)
    )
    return render(
        request,
        "projects/awards/funding_dashboard.html",
        {
            "call": call,
            "dashboard": dashboard,
            "laureates": laureates,
            "waiting": waiting,
            "department_chart": _department_chart(dashboard),
            "consumption_chart": _consumption_chart(dashboard) if dashboard.complete else None,
            "can_approve": get_scope(request.user).can_anywhere(Action.APPROVE),
            # The payment schedule's figures, from the follow-up's one rule.
            "schedule": funder_year_table(
                followups(Award.objects.filter(application__call=call, application__department_id__in=department_ids))
            ),
            "breadcrumb_data": breadcrumb(call.reference, (_("Financements"), reverse("projects:funding_calls"))),
        },
    )
